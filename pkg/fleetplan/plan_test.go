package fleetplan

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/fleetctl/fleetctl/pkg/render"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// edit replaces old with new in a repo file, failing when old is not there.
func edit(t *testing.T, dir, file, old, new string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(file))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s has no %q", file, old)
	}
	if err := os.WriteFile(p, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The good fleet (atlantic-aks: system 3 nodes, work autoscale 1-10; pacific-aks: system 3,
// work autoscale 2-20, win 1) committed on main, and one change in the working tree per case.
var cases = []struct {
	name        string
	change      func(t *testing.T, dir string, f *fleet.Fleet)
	destructive bool
}{
	{name: "no-change", change: func(*testing.T, string, *fleet.Fleet) {}},
	{name: "scale", change: func(t *testing.T, dir string, f *fleet.Fleet) {
		edit(t, dir, "capi/clusters/pacific-aks/values.yaml", "count: 3", "count: 5")
		edit(t, dir, "capi/clusters/pacific-aks/values.yaml", "min: 2\n      max: 20", "min: 3\n      max: 30")
	}},
	{name: "destroy", destructive: true, change: func(t *testing.T, dir string, f *fleet.Fleet) {
		out, _, err := f.RemoveFromClusterList("atlantic-aks")
		if err != nil {
			t.Fatal(err)
		}
		fleettest.WriteFiles(t, dir, []render.File{{Path: f.ClustersKustomization(), Content: out}})
		if err := os.RemoveAll(filepath.Join(dir, "capi/clusters/atlantic-aks")); err != nil {
			t.Fatal(err)
		}
	}},
	{name: "replace-vm-size", destructive: true, change: func(t *testing.T, dir string, f *fleet.Fleet) {
		edit(t, dir, "capi/clusters/pacific-aks/values.yaml", "vmSize: Standard_D4s_v5", "vmSize: Standard_D8s_v5")
	}},
	{name: "upgrade", change: func(t *testing.T, dir string, f *fleet.Fleet) {
		edit(t, dir, "capi/clusters/atlantic-aks/values.yaml", "kubernetesVersion: v1.37.2", "kubernetesVersion: v1.38.1")
	}},
	{name: "helmrelease-only", change: func(t *testing.T, dir string, f *fleet.Fleet) {
		edit(t, dir, "capi/clusters/atlantic-aks/helmrelease.yaml", `interval: "10m"`, `interval: "5m"`)
	}},
	{name: "infra", change: func(t *testing.T, dir string, f *fleet.Fleet) {
		edit(t, dir, "infra/base/ingress-nginx.yaml", "interval: 30m", "interval: 15m")
	}},
	{name: "create-and-pool-changes", change: func(t *testing.T, dir string, f *fleet.Fleet) {
		c := f.NewCluster("indian-aks")
		c.Location = "centralindia"
		c.Network.ServiceCIDR = "10.2.0.0/16"
		c.Network.DNSServiceIP = "10.2.0.10"
		files, err := f.ClusterFiles(c)
		if err != nil {
			t.Fatal(err)
		}
		fleettest.WriteFiles(t, dir, files)
		list, err := f.AddToClusterList(c.Name)
		if err != nil {
			t.Fatal(err)
		}
		fleettest.WriteFiles(t, dir, []render.File{{Path: f.ClustersKustomization(), Content: list}})
		// pacific-aks: the win pool goes, a gpu pool comes.
		edit(t, dir, "capi/clusters/pacific-aks/values.yaml", "  win:\n", "  gpu:\n    mode: User\n    vmSize: Standard_NC6s_v3 # immutable\n    osType: Linux # immutable\n    count: 1\n  win:\n")
	}},
	{name: "pool-removed", destructive: true, change: func(t *testing.T, dir string, f *fleet.Fleet) {
		data, err := os.ReadFile(filepath.Join(dir, "capi/clusters/pacific-aks/values.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		i := strings.Index(s, "  win:\n")
		if i < 0 {
			t.Fatal("no win pool")
		}
		if err := os.WriteFile(filepath.Join(dir, "capi/clusters/pacific-aks/values.yaml"), []byte(s[:i]), 0o644); err != nil {
			t.Fatal(err)
		}
	}},
}

func TestPlanGolden(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fleettest.GoodRepo(t, dir)
			repo, err := gitrepo.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := repo.Snapshot("main")
			if err != nil {
				t.Fatal(err)
			}
			head, err := fleet.New(dir, config.Default())
			if err != nil {
				t.Fatal(err)
			}
			tc.change(t, dir, head)
			p, err := Compute(Options{Head: head, Base: head.WithFS(snap), HeadName: "the working tree", BaseName: "main"})
			if err != nil {
				t.Fatal(err)
			}
			if p.Destructive() != tc.destructive {
				t.Errorf("Destructive() = %v, want %v", p.Destructive(), tc.destructive)
			}
			var text, md, js bytes.Buffer
			if err := Text(&text, p, false); err != nil {
				t.Fatal(err)
			}
			if err := Markdown(&md, p); err != nil {
				t.Fatal(err)
			}
			if err := JSON(&js, p); err != nil {
				t.Fatal(err)
			}
			var back Plan
			if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.APIVersion != APIVersion {
				t.Fatalf("JSON does not read back: %v", err)
			}
			golden(t, tc.name+".txt", text.Bytes())
			golden(t, tc.name+".md", md.Bytes())
			golden(t, tc.name+".json", js.Bytes())
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/fleetplan -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./pkg/fleetplan -update rewrites it):\n--- got\n%s", name, got)
	}
}
