package config

import (
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct{ name, in, wantErr string }{
		{"minimal", "apiVersion: fleetctl.io/v1alpha1\nkind: FleetConfig\n", ""},
		{"empty", "", "file is empty"},
		{"unknown key", "apiVersion: fleetctl.io/v1alpha1\nkind: FleetConfig\ngit: {branchprefix: x}\n", `unknown field "git.branchprefix"`},
		{"wrong version", "apiVersion: fleetctl.io/v2\nkind: FleetConfig\n", `apiVersion "fleetctl.io/v2" kind "FleetConfig": must be apiVersion fleetctl.io/v1alpha1, kind FleetConfig`},
		{"duplicate key", "apiVersion: fleetctl.io/v1alpha1\nkind: FleetConfig\nkind: FleetConfig\n", "already set"},
		{"syntax", "apiVersion: [\n", "line"},
		{"support", "apiVersion: fleetctl.io/v1alpha1\nkind: FleetConfig\nsupport: {versionsFile: s.yaml, vmSizes: [Standard_L8s_v3]}\n", ""},
		{"support unknown key", "apiVersion: fleetctl.io/v1alpha1\nkind: FleetConfig\nsupport: {versionFile: s.yaml}\n", `unknown field "support.versionFile"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(".fleetctl.yaml", []byte(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), ".fleetctl.yaml: ") {
				t.Fatalf("error %v, want %q prefixed with the file name", err, tt.wantErr)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"default", func(*Config) {}, ""},
		{"version", func(c *Config) { c.Defaults.KubernetesVersion = "1.2" }, `defaults.kubernetesVersion "1.2"`},
		{"namespace", func(c *Config) { c.Defaults.Namespace = "Fleet" }, `defaults.namespace "Fleet"`},
		{"escaping path", func(c *Config) { c.Paths.Clusters = "../elsewhere" }, `paths.clusters "../elsewhere": must be a relative slash path inside the repo`},
		{"absolute path", func(c *Config) { c.Chart.Path = "/charts" }, `chart.path "/charts"`},
		{"templates path", func(c *Config) { c.Paths.Templates = "..\\t" }, `paths.templates`},
		{"branch prefix", func(c *Config) { c.Git.BranchPrefix = "a b" }, `git.branchPrefix "a b"`},
		{"previous providers", func(c *Config) { c.Providers = PreviousProviders() }, ""},
		{"capi version", func(c *Config) { c.Providers.ClusterAPI = "1.14" }, `providers.clusterAPI "1.14": must be v<major>.<minor>.<patch>, e.g. v1.14.2`},
		{"flux line", func(c *Config) { c.Providers.Flux = "2.9" }, `providers.flux "2.9": must be a Flux release line`},
		{"contract", func(c *Config) { c.Providers.Contract = "v1alpha4" }, `providers.contract "v1alpha4": must be one of v1beta1, v1beta2`},
		{"contract CAPI does not serve", func(c *Config) { c.Providers = PreviousProviders(); c.Providers.Contract = "v1beta2" },
			`providers.contract "v1beta2": Cluster API v1.10.10 does not serve it (v1beta2 needs CAPI v1.11 or later)`},
		{"versions file", func(c *Config) { c.Support.VersionsFile = "../s.yaml" }, `support.versionsFile "../s.yaml": must be a relative slash path`},
		{"vm size", func(c *Config) { c.Support.VMSizes = []string{"D4s_v5"} }, `support.vmSizes[0] "D4s_v5": must be an Azure VM size`},
		{"support", func(c *Config) { c.Support = Support{VersionsFile: "s.yaml", VMSizes: []string{"Standard_L8s_v3"}} }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(&c)
			err := c.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestMapRoundTrip(t *testing.T) {
	m, err := ToMap(Default())
	if err != nil {
		t.Fatal(err)
	}
	c, err := FromMap(m)
	if err != nil {
		t.Fatal(err)
	}
	if c.Defaults.NodePools[1].Max == nil || *c.Defaults.NodePools[1].Max != 10 {
		t.Fatalf("node pools lost in the round trip: %+v", c.Defaults.NodePools)
	}
	if _, err := FromMap(map[string]any{"bogus": 1}); err == nil {
		t.Fatal("unknown key accepted")
	}
}

func TestPaths(t *testing.T) {
	if got := RepoPath("./infra/base/"); got != "infra/base" {
		t.Errorf("RepoPath = %q", got)
	}
	if got := FluxPath("infra/base"); got != "./infra/base" {
		t.Errorf("FluxPath = %q", got)
	}
}

func TestCAPIContract(t *testing.T) {
	for _, tt := range []struct {
		p    Providers
		want string
	}{
		{Default().Providers, "v1beta2"},
		{PreviousProviders(), "v1beta1"}, // a .fleetctl.yaml written before contract existed
		{Providers{ClusterAPI: "v1.11.0"}, "v1beta2"},
		{Providers{ClusterAPI: "v1.14.2", Contract: "v1beta1"}, "v1beta1"},
		{Providers{}, "v1beta2"},
	} {
		if got := tt.p.CAPIContract(); got != tt.want {
			t.Errorf("%+v: contract %s, want %s", tt.p, got, tt.want)
		}
	}
	pins := Default().Providers.SchemaPins()
	if pins[ClusterAPIModule] != "v1.14.2" || pins[CAPZModule] != "v1.27.0" || pins[ASOModule] != "v2.18.0" {
		t.Errorf("SchemaPins() = %v", pins)
	}
}
