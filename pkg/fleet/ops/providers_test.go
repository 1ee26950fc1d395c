package ops

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// previousFleet writes the good fleet as fleetctl init --providers previous makes it: the previous
// providers in .fleetctl.yaml (no contract key) and the chart as PreviousChartFile gives it.
func previousFleet(t *testing.T, dir string) {
	t.Helper()
	f := fleettest.GoodRepo(t, dir)
	cur, prev := config.Default().Providers, config.PreviousProviders()
	cfgPath := filepath.Join(dir, config.FileName)
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer(
		"clusterAPI: "+cur.ClusterAPI, "clusterAPI: "+prev.ClusterAPI, "capz: "+cur.CAPZ, "capz: "+prev.CAPZ,
		"aso: "+cur.ASO, "aso: "+prev.ASO, "flux: "+cur.Flux, "flux: "+prev.Flux, "  contract: v1beta2\n", "",
	).Replace(string(b))
	writeFile(t, cfgPath, s)
	chart := filepath.Join(dir, filepath.FromSlash(f.ChartDir()))
	err = filepath.WalkDir(chart, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(chart, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		writeFile(t, p, string(PreviousChartFile(filepath.ToSlash(rel), data)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func openFleet(t *testing.T, dir string, p config.Providers) *Client {
	t.Helper()
	cfg := config.Default()
	cfg.Providers = p
	fl, err := fleet.New(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return New(fl)
}

func TestProvidersUpgrade(t *testing.T) {
	machinepools := filepath.Join("charts", "aks-cluster", "templates", "machinepools.yaml")
	tests := []struct {
		name      string
		providers config.Providers // what the fleet pins; zero: the previous set
		current   bool             // the fleet is the current good fleet
		edit      func(t *testing.T, dir string)
		target    config.Providers // zero: the current set
		wantErr   string
		wantNoOp  bool
		wantFiles []string
		wantIn    map[string][]string // file -> strings the changed file must hold
		wantOut   map[string][]string // file -> strings it must not hold
		golden    string
	}{
		{
			name: "previous to current moves config and chart",
			wantFiles: []string{".fleetctl.yaml", "charts/aks-cluster/Chart.yaml", "charts/aks-cluster/README.md",
				"charts/aks-cluster/templates/cluster.yaml", "charts/aks-cluster/templates/machinepools.yaml"},
			wantIn: map[string][]string{
				".fleetctl.yaml": {"clusterAPI: v1.14.2\n", "flux: v2.9\n  contract: v1beta2\n"},
				"charts/aks-cluster/templates/cluster.yaml": {"apiVersion: cluster.x-k8s.io/v1beta2\n", "apiGroup: infrastructure.cluster.x-k8s.io\n"},
			},
			golden: "providers_upgrade.msg",
		},
		{name: "already current is a no-op", current: true, wantNoOp: true},
		{
			name: "older target refused", current: true, target: config.PreviousProviders(),
			wantErr: "providers upgrade: providers.clusterAPI v1.14.2 is newer than the target v1.10.10: fleetctl does not move a fleet back to older providers",
		},
		{
			name: "fleet-edited chart file with an unknown v1beta1 line refused",
			edit: func(t *testing.T, dir string) {
				prependTo(t, filepath.Join(dir, machinepools), "# see cluster.x-k8s.io/v1beta1 for the old shape\n")
			},
			wantErr: `providers upgrade: charts/aks-cluster/templates/machinepools.yaml: line 1 "# see cluster.x-k8s.io/v1beta1 for the old shape": fleetctl cannot move this`,
		},
		{
			name: "fleet-edited chart file rewritten keeping its edits",
			edit: func(t *testing.T, dir string) {
				appendTo(t, filepath.Join(dir, machinepools), "# platform team: pools reviewed 2026-11\n")
			},
			wantFiles: []string{".fleetctl.yaml", "charts/aks-cluster/Chart.yaml", "charts/aks-cluster/README.md",
				"charts/aks-cluster/templates/cluster.yaml", "charts/aks-cluster/templates/machinepools.yaml"},
			wantIn: map[string][]string{
				"charts/aks-cluster/templates/machinepools.yaml": {"# platform team: pools reviewed 2026-11\n", "apiVersion: cluster.x-k8s.io/v1beta2\n", "apiGroup: infrastructure.cluster.x-k8s.io\n"},
			},
			wantOut: map[string][]string{
				"charts/aks-cluster/templates/machinepools.yaml": {"apiVersion: cluster.x-k8s.io/v1beta1", "metadata: {}"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			pins := config.PreviousProviders()
			if tt.current {
				fleettest.GoodRepo(t, dir)
				pins = config.Default().Providers
			} else {
				previousFleet(t, dir)
			}
			if tt.edit != nil {
				tt.edit(t, dir)
			}
			target := tt.target
			if target == (config.Providers{}) {
				target = config.Default().Providers
			}
			p, err := openFleet(t, dir, pins).ProvidersUpgrade(target)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one starting %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantNoOp {
				if len(p.Changes) != 0 || !strings.Contains(p.NoOp, "already targets the current providers") {
					t.Fatalf("want a no-op, got %v (NoOp %q)", p.Paths(), p.NoOp)
				}
				return
			}
			if got := strings.Join(p.Paths(), " "); got != strings.Join(tt.wantFiles, " ") {
				t.Errorf("files %s, want %s", got, strings.Join(tt.wantFiles, " "))
			}
			content := map[string]string{}
			for _, c := range p.Changes {
				content[c.Path] = string(c.Content)
			}
			for f, ws := range tt.wantIn {
				for _, w := range ws {
					if !strings.Contains(content[f], w) {
						t.Errorf("%s: missing %q", f, w)
					}
				}
			}
			for f, ws := range tt.wantOut {
				for _, w := range ws {
					if strings.Contains(content[f], w) {
						t.Errorf("%s: still holds %q", f, w)
					}
				}
			}
			if tt.golden != "" {
				golden := filepath.Join("testdata", tt.golden)
				if *update {
					writeFile(t, golden, p.Message)
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if p.Message != string(want) {
					t.Errorf("commit message differs from %s (go test -update rewrites it):\n%s", golden, p.Message)
				}
			}
		})
	}
}

func appendTo(t *testing.T, p, s string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, string(b)+s)
}

func prependTo(t *testing.T, p, s string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, s+string(b))
}
