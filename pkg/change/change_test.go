package change

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

var sig = gitrepo.Signature{Name: "T", Email: "t@example.com", When: time.Unix(1_800_000_000, 0)}

// newRepo makes a repo with one commit on main: list.yaml and c/old/values.yaml.
func newRepo(t *testing.T) *gitrepo.Repo {
	t.Helper()
	fleettest.RequireGit(t)
	root := t.TempDir()
	repo, err := gitrepo.Init(root, "main")
	if err != nil {
		t.Fatal(err)
	}
	write(t, repo, "list.yaml", "resources: [old]\n")
	write(t, repo, "c/old/values.yaml", "name: old\n")
	if _, err := repo.Commit("", []string{"list.yaml", "c"}, "first", sig, sig); err != nil {
		t.Fatal(err)
	}
	return repo
}

func write(t *testing.T, repo *gitrepo.Repo, p, content string) {
	t.Helper()
	full := filepath.Join(repo.Root(), filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, repo *gitrepo.Repo, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo.Root(), filepath.FromSlash(p)))
	if err != nil {
		return "<missing>"
	}
	return string(b)
}

// addPlan adds cluster name: its folder and its list entry (written whole for the test).
func addPlan(name, list string) *Plan {
	return &Plan{
		Changes:  []fsx.Change{{Path: "c/" + name + "/values.yaml", Content: []byte("name: " + name + "\n")}, {Path: "list.yaml", Content: []byte(list)}},
		Touched:  []string{"c/" + name, "list.yaml"},
		Clusters: []string{name},
		Branch:   "fleetctl/add-" + name,
		Message:  "Add " + name,
		NoOp:     name + " is there",
	}
}

func apply(t *testing.T, repo *gitrepo.Repo, o Options, p *Plan) (*Result, error) {
	t.Helper()
	s, err := Open(repo, o)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Apply(p, sig, sig)
}

// clean checks with the real git that the repo is consistent: nothing uncommitted, fsck clean, no
// lock file left.
func clean(t *testing.T, repo *gitrepo.Repo) {
	t.Helper()
	if st := fleettest.Git(t, repo.Root(), "status", "--porcelain"); st != "" {
		t.Errorf("git status --porcelain:\n%s", st)
	}
	fleettest.Git(t, repo.Root(), "fsck", "--strict")
	for _, l := range repo.LockPaths("") {
		if _, err := os.Stat(l); err == nil {
			t.Errorf("%s left behind", l)
		}
	}
	if j, err := ReadJournal(repo); err != nil || j != nil {
		t.Errorf("journal left behind: %v %v", j, err)
	}
}

func TestApplyCommitsOnABranchFromTheBase(t *testing.T) {
	repo := newRepo(t)
	main := fleettest.Git(t, repo.Root(), "rev-parse", "main")
	res, err := apply(t, repo, Options{Command: "add a"}, addPlan("a", "resources: [old, a]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Branch != "fleetctl/add-a" || res.Base.Ref != "main" || res.Base.Commit != main || len(res.Files) != 2 {
		t.Fatalf("result %+v", res)
	}
	if b := fleettest.Git(t, repo.Root(), "rev-parse", "--abbrev-ref", "HEAD"); b != "fleetctl/add-a" {
		t.Fatalf("HEAD on %s", b)
	}
	if p := fleettest.Git(t, repo.Root(), "rev-parse", "HEAD~1"); p != main {
		t.Fatalf("parent %s, want main %s", p, main)
	}
	clean(t, repo)

	// The second change starts from main again, not from the first one's branch: its pull request
	// holds only its own change, and the working tree follows it.
	res, err = apply(t, repo, Options{Command: "add b"}, addPlan("b", "resources: [old, b]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if mb := fleettest.Git(t, repo.Root(), "merge-base", "main", "fleetctl/add-b"); mb != main {
		t.Fatalf("merge base %s, want main %s", mb, main)
	}
	if got := fleettest.Git(t, repo.Root(), "diff", "--name-only", "main", "HEAD"); got != "c/b/values.yaml\nlist.yaml" {
		t.Fatalf("branch b changes %q", got)
	}
	if read(t, repo, "c/a/values.yaml") != "<missing>" || strings.Join(res.Switched, ",") != "c/a/values.yaml" {
		t.Fatalf("the working tree still has a's folder (switched %v)", res.Switched)
	}
	clean(t, repo)

	// --from HEAD stacks on the current branch.
	if _, err = apply(t, repo, Options{Command: "add c", From: "HEAD"}, addPlan("c", "resources: [old, b, c]\n")); err != nil {
		t.Fatal(err)
	}
	if p := fleettest.Git(t, repo.Root(), "rev-parse", "HEAD~1"); p != fleettest.Git(t, repo.Root(), "rev-parse", "fleetctl/add-b") {
		t.Fatalf("--from HEAD: parent %s is not branch b", p)
	}
	clean(t, repo)
}

func TestApplySwitchesOtherFilesToTheBase(t *testing.T) {
	repo := newRepo(t)
	fleettest.Git(t, repo.Root(), "checkout", "-q", "-b", "work")
	write(t, repo, "notes.txt", "mine\n")
	fleettest.Git(t, repo.Root(), "add", "notes.txt")
	fleettest.Git(t, repo.Root(), "commit", "-q", "-m", "notes")
	res, err := apply(t, repo, Options{Command: "add a"}, addPlan("a", "resources: [old, a]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Switched, ",") != "notes.txt" || read(t, repo, "notes.txt") != "<missing>" {
		t.Fatalf("switched %v; notes.txt %q", res.Switched, read(t, repo, "notes.txt"))
	}
	clean(t, repo)
	// An uncommitted change in a file the switch would overwrite is refused before anything.
	fleettest.Git(t, repo.Root(), "checkout", "-q", "work")
	write(t, repo, "notes.txt", "edited\n")
	_, err = apply(t, repo, Options{Command: "add b"}, addPlan("b", "resources: [old, b]\n"))
	var dirty *DirtyError
	if !errors.As(err, &dirty) || dirty.Switch != "main" || dirty.Paths[0] != "notes.txt" {
		t.Fatalf("want a DirtyError about the switch, got %v", err)
	}
	if !strings.Contains(err.Error(), "--from HEAD") || read(t, repo, "notes.txt") != "edited\n" {
		t.Fatalf("message %q; notes.txt %q", err, read(t, repo, "notes.txt"))
	}
}

func TestApplyOnDetachedHead(t *testing.T) {
	repo := newRepo(t)
	fleettest.Git(t, repo.Root(), "checkout", "-q", "--detach", "main")
	if _, err := apply(t, repo, Options{Command: "add a", Branch: "ci/add-a"}, addPlan("a", "resources: [old, a]\n")); err != nil {
		t.Fatal(err)
	}
	if b := fleettest.Git(t, repo.Root(), "rev-parse", "--abbrev-ref", "HEAD"); b != "ci/add-a" {
		t.Fatalf("HEAD on %s", b)
	}
	clean(t, repo)
}

func TestDirtyCheckComesBeforeNothingToChange(t *testing.T) {
	repo := newRepo(t)
	// An interrupted edit left the change lying uncommitted: that is not "already done".
	write(t, repo, "list.yaml", "resources: [old, a]\n")
	write(t, repo, "c/a/values.yaml", "name: a\n")
	_, err := apply(t, repo, Options{Command: "add a"}, addPlan("a", "resources: [old, a]\n"))
	var dirty *DirtyError
	if !errors.As(err, &dirty) {
		t.Fatalf("want DirtyError, got %v", err)
	}
	// --no-commit works on the working tree as it is: there the change is already made.
	res, err := apply(t, repo, Options{Command: "add a", NoCommit: true}, addPlan("a", "resources: [old, a]\n"))
	if err != nil || res.NoOp != "a is there" {
		t.Fatalf("no-commit on the edited tree: %+v %v", res, err)
	}
}

func TestSameChangeAgainIsNothingToChange(t *testing.T) {
	repo := newRepo(t)
	if _, err := apply(t, repo, Options{Command: "add a"}, addPlan("a", "resources: [old, a]\n")); err != nil {
		t.Fatal(err)
	}
	res, err := apply(t, repo, Options{Command: "add a"}, addPlan("a", "resources: [old, a]\n"))
	if err != nil || !strings.Contains(res.NoOp, "already holds this change") {
		t.Fatalf("rerun: %+v %v", res, err)
	}
	// Another change on the same branch name is refused with the way out.
	_, err = apply(t, repo, Options{Command: "add a"}, addPlan("a", "resources: [a]\n"))
	var exists *BranchExistsError
	if !errors.As(err, &exists) {
		t.Fatalf("want BranchExistsError, got %v", err)
	}
}

func TestCheckFailureWritesNothing(t *testing.T) {
	repo := newRepo(t)
	p := addPlan("a", "resources: [old, a]\n")
	var seen string
	p.Check = func(view fs.FS) ([]string, error) {
		b, err := fs.ReadFile(view, "list.yaml")
		seen = string(b)
		if err != nil {
			return nil, err
		}
		return nil, errors.New("invalid")
	}
	for _, o := range []Options{{Command: "add a"}, {Command: "add a", DryRun: true}, {Command: "add a", NoCommit: true}} {
		if _, err := apply(t, repo, o, p); err == nil || err.Error() != "invalid" {
			t.Fatalf("%+v: want the check's error, got %v", o, err)
		}
		if seen != "resources: [old, a]\n" {
			t.Fatalf("%+v: the check saw %q, not the tree as the plan leaves it", o, seen)
		}
		if read(t, repo, "c/a/values.yaml") != "<missing>" {
			t.Fatalf("%+v: written despite the failed check", o)
		}
	}
	clean(t, repo)
}

// A step that fails undoes the ones before it: here the index is locked by "another git".
func TestFailedStepRollsBack(t *testing.T) {
	repo := newRepo(t)
	head := fleettest.Git(t, repo.Root(), "rev-parse", "HEAD")
	lock := filepath.Join(repo.GitDir(), "index.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := apply(t, repo, Options{Command: "add a"}, addPlan("a", "resources: [old, a]\n"))
	if err == nil || !strings.Contains(err.Error(), "index.lock") {
		t.Fatalf("want the index lock error, got %v", err)
	}
	os.Remove(lock)
	if read(t, repo, "c/a/values.yaml") != "<missing>" || read(t, repo, "list.yaml") != "resources: [old]\n" {
		t.Fatal("files not rolled back")
	}
	if ok, _ := repo.BranchExists("fleetctl/add-a"); ok {
		t.Fatal("branch not deleted")
	}
	if h := fleettest.Git(t, repo.Root(), "rev-parse", "--abbrev-ref", "HEAD"); h != "main" || fleettest.Git(t, repo.Root(), "rev-parse", "HEAD") != head {
		t.Fatalf("HEAD moved: %s", h)
	}
	clean(t, repo)
}

// A process that dies mid-write leaves its journal: the next write refuses, naming it, and Repair
// puts everything back.
func TestRepairAfterCrash(t *testing.T) {
	for step := 1; step <= 4; step++ {
		t.Run(strings.Repeat("x", step), func(t *testing.T) {
			repo := newRepo(t)
			head := fleettest.Git(t, repo.Root(), "rev-parse", "HEAD")
			crashAfterStep = step
			_, err := apply(t, repo, Options{Command: "add a"}, addPlan("a", "resources: [old, a]\n"))
			crashAfterStep = 0
			if !errors.Is(err, errCrash) {
				t.Fatalf("want the simulated crash, got %v", err)
			}
			_, err = apply(t, repo, Options{Command: "add b"}, addPlan("b", "resources: [old, b]\n"))
			var iw *InterruptedWriteError
			if !errors.As(err, &iw) || iw.Journal.Command != "add a" || !strings.Contains(err.Error(), "fleetctl repair") {
				t.Fatalf("want InterruptedWriteError naming the write, got %v", err)
			}
			res, err := Repair(repo)
			if err != nil || res.Journal == nil {
				t.Fatalf("repair: %+v %v", res, err)
			}
			if ok, _ := repo.BranchExists("fleetctl/add-a"); ok {
				t.Error("branch not deleted")
			}
			if h := fleettest.Git(t, repo.Root(), "rev-parse", "--abbrev-ref", "HEAD"); h != "main" || fleettest.Git(t, repo.Root(), "rev-parse", "HEAD") != head {
				t.Errorf("HEAD not restored: %s", h)
			}
			if read(t, repo, "c/a/values.yaml") != "<missing>" || read(t, repo, "list.yaml") != "resources: [old]\n" {
				t.Error("files not restored")
			}
			clean(t, repo)
			if res, err := Repair(repo); err != nil || res.Journal != nil {
				t.Errorf("second repair: %+v %v", res, err)
			}
		})
	}
}

// SIGINT during the write: the signal waits for the step under way, then everything is undone.
func TestSignalDuringWriteRollsBack(t *testing.T) {
	for _, step := range []string{"journal", "step-2", "step-4"} {
		t.Run(step, func(t *testing.T) {
			repo := newRepo(t)
			pauseAt = []string{step}
			defer func() { pauseAt = nil }()
			go func() {
				time.Sleep(200 * time.Millisecond)
				_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
			}()
			_, err := apply(t, repo, Options{Command: "add a", Exit: func(os.Signal, bool) { t.Error("exited outside the write") }}, addPlan("a", "resources: [old, a]\n"))
			var ie *InterruptedError
			if !errors.As(err, &ie) || ie.ExitCode() != 130 || ie.Err != nil {
				t.Fatalf("want a clean rollback with exit 130, got %v", err)
			}
			if ok, _ := repo.BranchExists("fleetctl/add-a"); ok || read(t, repo, "c/a/values.yaml") != "<missing>" {
				t.Fatal("not rolled back")
			}
			clean(t, repo)
		})
	}
}

func TestLock(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "lock")
	l, err := AcquireLock(p, "cluster add a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AcquireLock(p, "cluster add b"); err == nil {
		t.Fatal("second lock taken")
	} else {
		var le *LockedError
		if !errors.As(err, &le) || le.Holder.PID != os.Getpid() || !strings.Contains(err.Error(), "cluster add a") {
			t.Fatalf("want a LockedError naming the holder, got %v", err)
		}
	}
	l.Release()
	l2, err := AcquireLock(p, "cluster add b")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()
}

// TestLockHolder is the other process of TestLockOfAKilledProcessIsTakenOver: with LOCK_HOLDER set
// it takes the lock there, says so and waits to be killed.
func TestLockHolder(t *testing.T) {
	p := os.Getenv("LOCK_HOLDER")
	if p == "" {
		return
	}
	if _, err := AcquireLock(p, "cluster add x"); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("locked\n")
	time.Sleep(30 * time.Second)
}

// A lock whose holder was killed is taken over: the kernel drops the advisory lock with the process.
func TestLockOfAKilledProcessIsTakenOver(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHolder$")
	cmd.Env = append(os.Environ(), "LOCK_HOLDER="+p)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := io.ReadFull(out, buf); err != nil || string(buf) != "locked\n" {
		t.Fatalf("holder: %q %v", buf, err)
	}
	_, err = AcquireLock(p, "probe")
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.PID != cmd.Process.Pid || le.Holder.Command != "cluster add x" {
		t.Fatalf("while the holder runs: %v", err)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	l, err := AcquireLock(p, "cluster add y")
	if err != nil {
		t.Fatalf("lock of a killed process not taken over: %v", err)
	}
	l.Release()
}

func TestResolveBase(t *testing.T) {
	repo := newRepo(t)
	b, err := ResolveBase(repo, "", "")
	if err != nil || b.Ref != "main" {
		t.Fatalf("default: %+v %v", b, err)
	}
	if _, err := ResolveBase(repo, "nope", ""); err == nil || !strings.Contains(err.Error(), `--from "nope"`) {
		t.Fatalf("bad --from: %v", err)
	}
	if _, err := ResolveBase(repo, "", "trunk"); err == nil || !strings.Contains(err.Error(), `git.baseBranch "trunk"`) {
		t.Fatalf("bad configured base: %v", err)
	}
	fleettest.Git(t, repo.Root(), "branch", "-m", "main", "trunk")
	if _, err := ResolveBase(repo, "", ""); err == nil || !strings.Contains(err.Error(), "--from") {
		t.Fatalf("no base branch: %v", err)
	}
	if b, err := ResolveBase(repo, "", "trunk"); err != nil || b.Ref != "trunk" {
		t.Fatalf("configured base: %+v %v", b, err)
	}
}
