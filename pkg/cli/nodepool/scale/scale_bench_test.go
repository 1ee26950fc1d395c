package scale_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/cli"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
)

// BenchmarkNodepoolScale runs `fleetctl nodepool scale c0000-aks system --count N` end to end, as
// the binary does after argument parsing: config, the repo lock and the base branch, reading the
// cluster from main's tree, the in-place edit, the validator on the tree as the change leaves it
// (the cluster in full, the fleet-wide rules over every cluster from the content-keyed summary
// cache), the commit, a new branch, the working tree, the index and HEAD. Fleets have 300 commits
// of history. clusters=1 is the baseline; "cold" runs each time without the summary cache, as the
// first command after a clone does.
func BenchmarkNodepoolScale(b *testing.B) {
	env := map[string]string{"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}
	for _, c := range []struct {
		n    int
		cold bool
	}{{1, false}, {1000, false}, {1000, true}, {10000, false}} {
		name := fmt.Sprintf("clusters=%d", c.n)
		if c.cold {
			name += "/cold"
		}
		b.Run(name, func(b *testing.B) {
			fl, repo := fleettest.RepoWithHistory(b, c.n, 300)
			cache := filepath.Join(repo.GitDir(), "fleetctl", "summaries.cache")
			run := func(i int) {
				ios, _, _, errOut := cmdutil.Test()
				f := &cmdutil.Factory{IO: ios, Getenv: func(k string) string { return env[k] }, Now: time.Now}
				args := []string{"--repo", fl.Root, "nodepool", "scale", "c0000-aks", "system",
					"--count", fmt.Sprint(4 + i%2), "--branch", fmt.Sprintf("scale-%d", i)}
				if code := cli.Run(f, args); code != 0 {
					b.Fatalf("exit %d: %s", code, errOut)
				}
			}
			run(1 << 20) // the first run after a clone fills the cache
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if c.cold {
					b.StopTimer()
					os.Remove(cache)
					b.StartTimer()
				}
				run(i)
			}
		})
	}
}
