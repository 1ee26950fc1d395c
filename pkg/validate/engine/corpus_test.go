package engine

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/fleetctl/fleetctl/pkg/render"
	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/support"
	"github.com/fleetctl/fleetctl/pkg/validate"
	"github.com/fleetctl/fleetctl/pkg/validate/rules"
)

var update = flag.Bool("update", false, "rewrite the expected findings of the corpus")

// The corpus: testdata/corpus/<group>/<case>.txtar. Each case starts from the same good fleet repo
// (written by fleetctl's own rendering: two clusters), committed on main, and applies its archive:
// every file in it is written over the repo; a file named ".delete" lists paths to remove. The
// archive's comment says which defect it holds. The expected findings are the "want.json" file of
// the archive itself, rewritten with -update.

// goodRepo writes the good fleet repo into dir and commits it on main.
func goodRepo(t testing.TB, dir string) *fleet.Fleet { return fleettest.GoodRepo(t, dir) }

func writeAll(t testing.TB, root string, files []render.File) { fleettest.WriteFiles(t, root, files) }

// runEngine runs the engine and returns its errors and warnings; the info notes (what is not
// checked offline) are tested on their own (see TestGoodRepoIsClean and the layouts).
func runEngine(t testing.TB, f *fleet.Fleet, base bool) []validate.Finding {
	t.Helper()
	var out []validate.Finding
	for _, fd := range runEngineAll(t, f, base) {
		if fd.Severity != validate.Info {
			out = append(out, fd)
		}
	}
	return out
}

func runEngineAll(t testing.TB, f *fleet.Fleet, base bool) []validate.Finding {
	t.Helper()
	schemas, err := schema.For(f.Config.Providers.SchemaPins())
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Fleet: f, Schemas: schemas, Support: corpusSupport}
	if base {
		repo, err := gitrepo.Open(f.Root)
		if err != nil {
			t.Fatal(err)
		}
		if opts.Base, err = repo.Snapshot("main"); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Run(opts)
	if err != nil {
		t.Fatal(err)
	}
	return res.Findings
}

// corpusSupport checks the support windows at a fixed day, never the clock's.
var corpusSupport = rules.Support{Table: support.Default(), Now: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)}

func TestGoodRepoIsClean(t *testing.T) {
	f := goodRepo(t, t.TempDir())
	all := runEngineAll(t, f, true)
	if fs := runEngine(t, f, true); len(fs) != 0 {
		t.Fatalf("the good repo has findings:\n%s", dump(fs))
	}
	// Its one note: the ingress controller's chart is in a Helm repository, not rendered offline.
	if len(all) != 1 || all[0].Rule != validate.RuleHelmNotRendered || all[0].File != "infra/base/ingress-nginx.yaml" {
		t.Fatalf("the good repo's notes:\n%s", dump(all))
	}
}

func dump(fs []validate.Finding) string {
	b, _ := json.MarshalIndent(fs, "", "  ")
	return string(b)
}

func TestCorpus(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "corpus", "*", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]int{}
	for _, file := range cases {
		name := strings.TrimSuffix(filepath.ToSlash(file), ".txtar")
		name = strings.TrimPrefix(name, "testdata/corpus/")
		groups[strings.SplitN(name, "/", 2)[0]]++
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if len(bytes.TrimSpace(ar.Comment)) == 0 {
				t.Fatal("the archive's comment must say which defect it holds")
			}
			dir := t.TempDir()
			f := goodRepo(t, dir)
			want, wantIdx := fleettest.ApplyCase(t, dir, ar)
			got := runEngine(t, f, true)
			if len(got) == 0 {
				t.Fatal("the defect was not found")
			}
			for _, fd := range got {
				if r, ok := validate.Lookup(fd.Rule); !ok || r.Severity != fd.Severity {
					t.Errorf("finding %s (%s) is not in the rule registry with that severity (registered: %v %s)", fd.Rule, fd.Severity, ok, r.Severity)
				}
			}
			gotJSON, _ := json.MarshalIndent(got, "", "  ")
			gotJSON = append(gotJSON, '\n')
			if *update {
				if wantIdx < 0 {
					ar.Files = append(ar.Files, txtar.File{Name: "want.json", Data: gotJSON})
				} else {
					ar.Files[wantIdx].Data = gotJSON
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !bytes.Equal(gotJSON, want) {
				t.Errorf("findings differ from want.json (run go test -update and review):\n%s", gotJSON)
			}
		})
	}
	var names []string
	total := 0
	for g, n := range groups {
		names = append(names, fmt.Sprintf("%s=%d", g, n))
		total += n
	}
	sort.Strings(names)
	t.Logf("corpus: %d cases (%s)", total, strings.Join(names, " "))
}

// TestSyntheticFleetIsClean: the fleets the benchmarks generate are valid, so they time real work.
func TestSyntheticFleetIsClean(t *testing.T) {
	dir := t.TempDir()
	f, err := fleet.New(dir, config.Default())
	if err != nil {
		t.Fatal(err)
	}
	files, names, err := f.SyntheticFiles(3)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 3 || names[2] != "c0002-aks" {
		t.Fatalf("names %v", names)
	}
	writeAll(t, dir, files)
	if fs := runEngine(t, f, false); len(fs) != 0 {
		t.Fatalf("synthetic fleet has findings:\n%s", dump(fs))
	}
}
