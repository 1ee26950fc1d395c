package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// previousChart rewrites the repo's chart as fleetctl wrote it for the previous providers (CAPI
// v1.10, contract v1beta1): Cluster and MachinePools at cluster.x-k8s.io/v1beta1, references by
// apiVersion, and the empty template metadata v1beta1 allows.
func previousChart(t *testing.T, root string) {
	t.Helper()
	r := strings.NewReplacer(
		"apiVersion: cluster.x-k8s.io/v1beta2", "apiVersion: cluster.x-k8s.io/v1beta1",
		"apiGroup: infrastructure.cluster.x-k8s.io", "apiVersion: infrastructure.cluster.x-k8s.io/v1beta1",
		"  template:\n    spec:", "  template:\n    metadata: {}\n    spec:",
	)
	for _, name := range []string{"cluster.yaml", "machinepools.yaml"} {
		p := filepath.Join(root, "charts", "aks-cluster", "templates", name)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out := r.Replace(string(b))
		if out == string(b) {
			t.Fatalf("%s: nothing to rewrite", name)
		}
		if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A fleet made with the previous providers keeps validating clean against their schemas (CAPI
// v1.10.10, CAPZ v1.21.0, ASO v2.13.0); the same chart under the current providers is named as a
// contract mismatch, and the current chart under the previous providers too.
func TestProvidersDecideSchemasAndContract(t *testing.T) {
	tests := []struct {
		name      string
		providers config.Providers
		oldChart  bool
		want      []string // chart/shape messages that must be found; none: the repo is clean
	}{
		{name: "current providers, current chart", providers: config.Default().Providers},
		{name: "previous providers, previous chart", providers: config.PreviousProviders(), oldChart: true},
		{name: "current providers, previous chart", providers: config.Default().Providers, oldChart: true,
			want: []string{"apiVersion cluster.x-k8s.io/v1beta1, want cluster.x-k8s.io/v1beta2: the fleet targets the Cluster API v1beta2 contract"}},
		{name: "previous providers, current chart", providers: config.PreviousProviders(),
			want: []string{"apiVersion cluster.x-k8s.io/v1beta2, want cluster.x-k8s.io/v1beta1: the fleet targets the Cluster API v1beta1 contract"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			f := goodRepo(t, dir)
			f.Config.Providers = tt.providers
			if tt.oldChart {
				previousChart(t, dir)
			}
			got := runEngine(t, f, false)
			if len(tt.want) == 0 {
				if len(got) != 0 {
					t.Fatalf("want a clean repo, got:\n%s", dump(got))
				}
				return
			}
			for _, w := range tt.want {
				found := false
				for _, fd := range got {
					found = found || (fd.Rule == validate.RuleChartShape && fd.Severity == validate.Error && strings.Contains(fd.Message, w))
				}
				if !found {
					t.Errorf("missing chart/shape %q in:\n%s", w, dump(got))
				}
			}
		})
	}
}
