package cmdutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// TestLoadConfigPrecedence: flag > env > file > built-in default, key by key.
func TestLoadConfigPrecedence(t *testing.T) {
	root := t.TempDir()
	file := "apiVersion: fleetctl.io/v1alpha1\nkind: FleetConfig\ndefaults:\n  location: northeurope\n  namespace: from-file\ngit:\n  branchPrefix: file\n"
	if err := os.WriteFile(filepath.Join(root, ".fleetctl.yaml"), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"FLEETCTL_DEFAULTS_NAMESPACE": "from-env", "FLEETCTL_GIT_BRANCHPREFIX": "env"}
	io, _, _, _ := Test()
	f := &Factory{IO: io, Getenv: func(k string) string { return env[k] }}
	flags := pflag.NewFlagSet("t", pflag.ContinueOnError)
	flags.String("prefix", "", "")
	if err := flags.Parse([]string{"--prefix", "flag"}); err != nil {
		t.Fatal(err)
	}
	c, err := f.LoadConfig(root, flags, map[string]string{"git.branchPrefix": "prefix"}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, got, want string }{
		{"default", c.Defaults.KubernetesVersion, "v1.37.2"},
		{"file", c.Defaults.Location, "northeurope"},
		{"env over file", c.Defaults.Namespace, "from-env"},
		{"flag over env", c.Git.BranchPrefix, "flag"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if len(c.Defaults.NodePools) != 2 {
		t.Errorf("default node pools lost: %+v", c.Defaults.NodePools)
	}
}

func TestLoadConfigMissingAndInvalid(t *testing.T) {
	io, _, _, _ := Test()
	f := &Factory{IO: io, Getenv: func(string) string { return "" }}
	root := t.TempDir()
	if _, err := f.LoadConfig(root, nil, nil, false); err == nil || !strings.Contains(err.Error(), "run fleetctl init") {
		t.Fatalf("missing config: %v", err)
	}
	if c, err := f.LoadConfig(root, nil, nil, true); err != nil || c.Defaults.Location != "westeurope" {
		t.Fatalf("optional missing config must give the defaults: %v", err)
	}
	f.Getenv = func(k string) string {
		if k == "FLEETCTL_DEFAULTS_KUBERNETESVERSION" {
			return "latest"
		}
		return ""
	}
	if _, err := f.LoadConfig(root, nil, nil, true); err == nil || !strings.Contains(err.Error(), `defaults.kubernetesVersion "latest"`) {
		t.Fatalf("bad env value: %v", err)
	}
}

func TestEnumValue(t *testing.T) {
	e := NewEnum("", "azure", "kubenet")
	if err := e.Set("AZURE"); err != nil || e.String() != "azure" {
		t.Fatalf("case-insensitive set: %v %q", err, e)
	}
	if err := e.Set("flannel"); err == nil || err.Error() != "must be one of azure|kubenet" {
		t.Fatalf("bad value: %v", err)
	}
}

func TestToday(t *testing.T) {
	clock := time.Date(2026, 12, 4, 13, 0, 0, 0, time.FixedZone("CET", 3600))
	for _, c := range []struct{ env, want, err string }{
		{"", "2026-12-04T12:00:00Z", ""},
		{"2027-03-01", "2027-03-01T00:00:00Z", ""},
		{"2027-03-01T23:30:00+02:00", "2027-03-01T21:30:00Z", ""},
		{"tomorrow", "", `environment variable FLEETCTL_NOW "tomorrow": must be YYYY-MM-DD or an RFC 3339 time`},
	} {
		f := &Factory{Getenv: func(k string) string {
			if k == NowEnv {
				return c.env
			}
			return ""
		}, Now: func() time.Time { return clock }}
		got, err := f.Today()
		switch {
		case c.err != "":
			if err == nil || err.Error() != c.err {
				t.Errorf("%q: error %v, want %s", c.env, err, c.err)
			}
		case err != nil || got.Format(time.RFC3339) != c.want:
			t.Errorf("%q: %v %v, want %s", c.env, got, err, c.want)
		}
	}
}
