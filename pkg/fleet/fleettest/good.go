package fleettest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/fleetctl/fleetctl/pkg/render"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

func intp(n int) *int { return &n }

// GoodRepo writes the good fleet repo of the validation corpus into dir (init's skeleton and two
// clusters, atlantic-aks and pacific-aks, rendered by fleetctl) and commits it on main.
func GoodRepo(tb testing.TB, dir string) *fleet.Fleet {
	tb.Helper()
	repo, err := gitrepo.Init(dir, "main")
	if err != nil {
		tb.Fatal(err)
	}
	f, err := fleet.New(dir, config.Default())
	if err != nil {
		tb.Fatal(err)
	}
	WriteFleet(tb, f, GoodClusters(f)...)
	top, _ := os.ReadDir(dir)
	var paths []string
	for _, e := range top {
		if e.Name() != ".git" {
			paths = append(paths, e.Name())
		}
	}
	if _, err := repo.Commit("", paths, "good fleet", Signature, Signature); err != nil {
		tb.Fatal(err)
	}
	return f
}

// GoodClusters are the two clusters of GoodRepo.
func GoodClusters(f *fleet.Fleet) []spec.Cluster {
	a := f.NewCluster("atlantic-aks")
	a.Location = "eastus"
	a.Network.DNSServiceIP = "10.0.0.10"
	p := f.NewCluster("pacific-aks")
	p.Location = "westus3"
	p.Network.ServiceCIDR = "10.1.0.0/16"
	p.Network.DNSServiceIP = "10.1.0.10"
	p.NodePools = []spec.NodePool{
		{Name: "system", Mode: "System", VMSize: "Standard_D4s_v5", OSType: "Linux", Count: intp(3), Zones: []string{"1", "2", "3"}},
		{Name: "work", Mode: "User", VMSize: "Standard_D8s_v5", OSType: "Linux", Min: intp(2), Max: intp(20), MaxPods: intp(60)},
		{Name: "win", Mode: "User", VMSize: "Standard_D4s_v5", OSType: "Windows", Count: intp(1)},
	}
	return []spec.Cluster{a, p}
}

// WriteFleet writes init's skeleton and the clusters (each folder and its entry in the list of
// clusters) into the fleet's root.
func WriteFleet(tb testing.TB, f *fleet.Fleet, clusters ...spec.Cluster) {
	tb.Helper()
	files, err := f.SkeletonFiles()
	if err != nil {
		tb.Fatal(err)
	}
	WriteFiles(tb, f.Root, files)
	for _, c := range clusters {
		cf, err := f.ClusterFiles(c)
		if err != nil {
			tb.Fatal(err)
		}
		WriteFiles(tb, f.Root, cf)
		list, err := f.AddToClusterList(c.Name)
		if err != nil {
			tb.Fatal(err)
		}
		WriteFiles(tb, f.Root, []render.File{{Path: f.ClustersKustomization(), Content: list}})
	}
}

// WriteFiles writes rendered files below root.
func WriteFiles(tb testing.TB, root string, files []render.File) {
	tb.Helper()
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// ApplyCase applies a corpus case (testdata/corpus/<group>/<case>.txtar of pkg/validate/engine)
// to the repo at dir: every file of the archive is written over the repo, a file named ".delete"
// lists paths to remove, and "want.json" (the expected findings) is returned with its index in the
// archive (-1 when there is none) instead of being written.
func ApplyCase(tb testing.TB, dir string, ar *txtar.Archive) (want []byte, wantIdx int) {
	tb.Helper()
	wantIdx = -1
	for i, af := range ar.Files {
		switch af.Name {
		case "want.json":
			want, wantIdx = af.Data, i
		case ".delete":
			for _, p := range strings.Fields(string(af.Data)) {
				if err := os.RemoveAll(filepath.Join(dir, filepath.FromSlash(p))); err != nil {
					tb.Fatal(err)
				}
			}
		default:
			WriteFiles(tb, dir, []render.File{{Path: af.Name, Content: af.Data}})
		}
	}
	return want, wantIdx
}
