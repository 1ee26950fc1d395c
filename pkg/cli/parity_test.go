package cli_test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/fleetctl/fleetctl/pkg/cli"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// findingRE matches a finding a write prints: in its error ("  file:line: rule: message") or as a
// warning ("warning: file:line: rule: message").
var findingRE = regexp.MustCompile(`(?m)^(?:warning: |  )\S+: ([a-z]+/[a-z0-9-]+): .*$`)

func runCLI(t *testing.T, dir string, args ...string) (int, string) {
	t.Helper()
	env := map[string]string{"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com"}
	ios, _, _, errOut := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios, Getenv: func(k string) string { return env[k] }, Now: time.Now}
	code := cli.Run(f, append([]string{"--repo", dir}, args...))
	return code, errOut.String()
}

// TestDryRunAndRealRunReportAlike runs writes on every defect of the validation corpus
// (pkg/validate/engine/testdata/corpus), committed on main: a --dry-run and then the real run of
// the same command must exit alike and report the same findings, and every rule the registry marks
// as one a write can trigger must be reported by some write here.
func TestDryRunAndRealRunReportAlike(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("..", "validate", "engine", "testdata", "corpus", "*", "*.txtar"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	triggered := map[string]bool{}
	for _, file := range cases {
		name := strings.TrimSuffix(filepath.Base(filepath.Dir(file))+"/"+filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			fleettest.GoodRepo(t, dir)
			want, _ := fleettest.ApplyCase(t, dir, ar)
			repo, err := gitrepo.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := repo.Commit("", []string{""}, "the defect", fleettest.Signature, fleettest.Signature); err != nil && !strings.Contains(err.Error(), "nothing to commit") {
				t.Fatal(err)
			}
			// Writes on the clusters the defect is about (else atlantic-aks), and a new cluster.
			var found []validate.Finding
			if err := json.Unmarshal(want, &found); err != nil {
				t.Fatal(err)
			}
			clusters := []string{}
			for _, f := range found {
				if f.Cluster != "" && !slices.Contains(clusters, f.Cluster) && len(clusters) < 2 {
					clusters = append(clusters, f.Cluster)
				}
			}
			if len(clusters) == 0 {
				clusters = append(clusters, "atlantic-aks")
			}
			writes := [][]string{{"cluster", "add", "arctic-aks", "--service-cidr", "10.9.0.0/16"}}
			for _, c := range clusters {
				writes = append(writes, []string{"nodepool", "add", c, "probe", "--vm-size", "Standard_D4s_v5", "--count", "1"},
					[]string{"cluster", "remove", c, "--yes"})
			}
			for _, args := range writes {
				dryCode, dryOut := runCLI(t, dir, append(slices.Clone(args), "--dry-run")...)
				code, out := runCLI(t, dir, args...)
				dry, real := findingRE.FindAllString(dryOut, -1), findingRE.FindAllString(out, -1)
				if dryCode != code || !slices.Equal(dry, real) {
					t.Errorf("fleetctl %s: the dry run (exit %d) and the real run (exit %d) differ:\n--- dry run\n%s\n--- real run\n%s",
						strings.Join(args, " "), dryCode, code, dryOut, out)
				}
				for _, m := range findingRE.FindAllStringSubmatch(out, -1) {
					triggered[m[1]] = true
				}
			}
		})
	}
	if t.Failed() {
		return
	}
	for _, r := range validate.Rules {
		if r.Write && !triggered[r.ID] {
			t.Errorf("rule %s is marked as one a write can trigger, but no write on the corpus reports it: add a corpus case, or unmark it", r.ID)
		}
	}
	var seen []string
	for id := range triggered {
		if r, ok := validate.Lookup(id); !ok || !r.Write {
			seen = append(seen, id)
		}
	}
	slices.Sort(seen)
	if len(seen) > 0 {
		t.Errorf("writes reported rules the registry does not mark as write rules: %v", seen)
	}
}
