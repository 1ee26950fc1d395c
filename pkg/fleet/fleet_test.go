package fleet

import (
	"bytes"
	"flag"
	"github.com/fleetctl/fleetctl/pkg/fsview"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/render"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/strictyaml"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func intp(n int) *int { return &n }

// writeSkeleton renders init's files into a temp repo and returns the fleet on it.
func writeSkeleton(t testing.TB, cfg config.Config) *Fleet {
	t.Helper()
	root := t.TempDir()
	f, err := New(root, cfg)
	if err != nil {
		t.Fatal(err)
	}
	files, err := f.SkeletonFiles()
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, root, files)
	return f
}

func writeFiles(t testing.TB, root string, files []render.File) {
	t.Helper()
	for _, file := range files {
		p := filepath.Join(root, filepath.FromSlash(file.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, file.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func multiPool(f *Fleet) spec.Cluster {
	c := f.NewCluster("pacific-aks")
	c.Location = "westus3"
	c.Labels = map[string]string{"ring": "canary", "env": "prod", "example.com/team": "platform", "tier": "true"}
	c.Network.DNSServiceIP = "10.0.0.10"
	c.NodePools = []spec.NodePool{
		{Name: "system", Mode: "System", VMSize: "Standard_D4s_v5", OSType: "Linux", Count: intp(3), Zones: []string{"1", "2", "3"}},
		{Name: "work", Mode: "User", VMSize: "Standard_D8s_v5", Min: intp(2), Max: intp(20), MaxPods: intp(60)},
		{Name: "win", Mode: "User", VMSize: "Standard_D4s_v5", OSType: "Windows", Count: intp(1), OSDiskType: "Managed", OSDiskSizeGB: intp(128)},
	}
	return c
}

// docs splits a multi-document YAML file.
func docs(b []byte) [][]byte {
	var out [][]byte
	for _, d := range bytes.Split(b, []byte("\n---\n")) {
		if len(bytes.TrimSpace(d)) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// TestFluxObjectsDecodeStrictly decodes every Flux object fleetctl writes into the Flux API Go types
// with unknown fields rejected, as the API server's structural schema would prune or reject them.
func TestFluxObjectsDecodeStrictly(t *testing.T) {
	f := writeSkeleton(t, config.Default())
	skeleton, err := f.SkeletonFiles()
	if err != nil {
		t.Fatal(err)
	}
	c := multiPool(f)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	clusterFiles, err := f.ClusterFiles(c)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, file := range append(skeleton, clusterFiles...) {
		if !strings.HasSuffix(file.Path, ".yaml") || strings.HasPrefix(file.Path, "charts/") || file.Path == config.FileName {
			continue
		}
		for _, doc := range docs(file.Content) {
			var meta struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				t.Fatalf("%s: %v", file.Path, err)
			}
			var obj any
			switch meta.APIVersion + "/" + meta.Kind {
			case "helm.toolkit.fluxcd.io/v2/HelmRelease":
				obj = &helmv2.HelmRelease{}
			case "kustomize.toolkit.fluxcd.io/v1/Kustomization":
				obj = &kustomizev1.Kustomization{}
			case "source.toolkit.fluxcd.io/v1/HelmRepository":
				obj = &sourcev1.HelmRepository{}
			case "source.toolkit.fluxcd.io/v1/GitRepository":
				obj = &sourcev1.GitRepository{}
			default:
				if strings.Contains(meta.APIVersion, "toolkit.fluxcd.io") {
					t.Fatalf("%s: Flux object %s %s is not at a current API version", file.Path, meta.APIVersion, meta.Kind)
				}
				continue
			}
			if err := strictyaml.Unmarshal(doc, obj); err != nil {
				t.Errorf("%s: %s %s: %v", file.Path, meta.APIVersion, meta.Kind, err)
			}
			seen[meta.Kind]++
			if hr, ok := obj.(*helmv2.HelmRelease); ok && hr.Name == c.Name {
				checkClusterHelmRelease(t, hr)
			}
		}
	}
	if seen["HelmRelease"] != 2 || seen["Kustomization"] != 1 || seen["HelmRepository"] != 1 {
		t.Fatalf("decoded %v; want the cluster and ingress HelmReleases, the clusters Kustomization, a HelmRepository", seen)
	}
}

// checkClusterHelmRelease pins the safe defaults for the cluster release (DOMAIN.md pitfalls).
func checkClusterHelmRelease(t *testing.T, hr *helmv2.HelmRelease) {
	t.Helper()
	s := hr.Spec
	if s.Chart == nil || s.Chart.Spec.ReconcileStrategy != "Revision" || s.Chart.Spec.SourceRef.Kind != "GitRepository" {
		t.Errorf("cluster HelmRelease must use the repo chart with reconcileStrategy Revision: %+v", s.Chart)
	}
	if s.Install == nil || !s.Install.DisableWait || s.Upgrade == nil || !s.Upgrade.DisableWait {
		t.Error("cluster HelmRelease must not wait: AKS outlasts Helm's timeout")
	}
	if s.Install.Remediation != nil && s.Install.Remediation.Retries != 0 {
		t.Error("install remediation could uninstall (delete) a cluster")
	}
	if len(s.ValuesFrom) != 1 || s.ValuesFrom[0].Kind != "ConfigMap" || s.ValuesFrom[0].ValuesKey != "values.yaml" {
		t.Errorf("values must come from the generated ConfigMap: %+v", s.ValuesFrom)
	}
}

// TestKustomizeBuilds builds every kustomization root of a fleet with one cluster, as
// kustomize-controller would, and checks the values ConfigMap hash reaches the HelmRelease.
func TestKustomizeBuilds(t *testing.T) {
	f := writeSkeleton(t, config.Default())
	c := multiPool(f)
	files, err := f.ClusterFiles(c)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, f.Root, files)
	list, err := f.AddToClusterList(c.Name)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, f.Root, []render.File{{Path: f.ClustersKustomization(), Content: list}})

	fs := filesys.MakeFsOnDisk()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	for root, wantKinds := range map[string]string{
		f.ClustersDir():      "ConfigMap,HelmRelease",
		f.ClusterDir(c.Name): "ConfigMap,HelmRelease",
		"infra/base":         "HelmRelease,HelmRepository,Namespace",
		"infra/flux-system":  "",
	} {
		rm, err := k.Run(fs, filepath.Join(f.Root, root))
		if err != nil {
			t.Fatalf("kustomize build %s: %v", root, err)
		}
		var kinds []string
		var cm, ref string
		for _, r := range rm.Resources() {
			kinds = append(kinds, r.GetKind())
			if r.GetKind() == "ConfigMap" {
				cm = r.GetName()
				if r.GetNamespace() != "fleet-clusters" {
					t.Errorf("%s: ConfigMap in namespace %q", root, r.GetNamespace())
				}
			}
			if r.GetKind() == "HelmRelease" && r.GetName() == c.Name {
				m, _ := r.Map()
				ref = m["spec"].(map[string]any)["valuesFrom"].([]any)[0].(map[string]any)["name"].(string)
			}
		}
		if got := strings.Join(sortedCopy(kinds), ","); got != wantKinds {
			t.Errorf("kustomize build %s: kinds %s, want %s", root, got, wantKinds)
		}
		if cm != "" && (ref != cm || !strings.HasPrefix(cm, "pacific-aks-values-")) {
			t.Errorf("%s: HelmRelease valuesFrom %q does not follow the hashed ConfigMap %q", root, ref, cm)
		}
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// TestClusterFilesGolden pins the rendered cluster folder for the defaults and a multi-pool cluster.
func TestClusterFilesGolden(t *testing.T) {
	f := writeSkeleton(t, config.Default())
	def := f.NewCluster("atlantic-aks")
	def.Network.DNSServiceIP = "10.0.0.10"
	for name, c := range map[string]spec.Cluster{"default": def, "multipool": multiPool(f)} {
		t.Run(name, func(t *testing.T) {
			files, err := f.ClusterFiles(c)
			if err != nil {
				t.Fatal(err)
			}
			changes := make([]fsx.Change, len(files))
			for i, file := range files {
				changes[i] = fsx.Change{Path: file.Path, Content: file.Content}
			}
			if err := f.WithFS(fsview.Overlay(f.FS, changes)).CheckClusterBuild(c.Name); err != nil {
				t.Fatal(err)
			}
			var all bytes.Buffer
			for _, file := range files {
				all.WriteString("--- " + file.Path + "\n")
				all.Write(file.Content)
			}
			golden(t, path.Join("testdata", "cluster-"+name+".golden"), all.Bytes())
		})
	}
}

// TestConfigFileRoundTrip: the rendered .fleetctl.yaml reads back as the configuration it came from.
func TestConfigFileRoundTrip(t *testing.T) {
	cfg := config.Default()
	cfg.Paths.Templates = "fleet-templates"
	cfg.Defaults.NetworkPolicy = ""
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "fleet-templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := New(root, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.configFile(skeletonData{})
	if err != nil {
		t.Fatal(err)
	}
	back, err := config.Decode(config.FileName, b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Paths.Templates != "fleet-templates" || back.Defaults.NetworkPolicy != "" || len(back.Defaults.NodePools) != 2 {
		t.Fatalf("config did not round-trip: %+v", back)
	}
}

func TestCheckClusterCatchesBrokenWiring(t *testing.T) {
	f := writeSkeleton(t, config.Default())
	c := f.NewCluster("atlantic-aks")
	c.Network.DNSServiceIP = "10.0.0.10"
	files, err := f.ClusterFiles(c)
	if err != nil {
		t.Fatal(err)
	}
	var broken []fsx.Change
	for _, file := range files {
		content := file.Content
		if path.Base(file.Path) == KustomizeConfigFile {
			content = []byte("nameReference: []\n")
		}
		broken = append(broken, fsx.Change{Path: file.Path, Content: content})
	}
	if err := f.WithFS(fsview.Overlay(f.FS, broken)).CheckClusterBuild(c.Name); err == nil || !strings.Contains(err.Error(), "nameReference") {
		t.Fatalf("missing nameReference not caught: %v", err)
	}
}

func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run go test -update and review the diff):\n%s", file, got)
	}
}

// TestSkeletonGolden pins every file init renders (the chart is copied verbatim from templates/ and
// golden-tested as rendered output in pkg/chart).
func TestSkeletonGolden(t *testing.T) {
	f := writeSkeleton(t, config.Default())
	files, err := f.SkeletonFiles()
	if err != nil {
		t.Fatal(err)
	}
	var all bytes.Buffer
	for _, file := range files {
		if strings.HasPrefix(file.Path, f.ChartDir()+"/") {
			continue
		}
		all.WriteString("--- " + file.Path + "\n")
		all.Write(file.Content)
	}
	golden(t, path.Join("testdata", "skeleton.golden"), all.Bytes())
}
