package add

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// newFleetRepo makes a committed fleet repo with n clusters, written by fleetctl's own rendering.
func newFleetRepo(b *testing.B, n int) (*fleet.Fleet, *gitrepo.Repo) {
	b.Helper()
	root := b.TempDir()
	repo, err := gitrepo.Init(root, "main")
	if err != nil {
		b.Fatal(err)
	}
	fl, err := fleet.New(root, config.Default())
	if err != nil {
		b.Fatal(err)
	}
	files, err := fl.SkeletonFiles()
	if err != nil {
		b.Fatal(err)
	}
	var list strings.Builder
	list.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
	for i := range n {
		c := fl.NewCluster(fmt.Sprintf("c%04d-aks", i))
		c.Network.DNSServiceIP = "10.0.0.10"
		cf, err := fl.ClusterFiles(c)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, cf...)
		fmt.Fprintf(&list, "  - %s\n", c.Name)
	}
	if n == 0 {
		list.Reset()
		list.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n")
	}
	paths := map[string]bool{}
	for _, f := range files {
		content := f.Content
		if f.Path == fl.ClustersKustomization() {
			content = []byte(list.String())
		}
		p := filepath.Join(root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			b.Fatal(err)
		}
		paths[strings.SplitN(f.Path, "/", 2)[0]] = true
	}
	var top []string
	for p := range paths {
		top = append(top, p)
	}
	sig := gitrepo.Signature{Name: "Bench", Email: "bench@example.com", When: time.Unix(1_800_000_000, 0)}
	if _, err := repo.Commit("", top, "fleet with clusters", sig, sig); err != nil {
		b.Fatal(err)
	}
	return fl, repo
}

// BenchmarkClusterAdd measures `cluster add` after flag parsing: render, edit the list, kustomize
// build and chart render check, dirty check, atomic write, the validator on the new cluster (with the
// fleet-wide rules over every cluster), branch and commit. Each iteration adds
// one more cluster on a new branch. clusters=0 is the baseline for the 1,000-cluster figure.
func BenchmarkClusterAdd(b *testing.B) {
	for _, n := range []int{0, 1000} {
		b.Run(fmt.Sprintf("clusters=%d", n), func(b *testing.B) {
			fl, repo := newFleetRepo(b, n)
			sig := gitrepo.Signature{Name: "Bench", Email: "bench@example.com", When: time.Unix(1_800_000_000, 0)}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				c := fl.NewCluster(fmt.Sprintf("new%05d-aks", i))
				c.Network.DNSServiceIP = "10.0.0.10"
				plan, err := Plan(fl, c)
				if err != nil {
					b.Fatal(err)
				}
				plan.Commit = true
				plan.Branch = "fleetctl/add-cluster-" + c.Name
				plan.Check = func() error { return validateTouched(fl, c.Name) }
				if _, err := change.Apply(repo, plan, sig, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
