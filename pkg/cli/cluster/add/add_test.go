package add

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// run parses args with the real command and returns the completed Options without running it.
func run(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	root := t.TempDir()
	cfg := "apiVersion: fleetctl.io/v1alpha1\nkind: FleetConfig\ndefaults:\n  location: northeurope\n"
	if err := os.WriteFile(filepath.Join(root, ".fleetctl.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "extra.yaml"), []byte("nodePools:\n  gpu: {mode: User, vmSize: Standard_NC6s_v3, count: 1}\nlocation: westus\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "$ROOT", root)
	}
	io, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: io, Getenv: func(string) string { return "" }, RepoFlag: root}
	var got *Options
	cmd := NewCmd(f, func(o *Options) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(io.Out)
	cmd.SetErr(io.ErrOut)
	err := cmd.Execute()
	return got, err
}

func TestCompleteLayers(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, c spec.Cluster)
	}{
		{"defaults", []string{"atlantic-aks"}, func(t *testing.T, c spec.Cluster) {
			if c.Location != "northeurope" || c.ResourceGroup != "atlantic-aks-rg" || c.DNSPrefix != "atlantic-aks" ||
				c.Network.DNSServiceIP != "10.0.0.10" || len(c.NodePools) != 2 {
				t.Errorf("defaults not applied: %+v", c)
			}
		}},
		{"values file over config", []string{"a-aks", "--values", "$ROOT/extra.yaml"}, func(t *testing.T, c spec.Cluster) {
			if c.Location != "westus" || len(c.NodePools) != 3 || c.NodePools[2].Name != "gpu" {
				t.Errorf("values not layered: %s %+v", c.Location, c.NodePools)
			}
		}},
		{"flag over values file", []string{"a-aks", "--values", "$ROOT/extra.yaml", "--location", "uksouth"}, func(t *testing.T, c spec.Cluster) {
			if c.Location != "uksouth" {
				t.Errorf("location %q", c.Location)
			}
		}},
		{"node pool keeps default settings", []string{"a-aks", "--node-pool", "name=system,count=5"}, func(t *testing.T, c spec.Cluster) {
			if len(c.NodePools) != 1 || *c.NodePools[0].Count != 5 || c.NodePools[0].VMSize != "Standard_D4s_v5" || c.NodePools[0].Mode != "System" {
				t.Errorf("pools %+v", c.NodePools)
			}
		}},
		{"node pool plus values pools", []string{"a-aks", "--values", "$ROOT/extra.yaml", "--node-pool", "name=system"}, func(t *testing.T, c spec.Cluster) {
			if len(c.NodePools) != 2 {
				t.Errorf("want the gpu pool of --values and system, got %+v", c.NodePools)
			}
		}},
		{"enum case", []string{"a-aks", "--network-plugin", "KUBENET", "--sku-tier", "free"}, func(t *testing.T, c spec.Cluster) {
			if c.Network.Plugin != "kubenet" || c.SKUTier != "Free" {
				t.Errorf("enums %q %q", c.Network.Plugin, c.SKUTier)
			}
		}},
		{"dns ip follows service cidr", []string{"a-aks", "--service-cidr", "172.16.0.0/16"}, func(t *testing.T, c spec.Cluster) {
			if c.Network.DNSServiceIP != "172.16.0.10" {
				t.Errorf("dns ip %q", c.Network.DNSServiceIP)
			}
		}},
		{"infra path", []string{"a-aks", "--infra-path", "infra/prod"}, func(t *testing.T, c spec.Cluster) {
			if c.Flux.InfraPath != "./infra/prod" {
				t.Errorf("infra path %q", c.Flux.InfraPath)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := run(t, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, o.cluster)
		})
	}
}

func TestFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"a-aks", "--dry-run", "--no-commit"}, "--dry-run and --no-commit", true},
		{[]string{"a-aks", "--branch", "x", "--no-commit"}, "--branch and --no-commit", true},
		{[]string{"a-aks", "--node-pool", "name=x,bad"}, `item "bad"`, true},
		{[]string{"a-aks", "--values", "$ROOT/nope.yaml"}, "--values: open", false},
		{[]string{"Bad"}, `cluster name "Bad"`, false},
	} {
		_, err := run(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.args, err, tt.want)
			continue
		}
		_, isUsage := err.(*cmdutil.FlagError)
		if isUsage != tt.usage {
			t.Errorf("%v: usage error = %v, want %v", tt.args, isUsage, tt.usage)
		}
	}
}
