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
