package change

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
	"github.com/fleetctl/fleetctl/pkg/fsx"
)

// wavePlans are three changes of c/old/values.yaml and a new file each, one per branch.
func wavePlans() []BranchPlan {
	var out []BranchPlan
	for _, w := range []string{"canary", "early", "broad"} {
		out = append(out, BranchPlan{Branch: "fleetctl/up-wave-" + w, Plan: &Plan{
			Changes: []fsx.Change{{Path: "c/" + w + "/values.yaml", Content: []byte("name: " + w + "\n")}},
			Message: "Wave " + w,
		}})
	}
	return out
}

func applyBranches(t *testing.T, o Options, plans []BranchPlan) (*Session, []*Result, error) {
	t.Helper()
	repo := newRepo(t)
	s, err := Open(repo, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.ApplyBranches(plans, sig, sig)
	return s, res, err
}

// noWaveBranches fails when a wave branch exists or the checkout moved.
func noWaveBranches(t *testing.T, s *Session, head string) {
	t.Helper()
	for _, p := range wavePlans() {
		if ok, _ := s.Repo.BranchExists(p.Branch); ok {
			t.Errorf("branch %s left behind", p.Branch)
		}
	}
	if got := fleettest.Git(t, s.Repo.Root(), "rev-parse", "HEAD"); got != head {
		t.Errorf("HEAD moved to %s", got)
	}
	clean(t, s.Repo)
}

func TestApplyBranchesEachFromTheBase(t *testing.T) {
	s, res, err := applyBranches(t, Options{Command: "waves"}, wavePlans())
	if err != nil {
		t.Fatal(err)
	}
	root := s.Repo.Root()
	base := fleettest.Git(t, root, "rev-parse", "main")
	for i, p := range wavePlans() {
		if res[i].Branch != p.Branch || res[i].Commit == "" {
			t.Fatalf("result %d: %+v", i, res[i])
		}
		if parent := fleettest.Git(t, root, "rev-parse", p.Branch+"^"); parent != base {
			t.Errorf("%s starts from %s, want main %s", p.Branch, parent, base)
		}
		// Only that wave's file: the real git reads what was written.
		files := fleettest.Git(t, root, "diff", "--name-only", "main", p.Branch)
		if want := strings.TrimPrefix(p.Plan.Changes[0].Path, ""); files != want {
			t.Errorf("%s changes %q, want %q", p.Branch, files, want)
		}
	}
	// The checkout did not move: HEAD on main, the working tree and the index clean.
	if h := fleettest.Git(t, root, "rev-parse", "--abbrev-ref", "HEAD"); h != "main" {
		t.Errorf("HEAD on %s", h)
	}
	if _, err := os.Stat(root + "/c/canary/values.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the working tree got a wave's file: %v", err)
	}
	clean(t, s.Repo)
	// The same change again: every branch holds it already.
	s2, err := Open(s.Repo, Options{Command: "waves"})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	again, err := s2.ApplyBranches(wavePlans(), sig, sig)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range again {
		if r.Existing != wavePlans()[i].Branch || r.Branch != "" {
			t.Errorf("second run %d: %+v", i, r)
		}
	}
}

// One wave refused by its check: no branch at all, not even the waves before it.
func TestApplyBranchesRefusalWritesNothing(t *testing.T) {
	plans := wavePlans()
	plans[2].Plan.Check = func(fs.FS) ([]string, error) { return nil, errors.New("version skew") }
	s, _, err := applyBranches(t, Options{Command: "waves"}, plans)
	if err == nil || !strings.Contains(err.Error(), "branch fleetctl/up-wave-broad: version skew") {
		t.Fatalf("want the wave's refusal, got %v", err)
	}
	noWaveBranches(t, s, fleettest.Git(t, s.Repo.Root(), "rev-parse", "main"))

	// An existing branch of another change under a wave's name refuses them all too.
	repo := s.Repo
	fleettest.Git(t, repo.Root(), "branch", "fleetctl/up-wave-early")
	s2, err := Open(repo, Options{Command: "waves"})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	_, err = s2.ApplyBranches(wavePlans(), sig, sig)
	var be *BranchExistsError
	if !errors.As(err, &be) || be.Branch != "fleetctl/up-wave-early" {
		t.Fatalf("want BranchExistsError, got %v", err)
	}
	for _, b := range []string{"fleetctl/up-wave-canary", "fleetctl/up-wave-broad"} {
		if ok, _ := repo.BranchExists(b); ok {
			t.Errorf("%s created", b)
		}
	}
}

func TestApplyBranchesDryRun(t *testing.T) {
	s, res, err := applyBranches(t, Options{Command: "waves", DryRun: true}, wavePlans())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || !res[0].DryRun || len(res[0].Files) != 1 || res[0].Branch != "" {
		t.Fatalf("dry run results: %+v", res[0])
	}
	noWaveBranches(t, s, fleettest.Git(t, s.Repo.Root(), "rev-parse", "main"))
}

// A crash after each branch: the journal names the write and repair deletes every branch made.
func TestApplyBranchesRepairAfterCrash(t *testing.T) {
	for step := 1; step <= 3; step++ {
		t.Run(strings.Repeat("x", step), func(t *testing.T) {
			crashAfterStep = step
			s, _, err := applyBranches(t, Options{Command: "cluster upgrade -l env=prod"}, wavePlans())
			crashAfterStep = 0
			if !errors.Is(err, errCrash) {
				t.Fatalf("want the simulated crash, got %v", err)
			}
			if ok, _ := s.Repo.BranchExists("fleetctl/up-wave-canary"); !ok {
				t.Fatal("the crash happened before the first branch")
			}
			j, err := ReadJournal(s.Repo)
			if err != nil || j == nil || len(j.Branches) != 3 || j.Version != journalBranchesVersion {
				t.Fatalf("journal: %+v %v", j, err)
			}
			if _, err := Repair(s.Repo); err != nil {
				t.Fatal(err)
			}
			noWaveBranches(t, s, fleettest.Git(t, s.Repo.Root(), "rev-parse", "main"))
		})
	}
}

// SIGINT between two branches: both undone, exit 130.
func TestApplyBranchesSignalRollsBack(t *testing.T) {
	pauseAt = []string{"step-2"}
	defer func() { pauseAt = nil }()
	go func() {
		time.Sleep(200 * time.Millisecond)
		_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
	}()
	s, _, err := applyBranches(t, Options{Command: "waves", Exit: func(os.Signal, bool) { t.Error("exited outside the write") }}, wavePlans())
	var ie *InterruptedError
	if !errors.As(err, &ie) || ie.ExitCode() != 130 || ie.Err != nil {
		t.Fatalf("want a clean rollback with exit 130, got %v", err)
	}
	noWaveBranches(t, s, fleettest.Git(t, s.Repo.Root(), "rev-parse", "main"))
}

// A branch that cannot be created (a ref lock held by git): the ones made before are deleted.
func TestApplyBranchesFailedStepRollsBack(t *testing.T) {
	repo := newRepo(t)
	lock := repo.LockPaths("fleetctl/up-wave-broad")[2]
	if err := os.MkdirAll(lock[:strings.LastIndex(lock, "/")], 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(repo, Options{Command: "waves"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.ApplyBranches(wavePlans(), sig, sig)
	os.Remove(lock)
	if err == nil {
		t.Fatal("the locked branch was created")
	}
	noWaveBranches(t, s, fleettest.Git(t, repo.Root(), "rev-parse", "main"))
}
