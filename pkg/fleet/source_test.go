package fleet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/yamledit"
)

const srcValues = `# values
name: x-aks
kubernetesVersion: v1.37.2
nodePools:
  system:
    mode: System
    vmSize: Standard_D4s_v5 # immutable
    count: 3
  work:
    mode: User
    vmSize: Standard_D8s_v5 # immutable
    count: 1
`

const srcRelease = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: x-aks
spec:
  interval: 10m
`

func releaseWith(values string) string {
	return srcRelease + "  values:\n" + values
}

// newSource writes a cluster folder x-aks with the given files and loads it.
func newSource(t *testing.T, files map[string]string) (*Fleet, *ClusterSource, error) {
	t.Helper()
	root := t.TempDir()
	fl, err := New(root, config.Default())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, filepath.FromSlash(fl.ClusterDir("x-aks")))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := fl.LoadCluster("x-aks")
	return fl, s, err
}

func TestClusterSourceEdits(t *testing.T) {
	autoscale := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "min"}, {Kind: yaml.ScalarNode, Tag: "!!int", Value: "1"},
		{Kind: yaml.ScalarNode, Value: "max"}, {Kind: yaml.ScalarNode, Tag: "!!int", Value: "5"},
	}}
	gpu := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "mode"}, {Kind: yaml.ScalarNode, Value: "User"},
		{Kind: yaml.ScalarNode, Value: "vmSize"}, {Kind: yaml.ScalarNode, Value: "Standard_NC6s_v3"},
		{Kind: yaml.ScalarNode, Value: "count"}, {Kind: yaml.ScalarNode, Tag: "!!int", Value: "2"},
	}}
	tests := []struct {
		name  string
		files map[string]string
		edit  func(s *ClusterSource) error
		// want maps each file to a substring its new content must hold ("" = unchanged)
		want    map[string]string
		wantErr string
	}{
		{
			name:  "values.yaml only",
			files: map[string]string{"values.yaml": srcValues, "helmrelease.yaml": srcRelease},
			edit: func(s *ClusterSource) error {
				return s.SetScalar([]string{"nodePools", "work", "count"}, "4", yamledit.Int)
			},
			want: map[string]string{"values.yaml": "    count: 4\n", "helmrelease.yaml": ""},
		},
		{
			name: "inline value wins and is the one edited",
			files: map[string]string{"values.yaml": srcValues,
				"helmrelease.yaml": releaseWith("    nodePools:\n      work:\n        count: 2 # hot fix\n")},
			edit: func(s *ClusterSource) error {
				return s.SetScalar([]string{"nodePools", "work", "count"}, "4", yamledit.Int)
			},
			want: map[string]string{"values.yaml": "", "helmrelease.yaml": "        count: 4 # hot fix\n"},
		},
		{
			name: "a replacement lands where its sibling was; the sibling goes from every file",
			files: map[string]string{"values.yaml": srcValues,
				"helmrelease.yaml": releaseWith("    nodePools:\n      work:\n        count: 2\n")},
			edit: func(s *ClusterSource) error {
				if err := s.SetNode([]string{"nodePools", "work", "autoscale"}, autoscale, "count"); err != nil {
					return err
				}
				return s.Delete("nodePools", "work", "count")
			},
			want: map[string]string{
				"values.yaml":      "    vmSize: Standard_D8s_v5 # immutable\n# end", // count: 1 gone
				"helmrelease.yaml": "      work:\n        autoscale:\n          min: 1\n          max: 5\n",
			},
		},
		{
			name: "a new pool goes to values.yaml",
			files: map[string]string{"values.yaml": srcValues,
				"helmrelease.yaml": releaseWith("    nodePools:\n      work:\n        count: 2\n")},
			edit: func(s *ClusterSource) error { return s.SetNode([]string{"nodePools", "gpu"}, gpu, "") },
			want: map[string]string{"values.yaml": "  gpu:\n    mode: User\n", "helmrelease.yaml": ""},
		},
		{
			name:  "inline values only",
			files: map[string]string{"helmrelease.yaml": releaseWith("    name: x-aks\n    nodePools:\n      system: {mode: System, vmSize: Standard_D4s_v5, count: 3}\n")},
			edit: func(s *ClusterSource) error {
				return s.SetScalar([]string{"nodePools", "system", "count"}, "5", yamledit.Int)
			},
			want: map[string]string{"helmrelease.yaml": "system: {mode: System, vmSize: Standard_D4s_v5, count: 5}"},
		},
		{
			name: "an inline scalar where a mapping is needed is refused",
			files: map[string]string{"values.yaml": srcValues,
				"helmrelease.yaml": releaseWith("    nodePools:\n      work: null\n")},
			edit: func(s *ClusterSource) error {
				return s.SetScalar([]string{"nodePools", "work", "count"}, "4", yamledit.Int)
			},
			wantErr: "helmrelease.yaml (spec.values.nodePools.work) is not a mapping",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// "# end" marks the end of a file in want, so a test can say what a file ends with
			_, s, err := newSource(t, tt.files)
			if err != nil {
				t.Fatal(err)
			}
			before := s.Want()
			err = tt.edit(s)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if len(s.Changes()) != 0 {
					t.Errorf("a refused edit changed %v", s.Changes())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			changed := map[string]string{}
			for _, c := range s.Changes() {
				changed[filepath.Base(c.Path)] = string(c.Content)
			}
			for file, sub := range tt.want {
				got, ok := changed[file]
				switch {
				case sub == "" && ok:
					t.Errorf("%s changed, want it untouched:\n%s", file, got)
				case sub != "" && !ok:
					t.Errorf("%s unchanged, want it to hold %q", file, sub)
				case sub != "" && !strings.Contains(got+"# end", sub):
					t.Errorf("%s =\n%s\nwant it to hold %q", file, got, sub)
				}
			}
			if err := s.Reached(before); err == nil {
				t.Errorf("Reached(the cluster before the edit) = nil, want an error")
			}
		})
	}
}

func TestLoadClusterRefusals(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{"no HelmRelease", map[string]string{"values.yaml": srcValues}, "no Flux HelmRelease found"},
		{"two HelmReleases", map[string]string{"values.yaml": srcValues, "a.yaml": srcRelease, "b.yaml": srcRelease}, "2 HelmReleases"},
		{"no values at all", map[string]string{"helmrelease.yaml": srcRelease}, "neither values.yaml nor a HelmRelease with spec.values"},
		{"name differs", map[string]string{"values.yaml": strings.Replace(srcValues, "name: x-aks", "name: y-aks", 1), "helmrelease.yaml": srcRelease}, `values name "y-aks" differs from the folder name "x-aks"`},
		{"older shape", map[string]string{"values.yaml": "name: x-aks\ncontrolAgentPoolName: pool1\n", "helmrelease.yaml": srcRelease}, `not in the aks-cluster chart's shape: unknown field "controlAgentPoolName"`},
		{"inline values not a mapping", map[string]string{"values.yaml": srcValues, "helmrelease.yaml": releaseWith("    - a\n")}, "spec.values is not a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := newSource(t, tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	fl, _, _ := newSource(t, map[string]string{"values.yaml": srcValues, "helmrelease.yaml": srcRelease})
	_, err := fl.LoadCluster("nope-aks")
	if err == nil || !strings.Contains(err.Error(), `cluster "nope-aks" not found: no folder capi/clusters/nope-aks (clusters: x-aks)`) {
		t.Errorf("missing cluster: %v", err)
	}
}
