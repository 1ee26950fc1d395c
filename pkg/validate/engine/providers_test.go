package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/support"
	"github.com/fleetctl/fleetctl/pkg/validate"
	"github.com/fleetctl/fleetctl/pkg/validate/rules"
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
		// Clean but for CAPI v1.10 being past its end of life on the corpus day (TestProviderSupport).
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
			var got []validate.Finding
			for _, fd := range runEngine(t, f, false) {
				if !strings.HasPrefix(fd.Rule, "providers/") {
					got = append(got, fd)
				}
			}
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

// The provider pins are checked against the support table's provider rows on the day: CAPI v1.10
// ends on 2026-04-21 (its docs), so a warning from 60 days before, an error after; the current set
// has no documented end. Each finding is on its line of .fleetctl.yaml.
func TestProviderSupport(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	tests := []struct {
		name      string
		providers config.Providers
		now       string
		rule      string
		msg       string
	}{
		{"current providers", config.Default().Providers, "2026-12-04", "", ""},
		{"previous, 61 days before", config.PreviousProviders(), "2026-02-20", "", ""},
		{"previous, 31 days before", config.PreviousProviders(), "2026-03-21", validate.RuleProviderEnding,
			"providers.clusterAPI v1.10.10: support of Cluster API v1.10 ends on 2026-04-21, in 31 days (checked on 2026-03-21)"},
		{"previous, after the end", config.PreviousProviders(), "2026-12-04", validate.RuleProviderUnsupported,
			"providers.clusterAPI v1.10.10: Cluster API v1.10 left support on 2026-04-21 (checked on 2026-12-04)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			f := goodRepo(t, dir)
			f.Config.Providers = tt.providers
			schemas, err := schema.For(f.Config.Providers.SchemaPins())
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(Options{Fleet: f, Schemas: schemas, Support: rules.Support{Table: support.Default(), Now: day(tt.now)}})
			if err != nil {
				t.Fatal(err)
			}
			var got []validate.Finding
			for _, fd := range res.Findings {
				if strings.HasPrefix(fd.Rule, "providers/") {
					got = append(got, fd)
				}
			}
			if tt.rule == "" {
				if len(got) != 0 {
					t.Fatalf("want no provider finding, got:\n%s", dump(got))
				}
				return
			}
			if len(got) != 1 || got[0].Rule != tt.rule || got[0].Message != tt.msg || got[0].File != config.FileName || got[0].Line == 0 {
				t.Fatalf("want one %s on a line of %s: %q, got:\n%s", tt.rule, config.FileName, tt.msg, dump(got))
			}
			if !strings.Contains(got[0].Fix, "fleetctl providers upgrade") {
				t.Errorf("fix %q does not say how to move", got[0].Fix)
			}
		})
	}
}
