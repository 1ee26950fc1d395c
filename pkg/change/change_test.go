package change

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

var sig = gitrepo.Signature{Name: "T", Email: "t@example.com", When: time.Unix(1_800_000_000, 0)}

func newRepo(t *testing.T) *gitrepo.Repo {
	t.Helper()
	root := t.TempDir()
	repo, err := gitrepo.Init(root, "main")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "list.yaml"), []byte("resources: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Commit("", []string{"list.yaml"}, "first", sig, sig); err != nil {
		t.Fatal(err)
	}
	return repo
}

func read(t *testing.T, repo *gitrepo.Repo, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo.Root(), p))
	if err != nil {
		return "<missing>"
	}
	return string(b)
}

func plan(branch string) Plan {
	return Plan{
		Changes: []fsx.Change{{Path: "c/a/values.yaml", Content: []byte("name: a\n")}, {Path: "list.yaml", Content: []byte("resources: [a]\n")}},
		Touched: []string{"c/a", "list.yaml"},
		Branch:  branch, Message: "Add a", Commit: true,
	}
}

func TestApplyCommitsOnNewBranch(t *testing.T) {
	repo := newRepo(t)
	res, err := Apply(repo, plan("fleetctl/add-a"), sig, sig)
	if err != nil {
		t.Fatal(err)
	}
	if res.Branch != "fleetctl/add-a" || len(res.Commit) != 40 || strings.Join(res.Paths, ",") != "c/a/values.yaml,list.yaml" {
		t.Fatalf("result %+v", res)
	}
	if b, _ := repo.CurrentBranch(); b != "fleetctl/add-a" {
		t.Fatalf("HEAD on %q", b)
	}
	if dirty, _ := repo.Dirty([]string{"c", "list.yaml"}); len(dirty) != 0 {
		t.Fatalf("committed paths still dirty: %v", dirty)
	}
}

func TestApplyRefusesDirtyAndExistingBranch(t *testing.T) {
	repo := newRepo(t)
	if err := os.WriteFile(filepath.Join(repo.Root(), "list.yaml"), []byte("resources: [mine]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Apply(repo, plan("b1"), sig, sig)
	var dirty *DirtyError
	if !errors.As(err, &dirty) || dirty.Paths[0] != "list.yaml" {
		t.Fatalf("want DirtyError on list.yaml, got %v", err)
	}
	if got := read(t, repo, "list.yaml"); got != "resources: [mine]\n" || read(t, repo, "c/a/values.yaml") != "<missing>" {
		t.Fatalf("files changed after a refusal: %q", got)
	}

	repo = newRepo(t)
	if _, err := Apply(repo, plan("main"), sig, sig); err == nil || !strings.Contains(err.Error(), `branch "main" already exists`) {
		t.Fatalf("existing branch: %v", err)
	}
	if read(t, repo, "c/a/values.yaml") != "<missing>" {
		t.Fatal("files written although the branch exists")
	}
}

// TestApplyRollsBackWhenCommitFails: a commit that fails (the index is locked by another git) leaves
// files, HEAD and branches exactly as they were.
func TestApplyRollsBackWhenCommitFails(t *testing.T) {
	repo := newRepo(t)
	lock := filepath.Join(repo.Root(), ".git", "index.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Apply(repo, plan("fleetctl/add-a"), sig, sig)
	if err == nil {
		t.Fatal("commit with a locked index succeeded")
	}
	if b, _ := repo.CurrentBranch(); b != "main" {
		t.Fatalf("HEAD left on %q", b)
	}
	if exists, _ := repo.BranchExists("fleetctl/add-a"); exists {
		t.Fatal("branch left behind")
	}
	if read(t, repo, "list.yaml") != "resources: []\n" || read(t, repo, "c/a/values.yaml") != "<missing>" {
		t.Fatal("files not rolled back")
	}
	if _, err := os.Stat(filepath.Join(repo.Root(), "c")); !os.IsNotExist(err) {
		t.Fatal("created folder not removed")
	}
}

func TestApplyWithoutCommit(t *testing.T) {
	repo := newRepo(t)
	// uncommitted changes do not block a plan that does not commit; its edit is applied over them
	if err := os.WriteFile(filepath.Join(repo.Root(), "list.yaml"), []byte("resources: [mine]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := plan("")
	p.Commit = false
	res, err := Apply(repo, p, gitrepo.Signature{}, gitrepo.Signature{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Commit != "" || res.Branch != "main" || read(t, repo, "c/a/values.yaml") != "name: a\n" {
		t.Fatalf("result %+v", res)
	}
}

func TestApplyUndoesWhenCheckFails(t *testing.T) {
	repo := newRepo(t)
	p := plan("fleetctl/add-a")
	p.Check = func() error {
		if read(t, repo, "c/a/values.yaml") != "name: a\n" {
			t.Error("check ran before the files were written")
		}
		return errors.New("validation failed")
	}
	if _, err := Apply(repo, p, sig, sig); err == nil || err.Error() != "validation failed" {
		t.Fatalf("err = %v", err)
	}
	if read(t, repo, "c/a/values.yaml") != "<missing>" || read(t, repo, "list.yaml") != "resources: []\n" {
		t.Fatal("files not undone")
	}
	if exists, _ := repo.BranchExists("fleetctl/add-a"); exists {
		t.Fatal("branch created although the check failed")
	}
}
