package engine

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// The layouts: testdata/layouts/<case>/ are small Flux repos laid out as public Flux repos are
// (a monorepo with overlays that patch HelmReleases, multi-tenancy, folders without a
// kustomization, ExternalArtifacts of an ArtifactGenerator, postBuild substitution, a local
// chart), none written by fleetctl. Each must validate with no error and no warning; each defect
// of testdata/layouts/defects/<case>--<name>.txtar (whole files written over the case) must be
// found with its rule at its file and line. The real-engine e2e replays the same cases on the
// real controllers (hack/e2e/layouts_test.go).

func layoutRepo(t testing.TB, name string) (string, *fleet.Fleet) {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "layouts", name))); err != nil {
		t.Fatal(err)
	}
	return dir, layoutFleet(t, dir)
}

func layoutFleet(t testing.TB, dir string) *fleet.Fleet {
	t.Helper()
	cfg := config.Default()
	if data, err := os.ReadFile(filepath.Join(dir, config.FileName)); err == nil {
		if cfg, err = config.Decode(config.FileName, data); err != nil {
			t.Fatal(err)
		}
	}
	f, err := fleet.NewFS(dir, os.DirFS(dir), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func layoutFindings(t testing.TB, f *fleet.Fleet, strict bool) []validate.Finding {
	t.Helper()
	schemas, err := schema.Default()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(Options{Fleet: f, Schemas: schemas, Strict: strict})
	if err != nil {
		t.Fatal(err)
	}
	return res.Findings
}

var cleanLayouts = []string{"a-monorepo", "b-multitenancy", "c-nokustomization", "c2-artifactgenerator", "d-postbuild", "e-localchart"}

func TestLayoutsAreClean(t *testing.T) {
	for _, name := range cleanLayouts {
		t.Run(name, func(t *testing.T) {
			_, f := layoutRepo(t, name)
			got := layoutFindings(t, f, false)
			var bad []validate.Finding
			for _, fd := range got {
				if fd.Severity != validate.Info {
					bad = append(bad, fd)
				}
				if r, ok := validate.Lookup(fd.Rule); !ok || r.Severity != fd.Severity {
					t.Errorf("finding %s (%s) is not in the rule registry with that severity", fd.Rule, fd.Severity)
				}
			}
			if len(bad) > 0 {
				t.Fatalf("%s has errors or warnings:\n%s", name, dump(bad))
			}
			t.Logf("%s: %d notes", name, len(got))
			for _, fd := range got {
				t.Logf("  %s %s:%d %s", fd.Rule, fd.File, fd.Line, fd.Message)
			}
		})
	}
}

// TestLayoutsReachEveryManifest: every YAML file of the clean layouts that is not a tool's
// configuration or a chart file is applied by a build: no unreferenced note.
func TestLayoutsReachEveryManifest(t *testing.T) {
	for _, name := range cleanLayouts {
		_, f := layoutRepo(t, name)
		for _, fd := range layoutFindings(t, f, true) {
			if fd.Rule == validate.RuleFluxUnreferenced && !strings.HasPrefix(filepath.Base(fd.File), ".") {
				t.Errorf("%s: %s is not reached by any build", name, fd.File)
			}
		}
	}
}

type layoutDefect struct {
	Layout string `json:"layout"`
	Rule   string `json:"rule"`
	File   string `json:"file"`
	Line   int    `json:"line"`
}

// knownGaps are defects the real controllers reject that validate does not find yet, with why.
// The test fails when one of them starts being found, so the list stays true.
// (None now. An unknown field in a built-in kind was one until the e2e showed that the API server
// accepts it there, as validate does.)
var knownGaps = map[string]string{}

func TestLayoutDefects(t *testing.T) {
	cases, _ := filepath.Glob(filepath.Join("testdata", "layouts", "defects", "*.txtar"))
	if len(cases) == 0 {
		t.Fatal("no defects in testdata/layouts/defects")
	}
	for _, file := range cases {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var want layoutDefect
			if err := json.Unmarshal(ar.Comment, &want); err != nil {
				t.Fatalf("comment: %v", err)
			}
			dir, _ := layoutRepo(t, want.Layout)
			for _, af := range ar.Files {
				p := filepath.Join(dir, filepath.FromSlash(af.Name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, af.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := layoutFindings(t, layoutFleet(t, dir), false)
			ok := slices.ContainsFunc(got, func(fd validate.Finding) bool {
				return fd.Severity == validate.Error && fd.Rule == want.Rule && fd.File == want.File && (want.Line == 0 || fd.Line == want.Line)
			})
			name := strings.TrimSuffix(filepath.Base(file), ".txtar")
			if why, gap := knownGaps[name]; gap {
				if ok {
					t.Errorf("known gap %s is found now: remove it from knownGaps", name)
				}
				t.Logf("known gap: %s", why)
				return
			}
			if !ok {
				t.Errorf("want %s at %s:%d; got:\n%s", want.Rule, want.File, want.Line, dump(got))
			}
		})
	}
}

// TestLegacyLayout: a 2021-style repo is diagnosed with every removed apiVersion named with its
// replacement, the CAPI/CAPZ objects inside its rendered chart included, and nothing the
// controllers would not say (no YAML errors in chart templates, no removed clusters).
func TestLegacyLayout(t *testing.T) {
	_, f := layoutRepo(t, "legacy-2021")
	got := layoutFindings(t, f, false)
	data, err := os.ReadFile(filepath.Join("testdata", "layouts", "legacy-2021", "want.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want []struct {
		Rule, File, APIVersion, Replacement string
		Line                                int
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		found := slices.ContainsFunc(got, func(fd validate.Finding) bool {
			return fd.Rule == w.Rule && fd.File == w.File && (w.Line == 0 || fd.Line == w.Line) &&
				strings.Contains(fd.Message, w.APIVersion) && strings.Contains(fd.Fix+fd.Message, w.Replacement)
		})
		if !found {
			t.Errorf("missing %s %s at %s:%d (-> %s)", w.Rule, w.APIVersion, w.File, w.Line, w.Replacement)
		}
	}
	for _, fd := range got {
		if strings.HasPrefix(fd.Rule, "yaml/") || strings.HasPrefix(fd.Rule, "change/") || strings.HasPrefix(fd.Rule, "fleet/") {
			t.Errorf("a finding the controllers would not raise: %s %s:%d %s", fd.Rule, fd.File, fd.Line, fd.Message)
		}
	}
	if t.Failed() {
		t.Logf("got:\n%s", dump(got))
	}
}

func writeTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const rootKustomization = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`

// TestKustomizeMessagesAreFindings: kustomize's deprecation warning is a finding at the field,
// and nothing reaches stderr raw.
func TestKustomizeMessagesAreFindings(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"clusters/lab/apps.yaml":  rootKustomization,
		"apps/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - cm.yaml\ncommonLabels:\n  team: a\n",
		"apps/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: default\n",
		"notes/stray.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stray\n",
	})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	got := layoutFindings(t, layoutFleet(t, dir), false)
	os.Stderr = saved
	w.Close()
	raw, _ := io.ReadAll(r)
	if len(raw) > 0 {
		t.Errorf("printed raw on stderr: %q", raw)
	}
	want := map[string]string{
		validate.RuleKustomizeDeprecated: "apps/kustomization.yaml:5",
		validate.RuleFluxUnreferenced:    "notes/stray.yaml:0",
	}
	for _, fd := range got {
		if loc, ok := want[fd.Rule]; ok && loc == fmt.Sprintf("%s:%d", fd.File, fd.Line) {
			delete(want, fd.Rule)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing %v in:\n%s", want, dump(got))
	}
}

// TestNotAFleetHasNoFleetFindings: a repo with capi/clusters/<name> folders but no list of them
// and no .fleetctl.yaml is not a fleet: no fleet/cluster-list error, and comparing with an
// unchanged base reports no removed cluster.
func TestNotAFleetHasNoFleetFindings(t *testing.T) {
	_, f := layoutRepo(t, "legacy-2021")
	for _, fd := range layoutFindings(t, f, false) {
		if strings.HasPrefix(fd.Rule, "fleet/") || strings.HasPrefix(fd.Rule, "change/") {
			t.Errorf("%s %s: %s", fd.Rule, fd.File, fd.Message)
		}
	}
	schemas, err := schema.Default()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(Options{Fleet: f, Schemas: schemas, Base: f.FS})
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range res.Findings {
		if strings.HasPrefix(fd.Rule, "change/") || strings.HasPrefix(fd.Rule, "fleet/") {
			t.Errorf("with a base: %s %s: %s", fd.Rule, fd.File, fd.Message)
		}
	}
}
