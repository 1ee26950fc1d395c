package add

import (
	"fmt"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
	"github.com/fleetctl/fleetctl/pkg/validate/engine"
)

// BenchmarkClusterAdd measures `cluster add` after flag parsing: render, edit the list, kustomize
// build and chart render check, dirty check, atomic write, the validator on the new cluster (with the
// fleet-wide rules over every cluster), branch and commit. Each iteration adds
// one more cluster on a new branch. clusters=0 is the baseline for the 1,000-cluster figure.
func BenchmarkClusterAdd(b *testing.B) {
	for _, n := range []int{0, 1000} {
		b.Run(fmt.Sprintf("clusters=%d", n), func(b *testing.B) {
			fl, repo := fleettest.Repo(b, n)
			sig := fleettest.Signature
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
