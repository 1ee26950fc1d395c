package fleetplan

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
)

// BenchmarkPlan plans a one-cluster change (a pool scaled in c0005-aks's values) on fleets of 10
// and 1,000 clusters, the working tree against main, as `fleetctl plan` reads them (the index's
// content keys for the working tree, the commit's trees for main). The 10-cluster figure is the
// baseline the 1,000-cluster one is read against.
func BenchmarkPlan(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprintf("clusters=%d", n), func(b *testing.B) {
			fl, repo := fleettest.Repo(b, n)
			p := filepath.Join(fl.Root, "capi/clusters/c0005-aks/values.yaml")
			data, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			if !strings.Contains(string(data), "count: 3") {
				b.Fatal("no count: 3 in the values")
			}
			if err := os.WriteFile(p, []byte(strings.Replace(string(data), "count: 3", "count: 4", 1)), 0o644); err != nil {
				b.Fatal(err)
			}
			snap, err := repo.Snapshot("main")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				head := fl.WithFS(repo.Worktree())
				plan, err := Compute(Options{Head: head, Base: head.WithFS(snap)})
				if err != nil {
					b.Fatal(err)
				}
				if len(plan.Clusters) != 1 || plan.Clusters[0].Name != "c0005-aks" {
					b.Fatalf("plan: %+v", plan.Clusters)
				}
			}
		})
	}
}
