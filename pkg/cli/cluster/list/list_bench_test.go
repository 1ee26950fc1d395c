package list_test

import (
	"fmt"
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
			fl, _ := fleettest.RepoWithHistory(b, n, 300)
			run := func() {
				ios, _, _, errOut := cmdutil.Test()
				f := &cmdutil.Factory{IO: ios, Getenv: func(string) string { return "" }, Now: time.Now}
				if code := cli.Run(f, []string{"--repo", fl.Root, "cluster", "list"}); code != 0 {
					b.Fatalf("exit %d: %s", code, errOut)
				}
			}
			run() // the first run after a clone fills the summary cache
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				run()
			}
		})
	}
}
