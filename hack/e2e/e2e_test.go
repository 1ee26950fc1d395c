//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

const cluster = "atlantic-aks"

// The scenario's steps, in order. A step run alone (go test -run
// 'TestE2E/3-scale') first runs the steps it needs as setup.
var scenario = []scenarioStep{
	{name: "1-init", run: stepInit},
	{name: "2-add-cluster", needs: "1-init", run: stepAddCluster},
	{name: "3-scale", needs: "2-add-cluster", run: stepScale},
	{name: "4-upgrade", needs: "2-add-cluster", run: stepUpgrade},
	{name: "5-remove", needs: "2-add-cluster", run: stepRemove},
	{name: "6-defects", needs: "1-init", run: stepDefects},
	{name: "7-layouts", run: stepLayouts},
	{name: "8-forge", run: stepForge},
	{name: "9-pr", needs: "1-init", run: stepPR},
}

type scenarioStep struct {
	name, needs string
	run         func(context.Context, *testing.T)
}

func TestE2E(t *testing.T) {
	ctx := t.Context()
	status := map[string]bool{} // step name -> passed, for the steps that ran
	var ensure func(t *testing.T, name string)
	ensure = func(t *testing.T, name string) {
		if name == "" {
			return
		}
		passed, ran := status[name]
		switch {
		case ran && !passed:
			t.Skipf("needs step %s, which failed", name)
		case ran:
			return
		}
		s := scenario[slices.IndexFunc(scenario, func(s scenarioStep) bool { return s.name == name })]
		ensure(t, s.needs)
		fmt.Printf("    (running step %s first, as setup)\n", name)
		env.fleet.reset(t)
		s.run(ctx, t)
		status[name] = true
	}
	for _, s := range scenario {
		ran := false
		ok := step(t, s.name, func(t *testing.T) {
			ran = true
			ensure(t, s.needs)
			env.fleet.reset(t)
			s.run(ctx, t)
		})
		if ran {
			status[s.name] = ok
		}
	}
}

// fleetConfig is what the test reads from the .fleetctl.yaml fleetctl init writes.
type fleetConfig struct {
	Defaults struct {
		KubernetesVersion string `json:"kubernetesVersion"`
		Namespace         string `json:"namespace"`
		ServiceCIDR       string `json:"serviceCidr"`
	} `json:"defaults"`
	Git struct {
		BranchPrefix string `json:"branchPrefix"`
	} `json:"git"`
}

func readFleetConfig(t *testing.T) fleetConfig {
	t.Helper()
	var c fleetConfig
	if err := yaml.Unmarshal([]byte(env.fleet.readFile(t, ".fleetctl.yaml")), &c); err != nil {
		t.Fatalf(".fleetctl.yaml: %v", err)
	}
	if c.Defaults.KubernetesVersion == "" || c.Defaults.Namespace == "" {
		t.Fatalf(".fleetctl.yaml has no defaults.kubernetesVersion or defaults.namespace")
	}
	return c
}

// stepInit: fleetctl init, fill infra/flux-system, push to the git server and
// apply what `flux bootstrap --path=clusters/management` leaves on the
// management cluster.
func stepInit(ctx context.Context, t *testing.T) {
	f := env.fleet
	// An offered minor with an offered next one, so the upgrade step has a target AKS offers on
	// the pinned day (fleetctlNow); the default, the newest minor, has none.
	if r := f.fleetctl(filepath.Dir(f.dir), "init", filepath.Base(f.dir), "--kubernetes-version", "v1.36.3"); r.code != 0 {
		t.Fatalf("fleetctl init: %s", r)
	}
	if b := f.git(t, "rev-parse", "--abbrev-ref", "HEAD"); b != "main" {
		t.Fatalf("fleetctl init left HEAD on %q, want main", b)
	}
	// What the platform team does once (infra/flux-system/README.md): fill the
	// Flux install for workload clusters. No flux CLI here, so it gets Flux's
	// namespace and CRDs, the part of `flux install --export` that can land on
	// an API server without nodes.
	var gotk strings.Builder
	gotk.WriteString("# Flux CRDs of the controllers the e2e runs (stand-in for flux install --export).\n" +
		"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n")
	for _, dir := range env.bins.FluxCRD {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		slices.Sort(files)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			gotk.WriteString("---\n" + strings.TrimPrefix(string(b), "---\n"))
		}
	}
	f.writeFile(t, "infra/flux-system/gotk-components.yaml", gotk.String())
	k := f.readFile(t, "infra/flux-system/kustomization.yaml")
	if !strings.Contains(k, "resources: []") {
		t.Fatalf("infra/flux-system/kustomization.yaml has no empty resources list to fill:\n%s", k)
	}
	f.writeFile(t, "infra/flux-system/kustomization.yaml", strings.Replace(k, "resources: []", "resources:\n  - gotk-components.yaml", 1))
	f.git(t, "add", "infra/flux-system")
	f.git(t, "commit", "-m", "Fill infra/flux-system with Flux (CRDs)")
	f.validateClean(t)

	var err error
	if f.remote, err = env.git.newBareRepo("fleet.git"); err != nil {
		t.Fatal(err)
	}
	f.git(t, "remote", "add", "origin", f.remote)
	sha := f.push(t)

	// flux bootstrap --path=clusters/management: the flux-system source and
	// Kustomization, which applies the folder fleetctl wrote.
	mustApply(ctx, t, gvrNamespace, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n")
	mustApply(ctx, t, gvrGitRepository, fmt.Sprintf(`apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec:
  interval: 1m
  url: %s
  ref: {branch: main}
`, f.remote))
	mustApply(ctx, t, gvrKustomization, `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flux-system, namespace: flux-system}
spec:
  interval: 10m
  path: ./clusters/management
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
`)
	waitSource(ctx, t, sha)
	waitKustomization(ctx, t, fluxNamespace, "flux-system", sha)
	ks := waitKustomization(ctx, t, fluxNamespace, "clusters", sha)
	cfg := readFleetConfig(t)
	if p, prune := str(ks, "spec", "path"), str(ks, "spec", "prune"); p != "./capi/clusters" || prune != "true" {
		t.Errorf("Kustomization clusters: path %q prune %s, want ./capi/clusters and true", p, prune)
	}
	if _, err := get(ctx, env.mgmt.dyn, gvrNamespace, "", cfg.Defaults.Namespace); err != nil {
		t.Errorf("namespace %s from clusters/management: %v", cfg.Defaults.Namespace, err)
	}
}

func mustApply(ctx context.Context, t *testing.T, gvr schemaGVR, doc string) {
	t.Helper()
	if err := applyYAML(ctx, env.mgmt.dyn, gvr, doc); err != nil {
		t.Fatalf("applying %s: %v\n%s", gvr.Resource, err, doc)
	}
}

// The cluster step 2 asks for, and what the later steps change.
func wantAtlantic(cfg fleetConfig) clusterWant {
	return clusterWant{
		name: cluster, namespace: cfg.Defaults.Namespace, location: "eastus",
		version: cfg.Defaults.KubernetesVersion, serviceCIDR: cfg.Defaults.ServiceCIDR,
		pools: map[string]poolWant{
			"system": {mode: "System", vmSize: "Standard_D4s_v5", count: 3},
			"work":   {mode: "User", vmSize: "Standard_D8s_v5", min: 2, max: 20},
		},
	}
}

// stepAddCluster: fleetctl cluster add, merge, and everything reconciles:
// the clusters Kustomization, the HelmRelease, the CAPI/CAPZ objects and,
// through the kubeconfig secret, the remote Kustomizations in dependsOn order.
func stepAddCluster(ctx context.Context, t *testing.T) {
	f := env.fleet
	cfg := readFleetConfig(t)
	want := wantAtlantic(cfg)
	f.run(t, "cluster", "add", cluster, "--location", want.location,
		"--node-pool", "name=system,mode=System,vm-size=Standard_D4s_v5,count=3",
		"--node-pool", "name=work,mode=User,vm-size=Standard_D8s_v5,min=2,max=20")
	f.requireBranch(t, cfg.Git.BranchPrefix+"/add-cluster-"+cluster)
	for _, file := range f.changedFiles(t) {
		if !strings.HasPrefix(file, "capi/clusters/") {
			t.Errorf("cluster add committed %s, outside capi/clusters/", file)
		}
	}
	f.validateClean(t)
	sha := f.mergeAndPush(t, cfg.Git.BranchPrefix+"/add-cluster-"+cluster)

	ns := cfg.Defaults.Namespace
	waitSource(ctx, t, sha)
	waitKustomization(ctx, t, fluxNamespace, "clusters", sha)
	hr := waitHelmRelease(ctx, t, ns, cluster, sha)
	if kind := str(hr, "spec", "chart", "spec", "sourceRef", "kind"); kind != "GitRepository" {
		t.Errorf("HelmRelease chart source kind %q, want GitRepository", kind)
	}
	checkClusterObjects(ctx, t, want)

	// The remote Kustomizations wait for the kubeconfig secret CAPI would
	// write; infra waits for flux (dependsOn).
	fluxKS, infraKS := cluster+"-flux", cluster+"-infra"
	waitNotReady(ctx, t, gvrKustomization, ns, fluxKS, nil, cluster+"-kubeconfig")
	waitCondition(ctx, t, gvrKustomization, ns, infraKS, "Ready", "False", "DependencyNotReady")
	createKubeconfigSecret(ctx, t, ns, cluster)

	reconcileNow(ctx, t, gvrKustomization, ns, fluxKS)
	fluxDone := waitKustomization(ctx, t, ns, fluxKS, sha)
	gotkCRDs := checkRemoteFlux(ctx, t)
	reconcileNow(ctx, t, gvrKustomization, ns, infraKS)
	infraDone := waitKustomization(ctx, t, ns, infraKS, sha)
	ingressNS := checkRemoteInfra(ctx, t, infraKS)

	// dependsOn order: infra became Ready after flux, and what infra applied
	// was created after what flux applied.
	if a, b := readySince(fluxDone), readySince(infraDone); b.Before(a) {
		t.Errorf("%s Ready at %s, before %s (Ready at %s) it depends on", infraKS, b, fluxKS, a)
	}
	for _, crd := range gotkCRDs {
		if ingressNS.GetCreationTimestamp().Time.Before(crd.GetCreationTimestamp().Time) {
			t.Errorf("remote namespace ingress-nginx (from %s) created before CRD %s (from %s)", infraKS, crd.GetName(), fluxKS)
		}
	}

	// fleetctl status against the real API server: the release Ready at the merge commit and the
	// objects' spec as stored. No CAPI controller runs here, so the Cluster is not Ready until the
	// stand-in writes the status CAPI and CAPZ would (docs/e2e.md).
	l, st := fleetctlStatus(t, cluster)
	checkStatus(t, l, st, want, sha)
	if st.Ready || st.ControlPlane == nil || st.ControlPlane.StatusVersion != "" {
		t.Errorf("status before any CAPI status: ready %v, control plane %+v; want not ready and no version reported", st.Ready, st.ControlPlane)
	}
	capiStandIn(ctx, t, ns, cluster, want.version)
	l, st = fleetctlStatus(t, cluster)
	checkStatus(t, l, st, want, sha)
	if !st.Ready || st.Cluster == nil || st.Cluster.Phase != "Provisioned" || st.ControlPlane.StatusVersion != want.version {
		t.Errorf("status after the CAPI stand-in: ready %v, cluster %+v, control plane %+v; want Ready, Provisioned, version %s",
			st.Ready, st.Cluster, st.ControlPlane, want.version)
	}
	if st.HelmRelease != nil && st.ReadySince.Before(st.HelmRelease.Ready.LastTransitionTime) {
		t.Errorf("status readySince %s is before the HelmRelease's Ready transition %s", st.ReadySince, st.HelmRelease.Ready.LastTransitionTime)
	}
	checkStatusTable(t, cluster, "True", sha, "Provisioned", want.version, nodes(want))
	checkStatusWatch(t, cluster)
}

// nodes is POOLS of fleetctl status once every node is ready: ready/desired summed over the
// pools, an autoscaled pool at its minimum.
func nodes(want clusterWant) string {
	n := 0
	for _, p := range want.pools {
		if p.max != 0 {
			n += p.min
		} else {
			n += p.count
		}
	}
	return fmt.Sprintf("%d/%d", n, n)
}

// stepScale: fleetctl nodepool scale, merge, MachinePool replicas change.
func stepScale(ctx context.Context, t *testing.T) {
	f := env.fleet
	cfg := readFleetConfig(t)
	want := wantCurrent(ctx, t, cfg)
	f.run(t, "nodepool", "scale", cluster, "system", "--count", "5")
	branch := cfg.Git.BranchPrefix + "/scale-" + cluster + "-system"
	f.requireBranch(t, branch)
	f.validateClean(t)
	sha := f.mergeAndPush(t, branch)
	waitSource(ctx, t, sha)
	waitKustomization(ctx, t, fluxNamespace, "clusters", sha)
	waitHelmRelease(ctx, t, want.namespace, cluster, sha)
	p := want.pools["system"]
	p.count = 5
	want.pools["system"] = p
	checkClusterObjects(ctx, t, want)
}

// stepUpgrade: fleetctl cluster upgrade to the next minor version, merge, the
// control plane and every MachinePool carry the new version.
func stepUpgrade(ctx context.Context, t *testing.T) {
	f := env.fleet
	cfg := readFleetConfig(t)
	want := wantCurrent(ctx, t, cfg)
	target, err := nextMinor(want.version)
	if err != nil {
		t.Fatal(err)
	}
	f.run(t, "cluster", "upgrade", cluster, "--kubernetes-version", target)
	branch := cfg.Git.BranchPrefix + "/upgrade-" + cluster
	f.requireBranch(t, branch)
	f.validateClean(t)
	sha := f.mergeAndPush(t, branch)
	waitSource(ctx, t, sha)
	waitKustomization(ctx, t, fluxNamespace, "clusters", sha)
	waitHelmRelease(ctx, t, want.namespace, cluster, sha)
	old := want.version
	want.version = target
	for name, p := range want.pools {
		p.version = target
		want.pools[name] = p
	}
	checkClusterObjects(ctx, t, want)

	// fleetctl status: the objects ask for the new version; the control plane still reports the
	// old one until CAPZ (here its stand-in) says AKS runs the new one.
	l, st := fleetctlStatus(t, cluster)
	checkStatus(t, l, st, want, sha)
	if st.ControlPlane.StatusVersion != old {
		t.Errorf("status after the merge: control plane reports %q, want %s (the stand-in's last word)", st.ControlPlane.StatusVersion, old)
	}
	checkStatusTable(t, cluster, "True", sha, "Provisioned", old+"->"+target, `\d+/\d+`)
	capiStandIn(ctx, t, want.namespace, cluster, target)
	l, st = fleetctlStatus(t, cluster)
	checkStatus(t, l, st, want, sha)
	if !st.Ready || st.ControlPlane.StatusVersion != target {
		t.Errorf("status after the upgrade is reported: ready %v, control plane %+v; want Ready at %s", st.Ready, st.ControlPlane, target)
	}
	checkStatusTable(t, cluster, "True", sha, "Provisioned", target, nodes(want))
}

// nextMinor turns v1.37.2 into v1.38.0.
func nextMinor(v string) (string, error) {
	parts := strings.Split(strings.TrimPrefix(v, "v"), ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("version %q is not vX.Y.Z", v)
	}
	minor, err := strconv.Atoi(parts[1])
	if err != nil {
		return "", fmt.Errorf("version %q: %w", v, err)
	}
	return fmt.Sprintf("v%s.%d.0", parts[0], minor+1), nil
}

// stepRemove: fleetctl cluster remove, merge, the HelmRelease and every
// cluster object are pruned; nothing else is touched.
func stepRemove(ctx context.Context, t *testing.T) {
	f := env.fleet
	cfg := readFleetConfig(t)
	ns := cfg.Defaults.Namespace
	// What must go: the release and its objects, there before the removal.
	mustGet(ctx, t, gvrHelmRelease, ns, cluster)
	checkClusterObjects(ctx, t, wantCurrent(ctx, t, cfg))
	before := snapshot(ctx, t, ns)
	f.run(t, "cluster", "remove", cluster, "--yes")
	branch := cfg.Git.BranchPrefix + "/remove-" + cluster
	f.requireBranch(t, branch)
	if files := f.changedFiles(t); slices.ContainsFunc(files, func(p string) bool { return !strings.HasPrefix(p, "capi/clusters/") }) {
		t.Errorf("cluster remove changed files outside capi/clusters/: %v", files)
	}
	f.validateClean(t)
	sha := f.mergeAndPush(t, branch)
	waitSource(ctx, t, sha)
	waitKustomization(ctx, t, fluxNamespace, "clusters", sha)
	waitGone(ctx, t, env.mgmt, gvrHelmRelease, ns, cluster)
	for _, o := range before {
		if !o.ownedBy(cluster) {
			continue
		}
		waitGone(ctx, t, env.mgmt, o.gvr, o.ns, o.name)
	}
	after := snapshot(ctx, t, ns)
	for _, o := range before {
		if o.ownedBy(cluster) {
			continue
		}
		if uid, ok := after.uid(o); !ok || uid != o.uid {
			t.Errorf("%s %s/%s, which is not part of %s, was deleted or replaced by the removal", o.gvr.Resource, o.ns, o.name, cluster)
		}
	}
	// The remote Kustomizations prune what they applied when they are deleted.
	waitGone(ctx, t, env.workload, gvrCRD, "", "helmreleases.helm.toolkit.fluxcd.io")
}

// wantCurrent reads the cluster as step 2 left it, with the replicas and
// versions the API server holds now (a step may run without the ones before it).
func wantCurrent(ctx context.Context, t *testing.T, cfg fleetConfig) clusterWant {
	t.Helper()
	want := wantAtlantic(cfg)
	cp, err := get(ctx, env.mgmt.dyn, gvrASOControl, want.namespace, cluster)
	if err != nil {
		t.Fatalf("control plane of %s: %v", cluster, err)
	}
	want.version = str(cp, "spec", "version")
	for name, p := range want.pools {
		mp, err := get(ctx, env.mgmt.dyn, gvrMachinePool, want.namespace, cluster+"-"+name)
		if err != nil {
			t.Fatalf("MachinePool %s-%s: %v", cluster, name, err)
		}
		p.version = str(mp, "spec", "template", "spec", "version")
		if p.count != 0 {
			r, _, _ := unstructured.NestedInt64(mp.Object, "spec", "replicas")
			p.count = int(r)
		}
		want.pools[name] = p
	}
	return want
}

// snapshot lists every object in the cluster namespace and flux-system (of
// the kinds the fleet produces) plus both namespaces.
func snapshot(ctx context.Context, t *testing.T, ns string) objectSet {
	t.Helper()
	var set objectSet
	add := func(gvr schemaGVR, namespace string) {
		list, err := env.mgmt.dyn.Resource(gvr).Namespace(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("listing %s in %q: %v", gvr.Resource, namespace, err)
		}
		for _, o := range list.Items {
			set = append(set, objectRef{gvr: gvr, ns: o.GetNamespace(), name: o.GetName(), uid: string(o.GetUID())})
		}
	}
	for _, namespace := range []string{ns, fluxNamespace} {
		for _, gvr := range []schemaGVR{gvrConfigMap, gvrSecret, gvrGitRepository, gvrHelmChart, gvrKustomization, gvrHelmRelease,
			gvrCluster, gvrMachinePool, gvrASOCluster, gvrASOControl, gvrASOMachinePool} {
			add(gvr, namespace)
		}
	}
	add(gvrNamespace, "")
	return set
}

type objectRef struct {
	gvr           schemaGVR
	ns, name, uid string
}

// ownedBy reports whether the object is one the chart release of cluster (or
// the clusters Kustomization for it) made. The kubeconfig secret is not: CAPI
// writes it, here the test.
func (o objectRef) ownedBy(cluster string) bool {
	if o.gvr == gvrSecret && o.name == cluster+"-kubeconfig" {
		return false
	}
	return o.name == cluster || strings.HasPrefix(o.name, cluster+"-") ||
		strings.HasPrefix(o.name, "sh.helm.release.v1."+cluster+".") || strings.HasSuffix(o.name, "-"+cluster)
}

type objectSet []objectRef

func (s objectSet) uid(o objectRef) (string, bool) {
	for _, x := range s {
		if x.gvr == o.gvr && x.ns == o.ns && x.name == o.name {
			return x.uid, true
		}
	}
	return "", false
}
