package status

import (
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
	"github.com/fleetctl/fleetctl/pkg/status/statustest"
)

// BenchmarkStatus runs `fleetctl status` after argument parsing on a committed fleet of n clusters
// whose objects (rendered by the chart, ~11 per cluster) a fake API server holds: the repo at
// HEAD through the summary cache, one list per kind, the join and drift of every cluster, the
// table. clusters=1 is the baseline; requests/op shows the number of requests does not grow with
// the fleet.
func BenchmarkStatus(b *testing.B) {
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprintf("clusters=%d", n), func(b *testing.B) {
			fl, _ := fleettest.Repo(b, n)
			var objs []*unstructured.Unstructured
			for i := range n {
				objs = append(objs, statustest.Objects(b, fl, fmt.Sprintf("c%04d-aks", i), statustest.State{})...)
			}
			client := statustest.Client(append(objs, statustest.Source(statustest.Commit))...)
			connect := func() (dynamic.Interface, string, string, error) { return client, "https://bench", "bench", nil }
			run := func() {
				ios, _, out, _ := cmdutil.Test()
				f := &cmdutil.Factory{IO: ios, Getenv: func(string) string { return "" }, Now: time.Now, RepoFlag: fl.Root}
				o := &Options{f: f, Output: "table", Connect: connect}
				if err := cmdutil.RunSteps(o, nil); err != nil {
					b.Fatal(err)
				}
				f.Finish()
				if out.Len() == 0 {
					b.Fatal("no output")
				}
			}
			run() // fills the summary cache, as any earlier command would have
			client.ClearActions()
			b.ReportAllocs()
			b.ResetTimer()
			iters := 0
			for b.Loop() {
				run()
				iters++
			}
			b.ReportMetric(float64(len(client.Actions()))/float64(iters), "requests/op")
		})
	}
}
