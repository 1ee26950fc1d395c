package add

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/fleetctl/fleetctl/pkg/validate/engine"
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
	files, _, err := fl.SyntheticFiles(n)
	if err != nil {
		b.Fatal(err)
	}
	paths := map[string]bool{}
	changes := make([]fsx.Change, len(files))
	for i, f := range files {
		changes[i] = fsx.Change{Path: f.Path, Content: f.Content}
		paths[strings.SplitN(f.Path, "/", 2)[0]] = true
	}
	if _, err := fsx.Apply(root, changes); err != nil {
		b.Fatal(err)
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
				plan.Check = func() error { return engine.CheckTouched(fl, c.Name) }
				if _, err := change.Apply(repo, plan, sig, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
