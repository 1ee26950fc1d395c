package main

// The fault-injection suite: the real fleetctl (this test binary, which testscript.Main in
// main_test.go runs as fleetctl when it is called by that name) runs as a separate process on a
// fleet of 200 clusters, is stopped at the fault points of pkg/change (FLEETCTL_TEST_PAUSE_AT) and
// gets SIGINT, SIGTERM or SIGKILL there; and several write commands are started at once. After
// every case the repo is read with the real git command: the working tree is clean (or the journal
// says a write was interrupted), git fsck --strict finds nothing, no git lock file is left, and
// HEAD and every branch are untouched or carry exactly one complete commit on main.

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
)

// faultClusters is the size of the fleet the suite runs on.
const faultClusters = 200

// faultPoints are the fault points of a committing write, in order (pkg/change/faultpoint.go).
var faultPoints = []string{"open", "planned", "checked", "journal", "step-1", "step-2", "step-3", "step-4", "done"}

// pointIndex returns the position of a fault point in faultPoints.
func pointIndex(point string) int { return slices.Index(faultPoints, point) }

// inWrite reports whether a fault point lies inside the journalled write (journal .. step-4).
func inWrite(point string) bool {
	i := pointIndex(point)
	return i >= pointIndex("journal") && i <= pointIndex("step-4")
}

// fleetChange is one write command of the suite.
type fleetChange struct {
	kind    string // "add", "scale" or "remove"
	cluster string
}

func (c fleetChange) String() string {
	switch c.kind {
	case "add":
		return "cluster add " + c.cluster
	case "scale":
		return "nodepool scale " + c.cluster + " system --count 5"
	default:
		return "cluster remove " + c.cluster + " --yes"
	}
}

// command is how the repo lock and the journal name the command (without its flags).
func (c fleetChange) command() string {
	switch c.kind {
	case "add":
		return "cluster add " + c.cluster
	case "scale":
		return "nodepool scale " + c.cluster + " system"
	default:
		return "cluster remove " + c.cluster
	}
}

// args are the command line of the change.
func (c fleetChange) args() []string { return strings.Fields(c.String()) }

// branch is the branch the change is committed on.
func (c fleetChange) branch() string {
	switch c.kind {
	case "add":
		return "fleetctl/add-cluster-" + c.cluster
	case "scale":
		return "fleetctl/scale-" + c.cluster + "-system"
	default:
		return "fleetctl/remove-" + c.cluster
	}
}

// files are the files the change's commit changes relative to main, with git's status letter:
// the cluster's folder and the cluster list only, and all of them (a complete commit).
func (c fleetChange) files() map[string]string {
	dir := "capi/clusters/" + c.cluster + "/"
	out := map[string]string{}
	if c.kind == "scale" {
		out[dir+"values.yaml"] = "M"
		return out
	}
	status := "A"
	if c.kind == "remove" {
		status = "D"
	}
	for _, f := range []string{"helmrelease.yaml", "kustomization.yaml", "kustomizeconfig.yaml", "values.yaml"} {
		out[dir+f] = status
	}
	out["capi/clusters/kustomization.yaml"] = "M"
	return out
}

// caseName names a change's subtests: cluster-add, nodepool-scale, cluster-remove.
func caseName(c fleetChange) string {
	f := strings.Fields(c.String())
	return f[0] + "-" + f[1]
}

// faultFleet is what the cases share: the fleetctl binary, its environment, main's commit, and
// the repos a case starts from.
type faultFleet struct {
	bin  string
	home string
	// root holds the copies the cases work in.
	root string
	main string // main's commit in every repo of the suite
	// refTree is the tree of each change's commit as an undisturbed run makes it.
	refTree map[string]string
	// onMain is the fleet as committed, HEAD on main; onBranch is it after an earlier fleetctl
	// write, HEAD on that write's branch (so a write also switches the working tree from it).
	onMain, onBranch *baseline
}

// baseline is a repo the cases start from (each in a copy of it) and come back to when nothing was
// written: where HEAD is, the branches besides main, and the working tree.
type baseline struct {
	dir      string
	head     string
	branches map[string]fleetChange
	tree     map[string]fileState
	// clean are copies a case left exactly as the baseline is (checked), which the next case may
	// take instead of making a copy (creating a thousand files is slow on some disks).
	clean chan string
}

// fileState is a working tree entry: a folder, or a file with its mode and content.
type fileState struct {
	mode fs.FileMode
	data string
}

// priorChange is the earlier write of the onBranch baseline.
var priorChange = fleetChange{kind: "add", cluster: "prior-aks"}

func newFaultFleet(t *testing.T) *faultFleet {
	t.Helper()
	fleettest.RequireGit(t)
	ff := &faultFleet{bin: fleetctlBinary(t), home: t.TempDir(), root: t.TempDir(), refTree: map[string]string{}}
	_, repo := fleettest.Repo(t, faultClusters)
	dir := repo.Root()
	ff.main = fleettest.Git(t, dir, "rev-parse", "main")
	// As a repo is after git gc: objects in a pack, refs in packed-refs (which also makes the
	// copies much cheaper: a few files instead of a thousand loose objects). And as a repo fleetctl
	// has been used in: the cluster summary cache filled, so that each run does not parse 200
	// clusters from scratch.
	fleettest.Git(t, dir, "repack", "-a", "-d", "-q")
	fleettest.Git(t, dir, "pack-refs", "--all", "--prune")
	if p := ff.run(t, dir, "cluster", "list"); p.state.ExitCode() != 0 {
		t.Fatalf("cluster list on the fleet: exit %d\n%s", p.state.ExitCode(), p)
	}
	if got := fleettest.Git(t, dir, "status", "--porcelain", "--untracked-files=all", "--ignored"); got != "" {
		t.Fatalf("the fleet made by fleettest.Repo is not clean:\n%s", got)
	}
	ff.onMain = &baseline{dir: dir, head: "main", tree: readWorktree(t, dir), clean: make(chan string, 256)}
	ff.check(t, ff.onMain, dir, untouched(ff.onMain))

	dir = ff.copy(t, ff.onMain)
	if p := ff.run(t, dir, priorChange.args()...); p.state.ExitCode() != 0 {
		t.Fatalf("undisturbed %s: exit %d\n%s", priorChange, p.state.ExitCode(), p)
	}
	ff.check(t, ff.onMain, dir, completed(ff.onMain, priorChange))
	ff.onBranch = &baseline{dir: dir, head: priorChange.branch(), branches: map[string]fleetChange{priorChange.branch(): priorChange},
		tree: readWorktree(t, dir), clean: make(chan string, 256)}
	return ff
}

// fleetctlBinary is the copy of this test binary that testscript.Main put first on PATH under the
// name fleetctl: run by that name it is fleetctl.
func fleetctlBinary(t *testing.T) string {
	t.Helper()
	dirs := filepath.SplitList(os.Getenv("PATH"))
	if len(dirs) == 0 {
		t.Fatal("PATH is empty: TestMain (testscript.Main) did not set up fleetctl")
	}
	bin := filepath.Join(dirs[0], "fleetctl")
	if fi, err := os.Stat(bin); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("no fleetctl at the head of PATH (%s): TestMain must call testscript.Main with a fleetctl command", bin)
	}
	return bin
}

// env is the environment fleetctl runs with: nothing of the test's own (no FLEETCTL_ variable, no
// git configuration), and a fixed author and date, so that a change always makes the same tree.
func (ff *faultFleet) env(extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + ff.home,
		"XDG_CONFIG_HOME=" + filepath.Join(ff.home, ".config"),
		"TMPDIR=" + os.TempDir(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + filepath.Join(ff.home, "no-gitconfig"),
		"GIT_AUTHOR_NAME=Fleet Tester",
		"GIT_AUTHOR_EMAIL=tester@example.com",
		"GIT_AUTHOR_DATE=2026-11-24T10:00:00Z",
		"GIT_COMMITTER_NAME=Fleet Tester",
		"GIT_COMMITTER_EMAIL=tester@example.com",
		"GIT_COMMITTER_DATE=2026-11-24T10:00:00Z",
		"NO_COLOR=1",
	}
	return append(env, extra...)
}

// repo returns a repo for one case that is exactly the baseline: a clean one an earlier case left,
// or a new copy.
func (ff *faultFleet) repo(t *testing.T, b *baseline) string {
	t.Helper()
	select {
	case dir := <-b.clean:
		return dir
	default:
		return ff.copy(t, b)
	}
}

// done gives dir back for another case when this case passed and left the repo as b is, or with
// one write completed on it: then the real git puts the repo back as it was (checks out b's HEAD
// and deletes the write's branch), which is much cheaper than a new copy; the repo is taken back
// only when it is then exactly b again.
func (ff *faultFleet) done(t *testing.T, b *baseline, dir string, st repoState) {
	t.Helper()
	if t.Failed() || st.journal {
		return
	}
	if !st.untouched {
		if len(st.branches) != len(b.branches)+1 || b.branches[st.head].kind != "" {
			return
		}
		if _, err := fleettest.GitErr(dir, "checkout", "-q", b.head); err != nil {
			return
		}
		if _, err := fleettest.GitErr(dir, "branch", "-q", "-D", st.head); err != nil {
			return
		}
		if !ff.isBaseline(dir, b) {
			return
		}
	}
	b.clean <- dir
}

// isBaseline reports whether the repo in dir is exactly b: HEAD, the branches, a clean index and
// working tree, no journal.
func (ff *faultFleet) isBaseline(dir string, b *baseline) bool {
	if _, err := os.Stat(filepath.Join(dir, ".git", "fleetctl", "journal.json")); err == nil {
		return false
	}
	if head, err := fleettest.GitErr(dir, "symbolic-ref", "HEAD"); err != nil || head != "refs/heads/"+b.head {
		return false
	}
	want := []string{"main"}
	for name := range b.branches {
		want = append(want, name)
	}
	sort.Strings(want)
	if refs, err := fleettest.GitErr(dir, "for-each-ref", "--format=%(refname:short)", "refs/heads/"); err != nil || refs != strings.Join(want, "\n") {
		return false
	}
	if status, err := fleettest.GitErr(dir, "status", "--porcelain", "--untracked-files=all", "--ignored"); err != nil || status != "" {
		return false
	}
	tree, err := readWorktreeErr(dir)
	return err == nil && diffWorktree(b.tree, tree) == ""
}

// copy makes a copy of the baseline's repo. The object packs are hard-linked (git never changes an
// object file once written); everything else is copied.
func (ff *faultFleet) copy(t *testing.T, b *baseline) string {
	t.Helper()
	parent, err := os.MkdirTemp(ff.root, "case")
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(parent, "fleet")
	objects := filepath.Join(b.dir, ".git", "objects") + string(filepath.Separator)
	err = filepath.WalkDir(b.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(b.dir, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm())
		case !info.Mode().IsRegular():
			return fmt.Errorf("%s: not a regular file", p)
		case strings.HasPrefix(p, objects):
			if os.Link(p, target) == nil {
				return nil
			}
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatalf("copying the fleet: %v", err)
	}
	return dst
}

// readWorktree reads every folder and file of the working tree outside .git.
func readWorktree(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	tree, err := readWorktreeErr(dir)
	if err != nil {
		t.Fatalf("reading the working tree: %v", err)
	}
	return tree
}

func readWorktreeErr(dir string) (map[string]fileState, error) {
	out := map[string]fileState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() && rel == ".git" {
			return filepath.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			out[rel+"/"] = fileState{mode: info.Mode()}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel] = fileState{mode: info.Mode(), data: string(data)}
		return nil
	})
	return out, err
}

// diffWorktree describes how two readings of a working tree differ ("" when they do not).
func diffWorktree(want, got map[string]fileState) string {
	var diffs []string
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+p)
		case g.mode != w.mode:
			diffs = append(diffs, fmt.Sprintf("mode of %s: %v, want %v", p, g.mode, w.mode))
		case g.data != w.data:
			diffs = append(diffs, "content of "+p+" changed")
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			diffs = append(diffs, "extra "+p)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 10 {
		diffs = append(diffs[:10], fmt.Sprintf("... and %d more", len(diffs)-10))
	}
	return strings.Join(diffs, "\n")
}

// --- running fleetctl ---

// proc is a fleetctl process.
type proc struct {
	args           []string
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan struct{}
	state          *os.ProcessState
}

// start starts fleetctl in dir.
func (ff *faultFleet) start(t *testing.T, dir string, env []string, args ...string) *proc {
	t.Helper()
	p, err := ff.startErr(dir, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startErr is start for any goroutine: it returns the error.
func (ff *faultFleet) startErr(dir string, env []string, args ...string) (*proc, error) {
	p := &proc{args: args, done: make(chan struct{})}
	p.cmd = exec.Command(ff.bin, args...)
	p.cmd.Dir = dir
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting fleetctl %s: %w", strings.Join(args, " "), err)
	}
	go func() {
		_ = p.cmd.Wait()
		p.state = p.cmd.ProcessState
		close(p.done)
	}()
	return p, nil
}

// wait waits for the process to end and returns its exit code (-1 when a signal killed it).
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("fleetctl %s did not end within 60s\nstdout:\n%s\nstderr:\n%s", strings.Join(p.args, " "), &p.stdout, &p.stderr)
	}
	return p.state.ExitCode()
}

// killedBy reports whether the process was ended by sig.
func (p *proc) killedBy(sig syscall.Signal) bool {
	ws, ok := p.state.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}

func (p *proc) String() string {
	return fmt.Sprintf("fleetctl %s\nstdout:\n%s\nstderr:\n%s", strings.Join(p.args, " "), head(p.stdout.String(), 12), head(p.stderr.String(), 12))
}

// head returns the first n lines of s.
func head(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) <= n+1 {
		return s
	}
	return strings.Join(lines[:n], "") + fmt.Sprintf("... (%d more lines)\n", len(lines)-n)
}

// run runs fleetctl in dir to the end.
func (ff *faultFleet) run(t *testing.T, dir string, args ...string) *proc {
	t.Helper()
	p := ff.start(t, dir, ff.env(), args...)
	p.wait(t)
	return p
}

// startPaused starts fleetctl with a fault point at point and waits until it stops there.
func (ff *faultFleet) startPaused(t *testing.T, dir, point string, args ...string) *proc {
	t.Helper()
	pauseFile := filepath.Join(t.TempDir(), "paused")
	p := ff.start(t, dir, ff.env("FLEETCTL_TEST_PAUSE_AT="+point, "FLEETCTL_TEST_PAUSE_FILE="+pauseFile), args...)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if data, err := os.ReadFile(pauseFile); err == nil && strings.TrimSpace(string(data)) != "" {
			if got := strings.TrimSpace(string(data)); got != point {
				_ = p.cmd.Process.Kill()
				p.wait(t)
				t.Fatalf("fleetctl paused at %q, want %q\n%s", got, point, p)
			}
			return p
		}
		select {
		case <-p.done:
			t.Fatalf("fleetctl ended (exit %d) before reaching fault point %s\n%s", p.state.ExitCode(), point, p)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = p.cmd.Process.Kill()
			p.wait(t)
			t.Fatalf("fleetctl did not reach fault point %s within 30s\n%s", point, p)
		}
	}
}

// --- the state of the repo ---

// repoState is what a case expects of the repo.
type repoState struct {
	// head is the branch HEAD must be on.
	head string
	// branches are the branches besides main that must exist, each with its one complete commit on
	// main; no other may exist.
	branches map[string]fleetChange
	// journal says an interrupted write's journal must be there: the working tree and the index
	// may then differ from HEAD (the journal records how they were).
	journal bool
	// untouched says the working tree must be exactly the baseline's, folders and modes included.
	untouched bool
}

// untouched is the state of a baseline repo no write changed.
func untouched(b *baseline) repoState {
	return repoState{head: b.head, branches: b.branches, untouched: true}
}

// completed is the state after c was written completely on the baseline b.
func completed(b *baseline, c fleetChange) repoState {
	branches := maps.Clone(b.branches)
	if branches == nil {
		branches = map[string]fleetChange{}
	}
	branches[c.branch()] = c
	return repoState{head: c.branch(), branches: branches}
}

// with is st with the branch of c (made, its commit complete) too.
func (st repoState) with(c fleetChange) repoState {
	st.branches = maps.Clone(st.branches)
	if st.branches == nil {
		st.branches = map[string]fleetChange{}
	}
	st.branches[c.branch()] = c
	return st
}

// check asserts, with the real git command, that the repo in dir (started as b) is in state st.
func (ff *faultFleet) check(t *testing.T, b *baseline, dir string, st repoState) {
	t.Helper()
	gitDir := filepath.Join(dir, ".git")

	// The journal of an interrupted write exactly when one is expected.
	journal := filepath.Join(gitDir, "fleetctl", "journal.json")
	if _, err := os.Stat(journal); (err == nil) != st.journal {
		t.Errorf("journal %s exists: %v, want %v", journal, err == nil, st.journal)
	}

	// No lock file of git's (index.lock, HEAD.lock, refs/heads/**.lock, packed-refs.lock) and no
	// temporary file half-written.
	var locks []string
	_ = filepath.WalkDir(gitDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && p == filepath.Join(gitDir, "objects") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".lock") || strings.HasSuffix(p, ".tmp")) {
			locks = append(locks, p)
		}
		return nil
	})
	if len(locks) > 0 {
		t.Errorf("lock files left behind: %s", strings.Join(locks, ", "))
	}

	// The working tree is clean: nothing modified, staged or untracked (ignored files included).
	status := fleettest.Git(t, dir, "status", "--porcelain", "--untracked-files=all", "--ignored")
	if status != "" && !st.journal {
		t.Errorf("git status --porcelain is not empty:\n%s", status)
	}

	// git fsck --strict finds nothing (dangling objects of a rolled back write are fine: they are
	// what git gc collects).
	if out, err := fleettest.GitErr(dir, "fsck", "--strict", "--no-dangling", "--no-progress"); err != nil || out != "" {
		t.Errorf("git fsck --strict: %v\n%s", err, out)
	}

	// HEAD is on the expected branch (never detached).
	if head, err := fleettest.GitErr(dir, "symbolic-ref", "HEAD"); err != nil || head != "refs/heads/"+st.head {
		t.Errorf("HEAD is %q (%v), want refs/heads/%s", head, err, st.head)
	}

	// main is untouched; the other branches are the expected ones, each one complete commit on main.
	refs := map[string]string{}
	for _, line := range strings.Split(fleettest.Git(t, dir, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/"), "\n") {
		if name, hash, ok := strings.Cut(line, " "); ok {
			refs[name] = hash
		}
	}
	if refs["main"] != ff.main {
		t.Errorf("main is at %q, want %s (untouched)", refs["main"], ff.main)
	}
	var others []string
	for name := range refs {
		if name == "main" {
			continue
		}
		if _, ok := st.branches[name]; !ok {
			t.Errorf("unexpected branch %s at %s", name, refs[name])
			continue
		}
		others = append(others, name)
	}
	for name := range st.branches {
		if _, ok := refs[name]; !ok {
			t.Errorf("branch %s is missing", name)
		}
	}
	if len(others) > 0 {
		sort.Strings(others)
		commits := branchCommits(t, dir, others)
		for _, name := range others {
			c, want := commits[refs[name]], st.branches[name]
			if len(c.parents) != 1 || c.parents[0] != ff.main {
				t.Errorf("branch %s: commit %s has parents %v, want exactly main (%s)", name, refs[name], c.parents, ff.main)
			}
			if got, exp := fmt.Sprint(c.files), fmt.Sprint(want.files()); got != exp {
				t.Errorf("branch %s: commit %s changes %s, want exactly %s", name, refs[name], got, exp)
			}
			if ref, ok := ff.refTree[want.String()]; ok && c.tree != ref {
				t.Errorf("branch %s: commit %s has tree %s, want %s (what an undisturbed %q commits)", name, refs[name], c.tree, ref, want)
			}
		}
	}

	switch {
	case st.untouched:
		if d := diffWorktree(b.tree, readWorktree(t, dir)); d != "" {
			t.Errorf("the working tree is not as it was before:\n%s", d)
		}
	case !st.journal:
		checkNoEmptyFolders(t, dir)
	}
}

// checkNoEmptyFolders asserts no folder of the working tree is empty: git does not see folders,
// so its status does not report one a write created and its rollback or checkout forgot.
func checkNoEmptyFolders(t *testing.T, dir string) {
	t.Helper()
	tree := readWorktree(t, dir)
	for p := range tree {
		if !strings.HasSuffix(p, "/") {
			continue
		}
		empty := true
		for q := range tree {
			if q != p && strings.HasPrefix(q, p) {
				empty = false
				break
			}
		}
		if empty {
			t.Errorf("empty folder left in the working tree: %s", p)
		}
	}
}

// commitInfo is a branch's commit as git log reads it.
type commitInfo struct {
	tree    string
	parents []string
	// files maps each path the commit changes (against its first parent) to git's status letter.
	files map[string]string
}

// branchCommits reads the tip commits of branches with one git log.
func branchCommits(t *testing.T, dir string, branches []string) map[string]commitInfo {
	t.Helper()
	args := append([]string{"log", "--no-walk=unsorted", "--no-renames", "--name-status", "--format=@%H %T %P"}, branches...)
	out := map[string]commitInfo{}
	var cur string
	for _, line := range strings.Split(fleettest.Git(t, dir, append(args, "--")...), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "@"):
			f := strings.Fields(line[1:])
			cur = f[0]
			out[cur] = commitInfo{tree: f[1], parents: f[2:], files: map[string]string{}}
		default:
			status, path, ok := strings.Cut(line, "\t")
			if !ok || cur == "" {
				t.Fatalf("git log: unexpected line %q", line)
			}
			out[cur].files[path] = status
		}
	}
	return out
}

// --- the suite ---

// The changes the signal and kill cases make: a new cluster, a pool of a cluster in the middle of
// the fleet, the removal of another.
var faultChanges = []fleetChange{
	{kind: "add", cluster: "fault-aks"},
	{kind: "scale", cluster: "c0100-aks"},
	{kind: "remove", cluster: "c0150-aks"},
}

// lockMessage is the error of a write the repo lock keeps out. The holder is named unless the
// lock file did not say it yet ("another fleetctl is running in this repo (lock ...)").
var lockMessage = regexp.MustCompile(`another fleetctl (\(pid [0-9]+, [^)]+\) )?is running in this repo`)

// TestFault is the fault-injection suite (see the top of the file). Its parts:
//
//   - signal/CMD/SIG/POINT: CMD stopped at POINT gets SIGINT or SIGTERM: before the journal it exits
//     at once with 130 or 143 and nothing written; during the write it rolls back and exits 130 or
//     143; at "done" the change is complete and it exits 0.
//   - kill/CMD/POINT: CMD stopped at POINT gets SIGKILL; the next command (CMD again) works when
//     no journal was left, else refuses naming the journal and fleetctl repair; fleetctl repair
//     then restores the repo as it was, and CMD run once more makes its one complete commit.
//   - from-branch/...: some of those with HEAD on an earlier write's branch, so that the write
//     also switches the working tree from it and the rollback must switch it back.
//   - stale-lock/STEP: SIGKILL as if in the middle of STEP, holding the git lock file it takes;
//     fleetctl repair removes the lock file too.
//   - read-after-kill/CMD: after a SIGKILL that left the working tree half-changed, the read
//     commands refuse too (fleetctl repair's help: "every later command refuses to run until it
//     is dealt with") instead of showing the half-made change as the fleet.
//   - lock/POINT: while a write is stopped at POINT, another write and fleetctl repair both fail
//     on the repo lock, naming the running write, and change nothing; a read command works or
//     fails on the lock too, never sending the user to fleetctl repair.
//   - concurrent: 20 rounds of 2 to 4 write commands started at once in one repo: each makes its
//     one complete commit or fails on the repo lock.
func TestFault(t *testing.T) {
	start := time.Now()
	logf := func(what string) { t.Logf("%s after %v", what, time.Since(start).Round(time.Millisecond)) }
	ff := newFaultFleet(t)
	logf(fmt.Sprintf("fleet of %d clusters made", faultClusters))

	// What each change commits when nothing disturbs it, from either baseline.
	for _, b := range []*baseline{ff.onMain, ff.onBranch} {
		for _, c := range faultChanges {
			dir := ff.repo(t, b)
			p := ff.run(t, dir, c.args()...)
			if code := p.state.ExitCode(); code != 0 {
				t.Fatalf("undisturbed %s: exit %d\n%s", c, code, p)
			}
			tree := fleettest.Git(t, dir, "rev-parse", c.branch()+"^{tree}")
			if ref, ok := ff.refTree[c.String()]; ok && ref != tree {
				t.Errorf("undisturbed %s with HEAD on %s: tree %s, with HEAD on main %s", c, b.head, tree, ref)
			}
			ff.refTree[c.String()] = tree
			ff.check(t, b, dir, completed(b, c))
			ff.done(t, b, dir, completed(b, c))
		}
	}
	if t.Failed() {
		return
	}
	logf("undisturbed runs done")

	t.Run("signal", func(t *testing.T) {
		for _, c := range faultChanges {
			for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
				for _, point := range faultPoints {
					t.Run(caseName(c)+"/"+sigName(sig)+"/"+point, func(t *testing.T) {
						t.Parallel()
						ff.signalCase(t, ff.onMain, c, sig, point)
					})
				}
			}
		}
	})
	logf("signal cases done")

	t.Run("kill", func(t *testing.T) {
		for _, c := range faultChanges {
			for _, point := range faultPoints {
				t.Run(caseName(c)+"/"+point, func(t *testing.T) {
					t.Parallel()
					ff.killCase(t, ff.onMain, c, point)
				})
			}
		}
	})
	logf("kill cases done")

	t.Run("from-branch", func(t *testing.T) {
		for _, c := range faultChanges {
			for _, point := range []string{"step-3", "step-4", "done"} {
				t.Run(caseName(c)+"/SIGTERM/"+point, func(t *testing.T) {
					t.Parallel()
					ff.signalCase(t, ff.onBranch, c, syscall.SIGTERM, point)
				})
			}
			for _, point := range []string{"step-3", "step-4"} {
				t.Run(caseName(c)+"/SIGKILL/"+point, func(t *testing.T) {
					t.Parallel()
					ff.killCase(t, ff.onBranch, c, point)
				})
			}
		}
	})
	logf("from-branch cases done")

	t.Run("stale-lock", func(t *testing.T) {
		for _, step := range []string{"step-1", "step-3", "step-4"} {
			t.Run(step, func(t *testing.T) {
				t.Parallel()
				ff.staleLockCase(t, faultChanges[1], step)
			})
		}
	})
	logf("stale-lock cases done")

	t.Run("read-after-kill", func(t *testing.T) {
		for _, c := range faultChanges {
			t.Run(caseName(c), func(t *testing.T) {
				t.Parallel()
				ff.readAfterKillCase(t, c)
			})
		}
	})
	logf("read-after-kill cases done")

	t.Run("lock", func(t *testing.T) {
		for _, point := range faultPoints {
			t.Run(point, func(t *testing.T) {
				t.Parallel()
				ff.lockCase(t, faultChanges[0], faultChanges[1], point)
			})
		}
	})
	logf("lock cases done")

	t.Run("concurrent", func(t *testing.T) { ff.concurrentCase(t, 20) })
	logf("concurrent rounds done")
}

func sigName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGKILL:
		return "SIGKILL"
	}
	return sig.String()
}

// signalCase stops c at point, sends sig, and checks the exit code, the message and the repo.
func (ff *faultFleet) signalCase(t *testing.T, b *baseline, c fleetChange, sig syscall.Signal, point string) {
	dir := ff.repo(t, b)
	p := ff.startPaused(t, dir, point, c.args()...)
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("sending %s: %v", sigName(sig), err)
	}
	p.wait(t)
	st := checkSignalled(t, b, p, c, sig, point)
	ff.check(t, b, dir, st)
	ff.done(t, b, dir, st)
}

// checkSignalled checks the exit code and the message of c that got sig at point, and returns the
// state the repo must be in.
func checkSignalled(t *testing.T, b *baseline, p *proc, c fleetChange, sig syscall.Signal, point string) repoState {
	t.Helper()
	code := p.state.ExitCode()
	t.Logf("%s at %s: exit %d", sigName(sig), point, code)
	switch {
	case point == "done":
		if code != 0 {
			t.Errorf("%s at done: exit %d, want 0 (the change was complete)\n%s", sigName(sig), code, p)
		}
		return completed(b, c)
	case inWrite(point):
		want := fmt.Sprintf("interrupted by %s: rolled back, the repo is as it was before", sigName(sig))
		if code != 128+int(sig) || !strings.Contains(p.stderr.String(), want) {
			t.Errorf("%s at %s: exit %d, want %d with %q\n%s", sigName(sig), point, code, 128+int(sig), want, p)
		}
	default:
		if code != 128+int(sig) || !strings.Contains(p.stderr.String(), "nothing was written") {
			t.Errorf("%s at %s: exit %d, want %d with \"nothing was written\"\n%s", sigName(sig), point, code, 128+int(sig), p)
		}
	}
	return untouched(b)
}

// kill SIGKILLs c stopped at point in dir and checks the repo right after: the journal is there
// exactly for a kill inside the write, and what the write did is exactly the steps before the point
// (step-N stops before step N: 1 the branch, 2 the working tree, 3 the index, 4 HEAD).
func (ff *faultFleet) kill(t *testing.T, b *baseline, dir string, c fleetChange, point string) *proc {
	t.Helper()
	p := ff.startPaused(t, dir, point, c.args()...)
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("sending SIGKILL: %v", err)
	}
	p.wait(t)
	if !p.killedBy(syscall.SIGKILL) {
		t.Fatalf("fleetctl was not killed by SIGKILL at %s: %v\n%s", point, p.state, p)
	}
	i := pointIndex(point)
	switch {
	case point == "done":
		ff.check(t, b, dir, completed(b, c))
	case inWrite(point):
		st := untouched(b)
		st.untouched, st.journal = false, true
		if i > pointIndex("step-1") {
			st = st.with(c)
		}
		ff.check(t, b, dir, st)
		status := fleettest.Git(t, dir, "status", "--porcelain", "--untracked-files=all")
		if dirty := status != ""; dirty != (i > pointIndex("step-2")) {
			t.Errorf("killed at %s: working tree or index changed: %v, want %v\n%s", point, dirty, i > pointIndex("step-2"), status)
		}
	default:
		ff.check(t, b, dir, untouched(b))
	}
	return p
}

// refusesForJournal checks that p refused to run because killed left its journal.
func refusesForJournal(t *testing.T, dir string, p, killed *proc) {
	t.Helper()
	journal := filepath.Join(dir, ".git", "fleetctl", "journal.json")
	msg := p.stderr.String()
	if code := p.state.ExitCode(); code != 1 || !strings.Contains(msg, "run fleetctl repair") || !strings.Contains(msg, journal) ||
		!strings.Contains(msg, fmt.Sprintf("pid %d", killed.cmd.Process.Pid)) {
		t.Errorf("with the journal of the killed write there: exit %d, want 1 naming the journal %s, the killed pid %d and fleetctl repair\n%s",
			code, journal, killed.cmd.Process.Pid, p)
	}
}

// killCase SIGKILLs c at point, runs the next command and fleetctl repair, and checks the repo after
// each.
func (ff *faultFleet) killCase(t *testing.T, b *baseline, c fleetChange, point string) {
	dir := ff.repo(t, b)
	killed := ff.kill(t, b, dir, c, point)
	if t.Failed() {
		return
	}

	// The next command: the same one again.
	before := readWorktree(t, dir)
	next := ff.run(t, dir, c.args()...)
	code := next.state.ExitCode()
	t.Logf("SIGKILL at %s; the same command again: exit %d", point, code)
	switch {
	case inWrite(point):
		refusesForJournal(t, dir, next, killed)
		if d := diffWorktree(before, readWorktree(t, dir)); d != "" {
			t.Errorf("the refused command changed the working tree:\n%s", d)
		}
	case point == "done":
		if code != 0 || !strings.Contains(next.stdout.String(), "already holds this change") {
			t.Errorf("after SIGKILL at done, the same command again: exit %d, want 0 with \"already holds this change\"\n%s", code, next)
		}
	default:
		if code != 0 {
			t.Errorf("after SIGKILL at %s (before the journal), the same command again: exit %d, want 0\n%s", point, code, next)
		}
	}

	// fleetctl repair.
	rep := ff.run(t, dir, "repair")
	t.Logf("then fleetctl repair: exit %d", rep.state.ExitCode())
	if code := rep.state.ExitCode(); code != 0 {
		t.Fatalf("fleetctl repair: exit %d\n%s", code, rep)
	}
	if !inWrite(point) {
		// No journal: the next command made the change (or found it made), and repair did nothing.
		if !strings.Contains(rep.stdout.String(), "nothing to repair") {
			t.Errorf("fleetctl repair without a journal: want \"nothing to repair\"\n%s", rep)
		}
		ff.check(t, b, dir, completed(b, c))
		ff.done(t, b, dir, completed(b, c))
		return
	}
	if want := "undid the interrupted fleetctl " + c.command(); !strings.Contains(rep.stdout.String(), want) {
		t.Errorf("fleetctl repair: want %q\n%s", want, rep)
	}
	ff.check(t, b, dir, untouched(b))
	if t.Failed() {
		return
	}

	// After the repair the repo is as good as new: the command makes its commit.
	again := ff.run(t, dir, c.args()...)
	t.Logf("then the same command: exit %d", again.state.ExitCode())
	if code := again.state.ExitCode(); code != 0 {
		t.Errorf("after the repair, the same command: exit %d, want 0\n%s", code, again)
	}
	ff.check(t, b, dir, completed(b, c))
	ff.done(t, b, dir, completed(b, c))
}

// staleLockCase SIGKILLs c at step, then leaves the git lock file that step takes, as a process
// killed in the middle of the step does (half-written); the next command refuses for the journal,
// and fleetctl repair restores the repo and removes the lock file.
func (ff *faultFleet) staleLockCase(t *testing.T, c fleetChange, step string) {
	b := ff.onMain
	dir := ff.repo(t, b)
	killed := ff.kill(t, b, dir, c, step)
	if t.Failed() {
		return
	}
	lock := map[string]string{
		"step-1": filepath.Join(".git", "refs", "heads", filepath.FromSlash(c.branch())+".lock"), // CreateBranch
		"step-3": filepath.Join(".git", "index.lock"),                                            // UpdateIndex
		"step-4": filepath.Join(".git", "HEAD.lock"),                                             // SetHead
	}[step]
	lock = filepath.Join(dir, lock)
	if err := os.MkdirAll(filepath.Dir(lock), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lock, []byte("half-writ"), 0o644); err != nil {
		t.Fatal(err)
	}
	refusesForJournal(t, dir, ff.run(t, dir, c.args()...), killed)
	rep := ff.run(t, dir, "repair")
	t.Logf("SIGKILL at %s, %s left; fleetctl repair: exit %d", step, filepath.Base(lock), rep.state.ExitCode())
	if code := rep.state.ExitCode(); code != 0 {
		t.Fatalf("fleetctl repair: exit %d\n%s", code, rep)
	}
	ff.check(t, b, dir, untouched(b))
	again := ff.run(t, dir, c.args()...)
	if code := again.state.ExitCode(); code != 0 {
		t.Errorf("after the repair, the same command: exit %d, want 0\n%s", code, again)
	}
	ff.check(t, b, dir, completed(b, c))
	ff.done(t, b, dir, completed(b, c))
}

// readAfterKillCase SIGKILLs c at step-3 (the branch made, the working tree written, the index and
// HEAD not yet) and runs read commands, which must refuse as the writes do; then repairs.
func (ff *faultFleet) readAfterKillCase(t *testing.T, c fleetChange) {
	b := ff.onMain
	dir := ff.repo(t, b)
	killed := ff.kill(t, b, dir, c, "step-3")
	if t.Failed() {
		return
	}
	for _, args := range [][]string{{"cluster", "list"}, {"cluster", "show", c.cluster}, {"nodepool", "list", c.cluster}} {
		p := ff.run(t, dir, args...)
		t.Logf("SIGKILL at step-3; fleetctl %s: exit %d", strings.Join(args, " "), p.state.ExitCode())
		refusesForJournal(t, dir, p, killed)
	}
	if rep := ff.run(t, dir, "repair"); rep.state.ExitCode() != 0 {
		t.Fatalf("fleetctl repair: exit %d\n%s", rep.state.ExitCode(), rep)
	}
	ff.check(t, b, dir, untouched(b))
	ff.done(t, b, dir, untouched(b))
}

// lockCase stops the write a at point and, while it holds the repo lock, runs the write bc and
// fleetctl repair, which must fail on the lock, naming a, and cluster list, which may work; none
// may change anything. Then a gets SIGTERM.
func (ff *faultFleet) lockCase(t *testing.T, a, bc fleetChange, point string) {
	b := ff.onMain
	dir := ff.repo(t, b)
	pa := ff.startPaused(t, dir, point, a.args()...)
	want := fmt.Sprintf("another fleetctl (pid %d, %s) is running in this repo", pa.cmd.Process.Pid, a.command())
	before := readWorktree(t, dir)
	refs := fleettest.Git(t, dir, "for-each-ref", "refs/heads/")
	for _, args := range [][]string{bc.args(), {"repair"}} {
		p := ff.run(t, dir, args...)
		t.Logf("%s stopped at %s; fleetctl %s: exit %d", a, point, strings.Join(args, " "), p.state.ExitCode())
		if code := p.state.ExitCode(); code != 1 || !strings.Contains(p.stderr.String(), want) {
			t.Errorf("while %s is stopped at %s: exit %d, want 1 with %q\n%s", a, point, code, want, p)
		}
	}
	// A read command does not take the lock: it may read the fleet while no write has changed it
	// yet (or after it is done), but must not take the running write's journal for one left by a
	// write that died, and send the user to fleetctl repair while the write is still running.
	p := ff.run(t, dir, "cluster", "list")
	t.Logf("%s stopped at %s; fleetctl cluster list: exit %d", a, point, p.state.ExitCode())
	if code := p.state.ExitCode(); code != 0 && (code != 1 || !strings.Contains(p.stderr.String(), want)) {
		t.Errorf("while %s is stopped at %s: exit %d, want 0, or 1 with %q\n%s", a, point, code, want, p)
	}
	if d := diffWorktree(before, readWorktree(t, dir)); d != "" {
		t.Errorf("the refused commands changed the working tree:\n%s", d)
	}
	if got := fleettest.Git(t, dir, "for-each-ref", "refs/heads/"); got != refs {
		t.Errorf("the refused commands changed the branches:\n%s\nwant\n%s", got, refs)
	}
	if err := pa.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("sending SIGTERM: %v", err)
	}
	pa.wait(t)
	st := checkSignalled(t, b, pa, a, syscall.SIGTERM, point)
	ff.check(t, b, dir, st)
	ff.done(t, b, dir, st)
}

// concurrentCase runs rounds of 2 to 4 write commands started at once, all in one repo (so later
// rounds start with HEAD on an earlier round's branch), and checks after each round that every
// command either made its one complete commit or failed on the repo lock.
func (ff *faultFleet) concurrentCase(t *testing.T, rounds int) {
	b := ff.onMain
	dir := ff.repo(t, b)
	made := map[string]fleetChange{} // the branches made so far
	head := b.head
	nextAdd, nextScale, nextRemove := 0, 10, faultClusters-1
	tally := map[string]int{}
	for r := range rounds {
		var cmds []fleetChange
		for k := range 2 + r%3 {
			switch (r + k) % 3 {
			case 0:
				cmds = append(cmds, fleetChange{kind: "add", cluster: fmt.Sprintf("new%02d-aks", nextAdd)})
				nextAdd++
			case 1:
				cmds = append(cmds, fleetChange{kind: "scale", cluster: fmt.Sprintf("c%04d-aks", nextScale)})
				nextScale++
			default:
				cmds = append(cmds, fleetChange{kind: "remove", cluster: fmt.Sprintf("c%04d-aks", nextRemove)})
				nextRemove--
			}
		}
		// Start them together: each goroutine waits at the gate, then starts its process.
		procs := make([]*proc, len(cmds))
		errs := make([]error, len(cmds))
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i, c := range cmds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				procs[i], errs[i] = ff.startErr(dir, ff.env(), c.args()...)
			}()
		}
		close(gate)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				for _, p := range procs {
					if p != nil {
						p.wait(t)
					}
				}
				t.Fatalf("round %d: %s: %v", r+1, cmds[i], err)
			}
		}
		var ok []string
		for i, p := range procs {
			code := p.wait(t)
			switch {
			case code == 0:
				ok = append(ok, cmds[i].branch())
				made[cmds[i].branch()] = cmds[i]
				tally["exit 0"]++
			case code == 1 && lockMessage.MatchString(p.stderr.String()):
				tally["exit 1 on the repo lock"]++
				if !strings.Contains(p.stderr.String(), "(pid ") {
					tally["  of which the holder unnamed"]++
				}
			default:
				msg, _, _ := strings.Cut(strings.TrimPrefix(p.stderr.String(), "Error: "), " (")
				tally[fmt.Sprintf("exit %d %q", code, msg)]++
				t.Errorf("round %d: %s: exit %d, want 0, or 1 with the repo lock message\n%s", r+1, cmds[i], code, p)
			}
		}
		if len(ok) > 0 {
			// HEAD is on the branch of the write that finished last; which one that is, the
			// commands' output does not say: take it from git and check it is one of them.
			h := strings.TrimPrefix(fleettest.Git(t, dir, "symbolic-ref", "HEAD"), "refs/heads/")
			if !slices.Contains(ok, h) {
				t.Errorf("round %d: HEAD is on %s, want one of this round's new branches %v", r+1, h, ok)
			}
			head = h
		}
		failed := t.Failed()
		ff.check(t, b, dir, repoState{head: head, branches: made})
		if t.Failed() && !failed {
			t.Fatalf("round %d (%v): the repo is not as it must be; stopping", r+1, cmds)
		}
	}
	var keys []string
	for k, v := range tally {
		keys = append(keys, fmt.Sprintf("%s: %d", k, v))
	}
	sort.Strings(keys)
	t.Logf("%d rounds: %s; %d branches made", rounds, strings.Join(keys, ", "), len(made))
}
