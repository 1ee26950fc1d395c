//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// corpusDir holds fleetctl validate's defect corpus: one txtar per defect,
// with the findings validate must report in want.json.
var corpusDir = filepath.Join("..", "..", "pkg", "validate", "engine", "testdata", "corpus")

const defectCluster = "pacific-aks"

// defect is one corpus case replayed on the live fleet as a small edit of one
// file, and where the real engine must reject it.
type defect struct {
	kind   string // what is wrong, for the table
	corpus string // case in corpusDir it is taken from
	file   string // repo-relative
	old    string // text replaced...
	new    string // ...by this; with old empty, appended
	// What must fail on the engine, and words its Ready message must contain.
	gvr      schemaGVR
	ns, name string
	want     []string
}

func defects(ns string) []defect {
	dir := "capi/clusters/" + defectCluster + "/"
	return []defect{
		{kind: "invalid AKS enum in values (skuTier)", corpus: "chart/skutier-platinum",
			file: dir + "values.yaml", old: "skuTier: Standard", new: "skuTier: Platinum",
			gvr: gvrHelmRelease, ns: ns, name: defectCluster, want: []string{"skuTier"}},
		{kind: "CRD enum (reconcileStrategy)", corpus: "schema/helmrelease-reconcilestrategy-enum",
			file: dir + "helmrelease.yaml", old: "reconcileStrategy: Revision", new: "reconcileStrategy: Always",
			gvr: gvrKustomization, ns: fluxNamespace, name: "clusters", want: []string{`Unsupported value: "Always"`}},
		{kind: "wrong field type (prune: string)", corpus: "schema/kustomization-prune-string",
			file: "clusters/management/fleet-clusters.yaml", old: "prune: true", new: `prune: "yes please"`,
			gvr: gvrKustomization, ns: fluxNamespace, name: "flux-system", want: []string{"spec.prune"}},
		{kind: "unknown field", corpus: "schema/helmrelease-unknown-field",
			file: dir + "helmrelease.yaml", old: "reconcileStrategy: Revision", new: "reconcileStrategyy: Revision",
			gvr: gvrKustomization, ns: fluxNamespace, name: "clusters", want: []string{"reconcileStrategyy"}},
		{kind: "removed API version (HelmRelease v2beta1)", corpus: "schema/helmrelease-v2beta1",
			file: dir + "helmrelease.yaml", old: "apiVersion: helm.toolkit.fluxcd.io/v2\n", new: "apiVersion: helm.toolkit.fluxcd.io/v2beta1\n",
			gvr: gvrKustomization, ns: fluxNamespace, name: "clusters", want: []string{"v2beta1"}},
		{kind: "broken kustomization (missing resource)", corpus: "kustomize/resource-file-missing",
			file: dir + "kustomization.yaml", old: "- helmrelease.yaml", new: "- helm-release.yaml",
			gvr: gvrKustomization, ns: fluxNamespace, name: "clusters", want: []string{"helm-release.yaml"}},
		{kind: "unknown field in a chart template", corpus: "chart/template-unknown-field-cluster",
			file: "charts/aks-cluster/templates/cluster.yaml", old: "spec:\n", new: "spec:\n  clusterName: {{ $name | quote }}\n",
			gvr: gvrHelmRelease, ns: ns, name: defectCluster, want: []string{"clusterName"}},
		{kind: "maxPods out of range in values", corpus: "chart/maxpods-300",
			file: dir + "values.yaml", new: "  batch:\n    mode: User\n    vmSize: Standard_D8s_v5\n    osType: Linux\n    count: 2\n    maxPods: 300\n",
			gvr: gvrHelmRelease, ns: ns, name: defectCluster, want: []string{"maxPods"}},
	}
}

// stepDefects: a clean change passes validate and the engine; each defect
// fails validate with the corpus' rule AND fails on the engine; reverting it
// makes both clean again.
func stepDefects(ctx context.Context, t *testing.T) {
	f := env.fleet
	cfg := readFleetConfig(t)
	ns := cfg.Defaults.Namespace

	// The clean change: a second cluster, with fleetctl.
	f.run(t, "cluster", "add", defectCluster, "--location", "westus3")
	branch := cfg.Git.BranchPrefix + "/add-cluster-" + defectCluster
	f.requireBranch(t, branch)
	f.validateClean(t)
	sha := f.mergeAndPush(t, branch)
	waitSource(ctx, t, sha)
	waitApplied(ctx, t, ns, sha)
	report.addDefect(defectRow{"none: clean change (cluster add " + defectCluster + ")", "-", "exit 0", "Ready (clusters, HelmRelease " + defectCluster + ")"})

	for i, d := range defects(ns) {
		f.reset(t)
		good := f.git(t, "rev-parse", "HEAD")
		if !t.Run(strings.ReplaceAll(d.corpus, "/", "-"), func(t *testing.T) {
			row := defectRow{defect: d.kind, corpus: d.corpus}
			defer func() { report.addDefect(row) }()

			f.git(t, "checkout", "-b", fmt.Sprintf("e2e/defect-%d", i))
			content := f.readFile(t, d.file)
			switch {
			case d.old == "":
				content += d.new
			case strings.Contains(content, d.old):
				content = strings.Replace(content, d.old, d.new, 1)
			default:
				t.Fatalf("%s has no %q to break", d.file, d.old)
			}
			f.writeFile(t, d.file, content)
			f.git(t, "commit", "-am", "e2e: "+d.kind)

			row.validate = "?"
			rules := wantRules(t, d.corpus)
			row.validate = validateRejects(t, rules)

			// Merged anyway: the engine must reject it too.
			row.engine = "?"
			f.git(t, "checkout", "main")
			f.git(t, "merge", "--ff-only", fmt.Sprintf("e2e/defect-%d", i))
			bad := f.push(t)
			waitSource(ctx, t, bad)
			// The failure must be about the defect's commit.
			extra := func(o *unstructured.Unstructured) bool {
				return str(o, "status", "lastAttemptedRevision") == revision(bad)
			}
			if d.gvr == gvrHelmRelease {
				waitKustomization(ctx, t, fluxNamespace, "clusters", bad)
				extra = func(o *unstructured.Unstructured) bool {
					return strings.HasSuffix(str(o, "status", "lastAttemptedRevision"), "+"+bad[:12])
				}
			}
			msg := waitNotReady(ctx, t, d.gvr, d.ns, d.name, extra, d.want...)
			row.engine = fmt.Sprintf("%s %s not Ready: %s", d.gvr.Resource[:len(d.gvr.Resource)-1], d.name, short(excerpt(msg, d.want[0]), 90))

			// Revert: both clean again.
			f.git(t, "revert", "--no-edit", "HEAD")
			f.validateClean(t)
			fixed := f.push(t)
			waitSource(ctx, t, fixed)
			if d.name == "flux-system" {
				waitKustomization(ctx, t, fluxNamespace, "flux-system", fixed)
			}
			waitApplied(ctx, t, ns, fixed)
		}) {
			restoreMain(ctx, t, ns, good)
		}
	}
}

// restoreMain puts main back to good after a defect case failed half way, so
// the next case starts from a clean, reconciled fleet.
func restoreMain(ctx context.Context, t *testing.T, ns, good string) {
	t.Helper()
	f := env.fleet
	f.reset(t)
	if f.git(t, "rev-parse", "HEAD") == good {
		return
	}
	f.git(t, "reset", "--hard", good)
	f.git(t, "push", "--force", "origin", "main")
	waitSource(ctx, t, good)
	waitKustomization(ctx, t, fluxNamespace, "flux-system", good)
	waitApplied(ctx, t, ns, good)
}

// waitApplied waits until the clusters Kustomization and the defect cluster's
// HelmRelease are Ready at sha.
func waitApplied(ctx context.Context, t *testing.T, ns, sha string) {
	t.Helper()
	waitKustomization(ctx, t, fluxNamespace, "clusters", sha)
	waitHelmRelease(ctx, t, ns, defectCluster, sha)
}

// finding is the part of `fleetctl validate -o json` the test reads.
type finding struct {
	Severity string `json:"severity"`
	Rule     string `json:"rule"`
	Field    string `json:"field"`
	Message  string `json:"message"`
}

// wantRules reads the rules (and fields) of the errors a corpus case expects.
func wantRules(t *testing.T, corpus string) []finding {
	t.Helper()
	ar, err := txtar.ParseFile(filepath.Join(corpusDir, corpus+".txtar"))
	if err != nil {
		t.Fatalf("corpus case %s: %v", corpus, err)
	}
	for _, file := range ar.Files {
		if file.Name != "want.json" {
			continue
		}
		var want []finding
		if err := json.Unmarshal(file.Data, &want); err != nil {
			t.Fatalf("corpus case %s want.json: %v", corpus, err)
		}
		var errs []finding
		for _, w := range want {
			if w.Severity == "error" {
				errs = append(errs, w)
			}
		}
		if len(errs) == 0 {
			t.Fatalf("corpus case %s expects no error", corpus)
		}
		return errs
	}
	t.Fatalf("corpus case %s has no want.json", corpus)
	return nil
}

// validateRejects runs fleetctl validate on the defect branch: it must exit 1
// and report every error rule the corpus case expects (on the same field).
func validateRejects(t *testing.T, want []finding) string {
	t.Helper()
	defer progress("fleetctl validate -o json: exit 1 with the corpus' findings")()
	r := env.fleet.fleetctl(env.fleet.dir, "validate", "-o", "json")
	if r.code != 1 {
		t.Fatalf("fleetctl validate: want exit 1 for the defect, got %s", r)
	}
	var out struct {
		Findings []finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("fleetctl validate -o json: %v\n%s", err, r.stdout)
	}
	var got []string
	for _, w := range want {
		found := false
		for _, f := range out.Findings {
			if f.Severity == "error" && f.Rule == w.Rule && f.Field == w.Field {
				found = true
				got = append(got, f.Rule)
				break
			}
		}
		if !found {
			t.Errorf("fleetctl validate did not report %s on %q; it reported:\n%s", w.Rule, w.Field, r.stdout)
		}
	}
	return "exit 1, " + strings.Join(unique(got), ", ")
}

func unique(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// excerpt returns the part of msg around the first occurrence of word.
func excerpt(msg, word string) string {
	i := strings.Index(msg, word)
	if i < 0 || len(msg) <= 90 {
		return msg
	}
	start := max(0, i-40)
	return "..." + msg[start:]
}
