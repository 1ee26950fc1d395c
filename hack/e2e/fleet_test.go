//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// fleetRepo is the working clone fleetctl edits; origin is the bare
// repository the git server serves and Flux clones.
type fleetRepo struct {
	dir    string
	bin    string // fleetctl
	remote string // URL of origin
}

// result of one fleetctl run.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// fleetctl runs the binary under test in dir.
// fleetctlNow pins the day fleetctl checks support windows for, so a run does not depend on the
// clock (docs/providers.md).
const fleetctlNow = "FLEETCTL_NOW=2026-12-04"

func (f *fleetRepo) fleetctl(dir string, args ...string) result {
	return f.fleetctlEnv(dir, nil, args...)
}

// fleetctlEnv is fleetctl with extra environment variables.
func (f *fleetRepo) fleetctlEnv(dir string, extraEnv []string, args ...string) result {
	cmd := exec.Command(f.bin, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), append(gitEnv, "NO_COLOR=1", fleetctlNow)...), extraEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		r.code, r.stderr = -1, err.Error()
	}
	return r
}

// progress prints what a wait was for and how long it took, when the
// returned func is called (on success and on failure).
func progress(format string, args ...any) func() {
	start := time.Now()
	return func() { fmt.Printf("    %-90s %s\n", fmt.Sprintf(format, args...), since(start)) }
}

// run runs fleetctl in the fleet repo and fails the test unless it exits 0.
// A command fleetctl does not have yet is reported as such.
func (f *fleetRepo) run(t *testing.T, args ...string) result {
	t.Helper()
	defer progress("fleetctl %s", strings.Join(args, " "))()
	r := f.fleetctl(f.dir, args...)
	if r.code != 0 {
		if strings.Contains(r.stderr+r.stdout, "unknown command") || strings.Contains(r.stderr+r.stdout, "unknown flag") {
			t.Fatalf("fleetctl %s: not implemented in this fleetctl (%s)", strings.Join(args, " "), short(r.stderr+r.stdout, 200))
		}
		t.Fatalf("fleetctl %s: %s", strings.Join(args, " "), r)
	}
	return r
}

func (f *fleetRepo) git(t *testing.T, args ...string) string {
	t.Helper()
	out, err := git(f.dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// reset puts the clone on main at origin/main with a clean tree, whatever a
// previous (possibly failed) step left.
func (f *fleetRepo) reset(t *testing.T) {
	t.Helper()
	if f.remote == "" { // before step 1 there is no repo yet
		return
	}
	f.git(t, "fetch", "origin")
	f.git(t, "checkout", "-f", "main")
	f.git(t, "reset", "--hard", "origin/main")
	f.git(t, "clean", "-fdx")
}

// requireBranch checks that fleetctl left HEAD on the branch it committed to,
// and that the branch is one commit on top of main.
func (f *fleetRepo) requireBranch(t *testing.T, want string) {
	t.Helper()
	if got := f.git(t, "rev-parse", "--abbrev-ref", "HEAD"); got != want {
		t.Fatalf("fleetctl left HEAD on %q, want the new branch %q", got, want)
	}
	if n := f.git(t, "rev-list", "--count", "main.."+want); n != "1" {
		t.Fatalf("branch %s has %s commits on top of main, want 1", want, n)
	}
	if st := f.git(t, "status", "--porcelain"); st != "" {
		t.Fatalf("fleetctl left uncommitted changes:\n%s", st)
	}
}

// changedFiles lists the files the last commit on HEAD changed.
func (f *fleetRepo) changedFiles(t *testing.T) []string {
	t.Helper()
	return strings.Fields(f.git(t, "diff", "--name-only", "HEAD~1", "HEAD"))
}

// validateClean runs `fleetctl validate` on the checkout and requires exit 0.
func (f *fleetRepo) validateClean(t *testing.T) {
	t.Helper()
	defer progress("fleetctl validate: exit 0")()
	if r := f.fleetctl(f.dir, "validate"); r.code != 0 {
		t.Fatalf("fleetctl validate on %s: want exit 0 before merging, got %s", f.git(t, "rev-parse", "--abbrev-ref", "HEAD"), r)
	}
}

// mergeAndPush merges branch into main as a reviewed pull request would and
// pushes main; it returns the new main commit.
func (f *fleetRepo) mergeAndPush(t *testing.T, branch string) string {
	t.Helper()
	f.git(t, "checkout", "main")
	f.git(t, "merge", "--no-ff", "-m", "Merge "+branch, branch)
	return f.push(t)
}

func (f *fleetRepo) push(t *testing.T) string {
	t.Helper()
	f.git(t, "push", "origin", "main")
	return f.git(t, "rev-parse", "HEAD")
}

// readFile and writeFile work on repo-relative paths.
func (f *fleetRepo) readFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (f *fleetRepo) writeFile(t *testing.T, rel, content string) {
	t.Helper()
	p := filepath.Join(f.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// --- the engine side ---

const waitTimeout = 3 * time.Minute

func revision(sha string) string { return "main@sha1:" + sha }

// reconcileNow asks a Flux controller to reconcile obj now (what `flux
// reconcile` does) instead of waiting for its interval.
func reconcileNow(ctx context.Context, t *testing.T, gvr schema.GroupVersionResource, ns, name string) {
	t.Helper()
	if err := requestReconcile(ctx, gvr, ns, name); err != nil {
		t.Fatalf("requesting reconcile of %s %s/%s: %v", gvr.Resource, ns, name, err)
	}
}

// requestReconcile sets the reconcile.fluxcd.io/requestedAt annotation, as flux reconcile does.
func requestReconcile(ctx context.Context, gvr schema.GroupVersionResource, ns, name string) error {
	patch := fmt.Sprintf(`{"metadata":{"annotations":{"reconcile.fluxcd.io/requestedAt":%q}}}`, time.Now().Format(time.RFC3339Nano))
	_, err := env.mgmt.dyn.Resource(gvr).Namespace(ns).Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	return err
}

// waitSource waits until the GitRepository flux-system serves the artifact of sha.
func waitSource(ctx context.Context, t *testing.T, sha string) {
	t.Helper()
	waitGitRepository(ctx, t, fluxNamespace, "flux-system", sha, "source-controller", "git-http")
}

// waitGitRepository asks for a reconcile of the GitRepository ns/name on main
// and waits until it is Ready with the artifact of sha; a failure shows the
// logs of the components named.
func waitGitRepository(ctx context.Context, t *testing.T, ns, name, sha string, logs ...string) {
	t.Helper()
	defer progress("GitRepository %s fetched %s", name, sha[:12])()
	reconcileNow(ctx, t, gvrGitRepository, ns, name)
	err := poll(ctx, waitTimeout, func(ctx context.Context) (bool, string, error) {
		gr, err := get(ctx, env.mgmt.dyn, gvrGitRepository, ns, name)
		if err != nil {
			return false, err.Error(), nil
		}
		st, _, msg := condition(gr, "Ready")
		rev := str(gr, "status", "artifact", "revision")
		return st == "True" && rev == revision(sha), fmt.Sprintf("Ready=%s %q artifact %s", st, msg, rev), nil
	})
	if err != nil {
		t.Fatalf("GitRepository %s/%s did not fetch %s: %v%s", ns, name, sha, err, env.logOf(logs...))
	}
}

// waitKustomization waits until a Kustomization has applied sha and is Ready.
func waitKustomization(ctx context.Context, t *testing.T, ns, name, sha string) *unstructured.Unstructured {
	t.Helper()
	defer progress("Kustomization %s/%s Ready at %s", ns, name, sha[:12])()
	var ks *unstructured.Unstructured
	err := poll(ctx, waitTimeout, func(ctx context.Context) (bool, string, error) {
		var err error
		if ks, err = get(ctx, env.mgmt.dyn, gvrKustomization, ns, name); err != nil {
			return false, err.Error(), nil
		}
		st, reason, msg := condition(ks, "Ready")
		rev := str(ks, "status", "lastAppliedRevision")
		done := st == "True" && rev == revision(sha) && observed(ks)
		return done, fmt.Sprintf("Ready=%s %s %q lastAppliedRevision %s", st, reason, msg, rev), nil
	})
	if err != nil {
		t.Fatalf("Kustomization %s/%s not Ready at %s: %v%s", ns, name, sha, err, env.logOf("kustomize-controller"))
	}
	return ks
}

// waitHelmRelease waits until a HelmRelease has released the chart built from sha and is Ready.
func waitHelmRelease(ctx context.Context, t *testing.T, ns, name, sha string) *unstructured.Unstructured {
	t.Helper()
	defer progress("HelmRelease %s/%s Ready with the chart of %s", ns, name, sha[:12])()
	var hr *unstructured.Unstructured
	// With reconcileStrategy Revision the chart version is <Chart.yaml version>+<first 12 of the commit>.
	suffix := "+" + sha[:12]
	err := poll(ctx, waitTimeout, func(ctx context.Context) (bool, string, error) {
		var err error
		if hr, err = get(ctx, env.mgmt.dyn, gvrHelmRelease, ns, name); err != nil {
			return false, err.Error(), nil
		}
		st, reason, msg := condition(hr, "Ready")
		rev := str(hr, "status", "lastAttemptedRevision")
		done := st == "True" && strings.HasSuffix(rev, suffix) && observed(hr)
		return done, fmt.Sprintf("Ready=%s %s %q lastAttemptedRevision %s", st, reason, msg, rev), nil
	})
	if err != nil {
		t.Fatalf("HelmRelease %s/%s not Ready with the chart of %s: %v%s", ns, name, sha, err, env.logOf("helm-controller", "source-controller"))
	}
	return hr
}

// waitNotReady waits until obj reports Ready=False with a message containing
// every one of want, and returns that message.
func waitNotReady(ctx context.Context, t *testing.T, gvr schema.GroupVersionResource, ns, name string, extra func(*unstructured.Unstructured) bool, want ...string) string {
	t.Helper()
	defer progress("%s %s/%s not Ready as expected", gvr.Resource, ns, name)()
	var msg string
	err := poll(ctx, waitTimeout, func(ctx context.Context) (bool, string, error) {
		obj, err := get(ctx, env.mgmt.dyn, gvr, ns, name)
		if err != nil {
			return false, err.Error(), nil
		}
		st, reason, m := condition(obj, "Ready")
		msg = m
		// Failed reconciles do not always bump observedGeneration; extra
		// pins the revision the failure must be about.
		done := st == "False" && (extra == nil || extra(obj))
		for _, w := range want {
			done = done && strings.Contains(m, w)
		}
		return done, fmt.Sprintf("Ready=%s %s %q", st, reason, m), nil
	})
	if err != nil {
		t.Fatalf("%s %s/%s did not fail with %q: %v%s", gvr.Resource, ns, name, want, err, env.logOf("kustomize-controller", "helm-controller"))
	}
	return msg
}

// waitGone waits until the object no longer exists.
func waitGone(ctx context.Context, t *testing.T, c *kubeCluster, gvr schema.GroupVersionResource, ns, name string) {
	t.Helper()
	defer progress("%s %s/%s gone from %s", gvr.Resource, ns, name, c.name)()
	err := poll(ctx, waitTimeout, func(ctx context.Context) (bool, string, error) {
		_, err := get(ctx, c.dyn, gvr, ns, name)
		if isNotFound(err) {
			return true, "", nil
		}
		if err != nil {
			return false, err.Error(), nil
		}
		return false, "still there", nil
	})
	if err != nil {
		t.Fatalf("%s %s/%s on %s was not deleted: %v%s", gvr.Resource, ns, name, c.name, err, env.logOf("kustomize-controller", "helm-controller"))
	}
}

// observed reports whether the controller has seen the object's latest spec: the status's
// observedGeneration, or, for kinds that keep it only on their conditions (source-watcher's
// ArtifactGenerator), the Ready condition's.
func observed(obj *unstructured.Unstructured) bool {
	g, found, _ := unstructured.NestedInt64(obj.Object, "status", "observedGeneration")
	if !found {
		conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
		for _, c := range conds {
			if m, ok := c.(map[string]any); ok && m["type"] == "Ready" {
				g, _, _ = unstructured.NestedInt64(m, "observedGeneration")
			}
		}
	}
	return g == obj.GetGeneration()
}
