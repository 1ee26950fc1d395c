//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fleetctlWith runs fleetctl in the fleet repo with extra environment (the forge's token).
func (f *fleetRepo) fleetctlWith(t *testing.T, extra []string, args ...string) result {
	t.Helper()
	defer progress("fleetctl %s", strings.Join(args, " "))()
	cmd := exec.Command(f.bin, args...)
	cmd.Dir = f.dir
	cmd.Env = append(append(os.Environ(), append(gitEnv, "NO_COLOR=1", fleetctlNow)...), extra...)
	out, err := cmd.Output()
	r := result{stdout: string(out)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code, r.stderr = ee.ExitCode(), string(ee.Stderr)
	} else if err != nil {
		r.code, r.stderr = -1, err.Error()
	}
	return r
}

var prLine = regexp.MustCompile(`(?m)^(opened|updated) pull request #(\d+): (\S+)$`)

// stepPR: the pull request itself, on the real forge. The fleet from step 1 is pushed to a Gitea
// repository; `fleetctl cluster add --pr` pushes its branch and opens the pull request (title the
// commit subject, body the plan); it is merged through Gitea's API and Flux, pulling from Gitea,
// applies the merge; `fleetctl nodepool scale --pr` run twice opens one pull request and then
// updates it. The token reaches fleetctl through GITEA_TOKEN only and shows in no output.
func stepPR(ctx context.Context, t *testing.T) {
	f := env.fleet
	fg := env.requireForge(ctx, t)
	repo := fg.createRepo(ctx, t, "fleet-pr")
	fg.git(t, f.dir, "remote", "add", "forge", repo.CloneURL)
	fg.git(t, f.dir, "push", "forge", "main")
	fg.waitBranch(ctx, t, repo, "main", fg.git(t, f.dir, "rev-parse", "main"))
	forgeEnv := []string{"FLEETCTL_GIT_REMOTE=forge", "FLEETCTL_GIT_PROVIDER=gitea", "GITEA_TOKEN=" + fg.Token, "FLEETCTL_GIT_USERNAME=" + fg.User}
	noToken := func(r result) {
		t.Helper()
		if strings.Contains(r.stdout+r.stderr, fg.Token) {
			t.Fatalf("the token appears in fleetctl's output")
		}
	}

	// cluster add --pr: branch pushed, pull request opened with the plan as its body.
	const name = "pr-aks"
	branch := "fleetctl/add-cluster-" + name
	r := f.fleetctlWith(t, forgeEnv, "cluster", "add", name, "--pr")
	noToken(r)
	if r.code != 0 {
		t.Fatalf("fleetctl cluster add --pr: %s", fg.redact(r.String()))
	}
	m := prLine.FindStringSubmatch(r.stdout)
	if m == nil || m[1] != "opened" {
		t.Fatalf("cluster add --pr did not say it opened a pull request:\n%s", r.stdout)
	}
	var number int
	fmt.Sscan(m[2], &number)
	got := fg.pr(ctx, t, repo, number)
	subject := f.git(t, "log", "-1", "--format=%s", branch)
	head := f.git(t, "rev-parse", branch)
	if got.Title != subject || got.Head.Ref != branch || got.Head.SHA != head || got.Base.Ref != "main" || got.State != "open" {
		t.Fatalf("pull request #%d: title %q head %s@%s base %s state %s; want %q %s@%s main open",
			number, got.Title, got.Head.Ref, got.Head.SHA, got.Base.Ref, got.State, subject, branch, head)
	}
	for _, want := range []string{"### fleetctl plan", "| `" + name + "` | create |", "is created in resource group " + name + "-rg"} {
		if !strings.Contains(got.Body, want) {
			t.Fatalf("pull request #%d body lacks %q (the plan):\n%s", number, want, got.Body)
		}
	}
	fmt.Printf("    pull request #%d opened by fleetctl: %s\n", number, got.HTMLURL)

	// Merged through the API; Flux, pulling from Gitea, applies the merge commit.
	merged := fg.mergePR(ctx, t, repo, number)
	sha := merged.MergeCommitSHA
	fg.waitBranch(ctx, t, repo, "main", sha)
	const ns, src = "forge-pr", "fleet-pr"
	fg.fluxSource(ctx, t, ns, src, repo, "main")
	waitGitRepository(ctx, t, ns, src, sha, "source-controller", "gitea")
	mustApply(ctx, t, gvrKustomization, fmt.Sprintf(`apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  interval: 10m
  path: ./capi/clusters/%[1]s
  prune: true
  sourceRef:
    kind: GitRepository
    name: %[3]s
`, name, ns, src))
	defer func() {
		_ = env.mgmt.dyn.Resource(gvrKustomization).Namespace(ns).Delete(ctx, name, metav1.DeleteOptions{})
	}()
	waitKustomization(ctx, t, ns, name, sha)
	cfg := readFleetConfig(t)
	mustGet(ctx, t, gvrHelmRelease, cfg.Defaults.Namespace, name)

	// nodepool scale --pr, twice: one pull request, opened, then updated.
	fg.git(t, f.dir, "fetch", "forge")
	f.git(t, "checkout", "-q", "main")
	f.git(t, "reset", "-q", "--hard", "forge/main")
	var first int
	for i, verb := range []string{"opened", "updated"} {
		r := f.fleetctlWith(t, forgeEnv, "nodepool", "scale", name, "system", "--count", "4", "--pr")
		noToken(r)
		if r.code != 0 {
			t.Fatalf("fleetctl nodepool scale --pr (run %d): %s", i+1, fg.redact(r.String()))
		}
		m := prLine.FindStringSubmatch(r.stdout)
		if m == nil || m[1] != verb {
			t.Fatalf("nodepool scale --pr run %d: want %q a pull request, got:\n%s", i+1, verb, r.stdout)
		}
		n := 0
		fmt.Sscan(m[2], &n)
		if i == 0 {
			first = n
		} else if n != first {
			t.Fatalf("the second run answered #%d, not the pull request #%d it opened", n, first)
		}
		f.git(t, "checkout", "-q", "main")
	}
	open := 0
	for _, p := range fg.listPRs(ctx, t, repo, "open") {
		if p.Head.Ref == "fleetctl/scale-"+name+"-system" {
			open++
			if !strings.Contains(p.Body, "scaled 3 → 4") {
				t.Errorf("pull request #%d body lacks the plan's scale line:\n%s", p.Number, p.Body)
			}
		}
	}
	if open != 1 {
		t.Fatalf("%d open pull requests for the scale branch, want 1", open)
	}
	stepWavePRs(ctx, t, fg, repo, forgeEnv)
}

// stepWavePRs: a fleet-wide upgrade in two waves with --pr on the real forge: one pull request per
// wave, each head a branch from main holding only its wave's cluster, the second's body naming
// the first wave and linking its pull request.
func stepWavePRs(ctx context.Context, t *testing.T, fg *forge, repo forgeRepo, forgeEnv []string) {
	f := env.fleet
	cfg := readFleetConfig(t)
	fg.git(t, f.dir, "fetch", "forge")
	f.git(t, "checkout", "-q", "main")
	f.git(t, "reset", "-q", "--hard", "forge/main")
	// Two clusters in two rings on the forge's main: pr-aks labelled, wave-aks added with its label.
	// (--from main: main is the forge's here, origin/HEAD the other git server's.)
	f.run(t, "cluster", "label", "pr-aks", "ring=canary", "env=e2e", "--branch", "rings", "--from", "main")
	f.run(t, "cluster", "add", "wave-aks", "--label", "ring=broad", "--label", "env=e2e", "--branch", "rings-2", "--from", "HEAD")
	fg.git(t, f.dir, "push", "forge", "rings-2:main")
	fg.git(t, f.dir, "fetch", "forge")
	f.git(t, "checkout", "-q", "main")
	f.git(t, "reset", "-q", "--hard", "forge/main")
	version := f.git(t, "show", "forge/main:capi/clusters/pr-aks/values.yaml")
	cur := ""
	for _, line := range strings.Split(version, "\n") {
		if v, ok := strings.CutPrefix(line, "kubernetesVersion: "); ok {
			cur = strings.TrimSpace(v)
		}
	}
	target, err := nextMinor(cur)
	if err != nil {
		t.Fatal(err)
	}
	r := f.fleetctlWith(t, forgeEnv, "cluster", "upgrade", "-l", "env=e2e", "--kubernetes-version", target, "--waves", "ring=canary,broad", "--pr", "--from", "main")
	if r.code != 0 {
		t.Fatalf("fleetctl cluster upgrade -l env=e2e --waves ring=canary,broad --pr: %s", fg.redact(r.String()))
	}
	ms := prLine.FindAllStringSubmatch(r.stdout, -1)
	if len(ms) != 2 || ms[0][1] != "opened" || ms[1][1] != "opened" {
		t.Fatalf("want two pull requests opened, one per wave:\n%s", r.stdout)
	}
	id := "upgrade-" + target
	base := f.git(t, "rev-parse", "forge/main")
	for i, w := range []struct{ branch, cluster string }{
		{cfg.Git.BranchPrefix + "/" + id + "-wave-1-canary", "pr-aks"},
		{cfg.Git.BranchPrefix + "/" + id + "-wave-2-broad", "wave-aks"},
	} {
		var n int
		fmt.Sscan(ms[i][2], &n)
		got := fg.pr(ctx, t, repo, n)
		if got.Head.Ref != w.branch || got.Base.Ref != "main" || got.Head.SHA != f.git(t, "rev-parse", w.branch) {
			t.Fatalf("wave %d: pull request #%d head %s@%s base %s; want %s on main", i+1, n, got.Head.Ref, got.Head.SHA, got.Base.Ref, w.branch)
		}
		if parent := f.git(t, "rev-parse", w.branch+"^"); parent != base {
			t.Errorf("wave %d: branch %s starts from %s, not main %s", i+1, w.branch, parent, base)
		}
		if files := f.git(t, "diff", "--name-only", base, w.branch); files != "capi/clusters/"+w.cluster+"/values.yaml" {
			t.Errorf("wave %d changes %q, want only %s's values", i+1, files, w.cluster)
		}
		wantBody := []string{fmt.Sprintf("**Wave %d of 2** of rollout `%s`", i+1, id), "### fleetctl plan"}
		if i == 1 {
			wantBody = append(wantBody, fmt.Sprintf("Previous wave: wave 1 (ring=canary), [%s](%s)", cfg.Git.BranchPrefix+"/"+id+"-wave-1-canary", ms[0][3]))
		}
		for _, want := range wantBody {
			if !strings.Contains(got.Body, want) {
				t.Errorf("wave %d: pull request #%d body lacks %q:\n%s", i+1, n, want, got.Body)
			}
		}
		fmt.Printf("    wave %d pull request #%d: %s\n", i+1, n, got.HTMLURL)
	}
}
