package list_test

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

// BenchmarkClusterList runs `fleetctl cluster list` end to end after argument parsing: config,
// the working tree's content keys (index and a stat per file), every cluster's summary from the
// content-keyed cache, the table. clusters=1 is the baseline.
func BenchmarkClusterList(b *testing.B) {
	for _, n := range []int{1, 1000, 10000} {
		b.Run(fmt.Sprintf("clusters=%d", n), func(b *testing.B) {
			benchList(b, n, false, "cluster", "list")
		})
	}
}

// BenchmarkClusterListSelector is BenchmarkClusterList with a label selector and label columns on
// clusters labelled as fleet.SyntheticLabels labels them (ring, env, team): -l keeps the canary and
// early rings outside staging (30% of the clusters, and c0000-aks), -L adds two columns. clusters=1
// is the baseline; the bound is 100 ms at 1,000 clusters. "cold" runs each time without the
// summary cache, as the first command after a clone does.
func BenchmarkClusterListSelector(b *testing.B) {
	for _, c := range []struct {
		n    int
		cold bool
	}{{1, false}, {1000, false}, {1000, true}} {
		name := fmt.Sprintf("clusters=%d", c.n)
		if c.cold {
			name += "/cold"
		}
		b.Run(name, func(b *testing.B) {
			benchList(b, c.n, c.cold, "cluster", "list", "-l", "ring in (canary,early),env!=staging", "-L", "ring,env")
		})
	}
}

func benchList(b *testing.B, n int, cold bool, args ...string) {
	fl, repo := fleettest.RepoWithHistory(b, n, 300)
	cache := filepath.Join(repo.GitDir(), "fleetctl", "summaries.cache")
	run := func() {
		ios, _, out, errOut := cmdutil.Test()
		f := &cmdutil.Factory{IO: ios, Getenv: func(string) string { return "" }, Now: time.Now}
		if code := cli.Run(f, append([]string{"--repo", fl.Root}, args...)); code != 0 {
			b.Fatalf("exit %d: %s", code, errOut)
		}
		if out.Len() == 0 {
			b.Fatal("no cluster listed")
		}
	}
	run() // the first run after a clone fills the summary cache
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if cold {
			b.StopTimer()
			if err := os.Remove(cache); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		run()
	}
}
