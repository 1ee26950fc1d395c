package ops

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

func TestLabelCluster(t *testing.T) {
	const values = "capi/clusters/atlantic-aks/values.yaml"
	const hr = "capi/clusters/atlantic-aks/helmrelease.yaml"
	tests := []struct {
		name string
		// labels replaces "name: atlantic-aks\n" in values.yaml (the labels block after it); inline
		// is added as the HelmRelease's spec.values
		labels, inline string
		args           []string
		overwrite      bool
		wantErr        string
		wantNoOp       string
		// wantFile is the changed file; wantHead the lines from name: up to location:
		wantFile, wantHead string
		wantSubject        string
	}{
		{
			name:     "new labels go after name, sorted, values quoted where YAML needs it",
			args:     []string{"ring=canary", "env=prod", "tier=true", "empty=", "example.com/team=platform"},
			wantFile: values, wantSubject: "Label atlantic-aks: empty= env=prod example.com/team=platform ring=canary tier=true",
			wantHead: "name: atlantic-aks\nlabels:\n  empty: \"\"\n  env: prod\n  example.com/team: platform\n  ring: canary\n  tier: \"true\"\n",
		},
		{
			name:   "a new key goes after the key before it; comments stay",
			labels: "labels:\n  # who runs it\n  env: prod # agreed\n  team: core\n",
			args:   []string{"ring=early"}, wantFile: values,
			wantHead: "name: atlantic-aks\nlabels:\n  # who runs it\n  env: prod # agreed\n  ring: early\n  team: core\n",
		},
		{
			name:   "a changed value keeps its comment",
			labels: "labels:\n  ring: canary # first\n",
			args:   []string{"ring=early"}, overwrite: true, wantFile: values,
			wantHead: "name: atlantic-aks\nlabels:\n  ring: early # first\n",
		},
		{
			name:   "a flow map is edited as a flow map",
			labels: "labels: {env: prod, ring: canary}\n",
			args:   []string{"ring=broad", "env-"}, overwrite: true, wantFile: values,
			wantHead: "name: atlantic-aks\nlabels: {ring: broad}\n",
		},
		{
			name:   "the last label removed removes the key",
			labels: "labels:\n  ring: canary\n",
			args:   []string{"ring-"}, wantFile: values, wantSubject: "Label atlantic-aks: ring-",
			wantHead: "name: atlantic-aks\n",
		},
		{
			name:   "labels set inline in the HelmRelease are edited there",
			inline: "  values:\n    labels:\n      ring: canary\n",
			args:   []string{"ring=early", "env=prod"}, overwrite: true, wantFile: hr,
		},
		{
			name:    "another value needs --overwrite",
			labels:  "labels:\n  ring: canary\n",
			args:    []string{"ring=early"},
			wantErr: `cluster "atlantic-aks": label ring: has the value "canary"; pass --overwrite to change it to "early"`,
		},
		{
			name:   "the same value changes nothing, without --overwrite too",
			labels: "labels:\n  ring: canary\n",
			args:   []string{"ring=canary"}, wantNoOp: "atlantic-aks already has ring=canary",
		},
		{
			name: "removing a label the cluster does not have changes nothing",
			args: []string{"ring-", "env-"}, wantNoOp: "atlantic-aks has no labels ring, env",
		},
		{
			name:   "both",
			labels: "labels:\n  ring: canary\n",
			args:   []string{"ring=canary", "env-"}, wantNoOp: "atlantic-aks already has ring=canary; it has no label env",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fleettest.GoodRepo(t, dir)
			if tc.labels != "" {
				replaceIn(t, filepath.Join(dir, values), "name: atlantic-aks\n", "name: atlantic-aks\n"+tc.labels)
			}
			if tc.inline != "" {
				replaceIn(t, filepath.Join(dir, hr), "  valuesFrom:\n", tc.inline+"  valuesFrom:\n")
			}
			lc, err := spec.ParseLabelChange(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			c := openFleet(t, dir, config.Default().Providers)
			p, err := c.LabelCluster("atlantic-aks", LabelRequest{LabelChange: lc, Overwrite: tc.overwrite})
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Branch != "fleetctl/label-atlantic-aks" {
				t.Errorf("branch %q", p.Branch)
			}
			if tc.wantNoOp != "" {
				if p.NoOp != tc.wantNoOp || len(p.Changes) != 0 {
					t.Fatalf("noOp %q with %d changes, want %q and none", p.NoOp, len(p.Changes), tc.wantNoOp)
				}
				return
			}
			if len(p.Changes) != 1 || p.Changes[0].Path != tc.wantFile {
				t.Fatalf("changes %v, want %s only", p.Paths(), tc.wantFile)
			}
			got := string(p.Changes[0].Content)
			if tc.wantHead != "" {
				start := strings.Index(got, "name: atlantic-aks\n")
				end := strings.Index(got, "location: ")
				if start < 0 || end < start {
					t.Fatalf("no name ... location in\n%s", got)
				}
				if head := got[start:end]; head != tc.wantHead {
					t.Errorf("values from name to location:\n%s\nwant:\n%s", head, tc.wantHead)
				}
			}
			if tc.wantFile == hr && !strings.Contains(got, "  values:\n    labels:\n      ring: early\n      env: prod\n  valuesFrom:\n") {
				t.Errorf("HelmRelease:\n%s", got)
			}
			if subject, _, _ := strings.Cut(p.Message, "\n"); tc.wantSubject != "" && subject != tc.wantSubject {
				t.Errorf("subject %q, want %q", subject, tc.wantSubject)
			}
			if p.Check == nil {
				t.Error("plan without a check")
			}
		})
	}
}

func TestLabelSelected(t *testing.T) {
	dir := t.TempDir()
	fleettest.GoodRepo(t, dir)
	replaceIn(t, filepath.Join(dir, "capi/clusters/atlantic-aks/values.yaml"), "name: atlantic-aks\n", "name: atlantic-aks\nlabels:\n  env: prod\n  ring: canary\n")
	replaceIn(t, filepath.Join(dir, "capi/clusters/pacific-aks/values.yaml"), "name: pacific-aks\n", "name: pacific-aks\nlabels:\n  env: prod\n  ring: broad\n")
	c := openFleet(t, dir, config.Default().Providers)
	req := func(args ...string) LabelRequest {
		lc, err := spec.ParseLabelChange(args)
		if err != nil {
			t.Fatal(err)
		}
		return LabelRequest{LabelChange: lc}
	}

	p, err := c.LabelSelected("env=prod,ring!=canary", req("team=core"))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Paths(); len(got) != 1 || got[0] != "capi/clusters/pacific-aks/values.yaml" {
		t.Errorf("paths %v", got)
	}
	if p.Branch != "fleetctl/label-env-prod-ring-not-canary" {
		t.Errorf("branch %q", p.Branch)
	}

	p, err = c.LabelSelected("env=prod", req("ring=broad", "team=core"))
	if err == nil || err.Error() != `cluster "atlantic-aks": label ring: has the value "canary"; pass --overwrite to change it to "broad"` {
		t.Fatalf("without --overwrite: %v", err)
	}
	r := req("ring=broad", "team=core")
	r.Overwrite = true
	if p, err = c.LabelSelected("env=prod", r); err != nil {
		t.Fatal(err)
	}
	want := `Label 2 clusters: ring=broad team=core

Clusters matching env=prod:

  atlantic-aks  ring: canary -> broad
                team: unset -> core
  pacific-aks   team: unset -> core

Merging this changes only the labels of the CAPI Cluster objects on the management cluster
(what selects clusters by label there sees the new labels); the AKS clusters are not changed.
`
	if p.Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", p.Message, want)
	}
	if len(p.Changes) != 2 || strings.Join(p.Clusters, ",") != "atlantic-aks,pacific-aks" || len(p.Touched) != 2 {
		t.Errorf("changes %v, clusters %v, touched %v", p.Paths(), p.Clusters, p.Touched)
	}

	// a cluster that already has the labels is named in the message, not changed
	if p, err = c.LabelSelected("env", LabelRequest{LabelChange: req("ring=broad").LabelChange, Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Message, "\n1 more matching cluster already has these labels: pacific-aks\n") || len(p.Changes) != 1 {
		t.Errorf("message:\n%s", p.Message)
	}
	if p, err = c.LabelSelected("env=prod", req("env=prod")); err != nil || p.NoOp != "the 2 clusters matching env=prod already have env=prod" {
		t.Errorf("no-op: %v, %+v", err, p)
	}
	if _, err = c.LabelSelected("env=dev", req("ring=x")); err == nil || !strings.Contains(err.Error(), `selector "env=dev": matches no cluster`) {
		t.Errorf("no match: %v", err)
	}
	if _, err = c.LabelSelected("env in (", req("ring=x")); err == nil || !strings.HasPrefix(err.Error(), `selector "env in ("`) {
		t.Errorf("bad selector: %v", err)
	}
	// a folder that cannot be read might match: the selection fails rather than leave it out
	if err := os.MkdirAll(filepath.Join(dir, "capi/clusters/broken-aks"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err = c.LabelSelected("env=prod", r); err == nil || !strings.Contains(err.Error(), "cluster broken-aks cannot be read") {
		t.Errorf("unreadable cluster: %v", err)
	}
}

func TestBranchSlug(t *testing.T) {
	for sel, want := range map[string]string{
		"env=prod":                    "env-prod",
		"env==prod":                   "env-prod",
		"env!=prod":                   "env-not-prod",
		"!canary":                     "not-canary",
		"ring in (early,broad),env":   "ring-in-early-broad-env",
		"example.com/team=Platform":   "example.com-team-platform",
		"ring notin (canary),!frozen": "ring-notin-canary-not-frozen",
		"a-very-long-key-name-for-a-selector=and-a-long-value-too": "a-very-long-key-name-for-a-selector-and",
		"(),": "all",
	} {
		if got := branchSlug(sel); got != want {
			t.Errorf("branchSlug(%q) = %q, want %q", sel, got, want)
		}
	}
}

// replaceIn replaces old (which must be there) with new in the file.
func replaceIn(t *testing.T, p, old, new string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", p, old)
	}
	writeFile(t, p, strings.Replace(string(b), old, new, 1))
}
