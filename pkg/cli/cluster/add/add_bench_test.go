package add_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/cli"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
)

// BenchmarkClusterAdd runs `fleetctl cluster add` end to end after argument parsing: config, the
// repo lock and the base branch, rendering the folder and editing the list, the validator on the
// tree as the change leaves it (the new cluster in full, the fleet-wide rules over every cluster),
// the commit, the branch, the working tree, the index and HEAD. Each iteration adds one more
// cluster on a new branch from main; the fleet has 300 commits of history, and the first add
// (untimed) fills the summary cache. clusters=0 is the baseline of the 1,000-cluster figure.
func BenchmarkClusterAdd(b *testing.B) {
	env := map[string]string{"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}
	for _, n := range []int{0, 1000} {
		b.Run(fmt.Sprintf("clusters=%d", n), func(b *testing.B) {
			fl, _ := fleettest.RepoWithHistory(b, n, 300)
			add := func(name string) {
				ios, _, _, errOut := cmdutil.Test()
				f := &cmdutil.Factory{IO: ios, Getenv: func(k string) string { return env[k] }, Now: time.Now}
				if code := cli.Run(f, []string{"--repo", fl.Root, "cluster", "add", name, "--dns-service-ip", "10.0.0.10"}); code != 0 {
					b.Fatalf("exit %d: %s", code, errOut)
				}
			}
			add("warm-aks")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				add(fmt.Sprintf("new%05d-aks", i))
			}
		})
	}
}
