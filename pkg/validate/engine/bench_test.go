package engine

import (
	"fmt"
	"runtime/debug"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// fleetOf writes a fleet of n clusters rendered by fleetctl.
func fleetOf(b *testing.B, n int) *fleet.Fleet {
	b.Helper()
	dir := b.TempDir()
	f, err := fleet.New(dir, config.Default())
	if err != nil {
		b.Fatal(err)
	}
	files, _, err := f.SyntheticFiles(n)
	if err != nil {
		b.Fatal(err)
	}
	writeAll(b, dir, files)
	return f
}

// BenchmarkValidate runs the whole engine (no base) over fleets of 10 and 1,000 clusters; the
// 10-cluster run is the baseline the 1,000-cluster figure is read against.
func BenchmarkValidate(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprintf("clusters=%d", n), func(b *testing.B) {
			f := fleetOf(b, n)
			schemas, err := schema.Default()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				res, err := Run(Options{Fleet: f, Schemas: schemas})
				if err != nil {
					b.Fatal(err)
				}
				if e, w := validate.Count(res.Findings); e+w != 0 {
					b.Fatalf("findings on a good fleet: %v", res.Findings[0])
				}
			}
		})
	}
}

// BenchmarkValidateTuning reads the 1,000-cluster figure against two variants in the same run:
// --changed for a one-cluster change (Only), and the GC setting `fleetctl validate` uses (GCPercent).
func BenchmarkValidateTuning(b *testing.B) {
	f := fleetOf(b, 1000)
	schemas, err := schema.Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name string
		only map[string]bool
		gc   int
	}{
		{"full/gc=100", nil, 100},
		{"full/gc=" + fmt.Sprint(GCPercent), nil, GCPercent},
		{"changed-one/gc=" + fmt.Sprint(GCPercent), map[string]bool{"c0500-aks": true}, GCPercent},
	} {
		b.Run(v.name, func(b *testing.B) {
			old := debug.SetGCPercent(v.gc)
			defer debug.SetGCPercent(old)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Run(Options{Fleet: f, Schemas: schemas, Only: v.only}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLayouts times the Flux-graph discovery and checks on each public-style layout of
// testdata/layouts (a-monorepo is the baseline the others are read against).
func BenchmarkLayouts(b *testing.B) {
	schemas, err := schema.Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range cleanLayouts {
		b.Run(name, func(b *testing.B) {
			_, f := layoutRepo(b, name)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Run(Options{Fleet: f, Schemas: schemas}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
