package scale_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/cli"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
)

// BenchmarkNodepoolScale runs `fleetctl nodepool scale c0000-aks system --count N` end to end, as
// the binary does after argument parsing: config, reading the cluster, the in-place edit, the
// atomic write, the validator on the touched cluster (with the fleet-wide rules over every
// cluster), a new branch and the commit. clusters=1 is the baseline of the 1,000-cluster figure.
func BenchmarkNodepoolScale(b *testing.B) {
	env := map[string]string{"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprintf("clusters=%d", n), func(b *testing.B) {
			fl, _ := fleettest.Repo(b, n)
			root := fl.Root
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				ios, _, _, errOut := cmdutil.Test()
				f := &cmdutil.Factory{IO: ios, Getenv: func(k string) string { return env[k] }, Now: time.Now}
				args := []string{"--repo", root, "nodepool", "scale", "c0000-aks", "system",
					"--count", fmt.Sprint(4 + i%2), "--branch", fmt.Sprintf("scale-%d", i)}
				if code := cli.Run(f, args); code != 0 {
					b.Fatalf("exit %d: %s", code, errOut)
				}
			}
		})
	}
}
