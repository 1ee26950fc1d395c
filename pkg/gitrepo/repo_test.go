package gitrepo

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestInitAndFirstCommitOnMain(t *testing.T) {
	r := newRepo(t)
	root := r.Root()

	if has, err := r.HasCommits(); err != nil || has {
		t.Fatalf("HasCommits on a fresh repo = %v, %v; want false", has, err)
	}
	if b, err := r.CurrentBranch(); err != nil || b != "main" {
		t.Fatalf("CurrentBranch on a fresh repo = %q, %v; want main", b, err)
	}
	if got := gitRun(t, root, "symbolic-ref", "HEAD"); got != "refs/heads/main" {
		t.Fatalf("git symbolic-ref HEAD = %q", got)
	}

	writeFile(t, root, "fleet.yaml", "name: fleet\r\nwindows: line endings\r\n")
	writeFile(t, root, "clusters/prod/app.yaml", "replicas: 3\n")
	writeFileMode(t, root, "hack/run.sh", "#!/bin/sh\necho hi\n", 0o755)
	if runtime.GOOS != "windows" {
		if err := os.Symlink("app.yaml", filepath.Join(root, "clusters/prod/link.yaml")); err != nil {
			t.Fatal(err)
		}
	}

	if d, err := r.Dirty([]string{"fleet.yaml", "clusters", "nothing-here"}); err != nil || !slices.Equal(d, []string{"clusters", "fleet.yaml"}) {
		t.Errorf("Dirty before the first commit = %q, %v", d, err)
	}

	msg := "Add fleet\n\nThis commit has a body.\nSecond line of the body."
	h, err := r.Commit("", []string{"fleet.yaml", "clusters", "hack/run.sh"}, msg, testAuthor, testCommitter)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}

	fsck(t, root)
	if got := gitRun(t, root, "rev-parse", "HEAD"); got != h {
		t.Errorf("HEAD = %s, Commit returned %s", got, h)
	}
	if got := gitRun(t, root, "rev-parse", "--abbrev-ref", "HEAD"); got != "main" {
		t.Errorf("current branch = %q, want main", got)
	}
	if got := gitRun(t, root, "log", "--format=%H %P|%an <%ae> %ad|%cn <%ce> %cd", "--date=iso-strict"); got !=
		h+" |Fleet Author <author@example.com> 2024-05-01T12:30:00+02:00|Fleet Committer <committer@example.com> 2024-05-01T13:00:00-07:00" {
		t.Errorf("git log = %q", got)
	}
	if got := gitRun(t, root, "log", "-1", "--format=%B"); got != msg {
		t.Errorf("message = %q, want %q", got, msg)
	}
	if got := gitRun(t, root, "cat-file", "-p", "HEAD:fleet.yaml"); got != "name: fleet\r\nwindows: line endings\r" {
		t.Errorf("CRLF content changed: %q", got)
	}
	wantFiles := map[string]string{
		"clusters/prod/app.yaml": "100644",
		"fleet.yaml":             "100644",
		"hack/run.sh":            "100755",
	}
	if runtime.GOOS != "windows" {
		wantFiles["clusters/prod/link.yaml"] = "120000"
	}
	gotFiles := map[string]string{}
	for _, l := range lines(gitRun(t, root, "ls-tree", "-r", "HEAD")) {
		meta, path, _ := strings.Cut(l, "\t")
		gotFiles[path] = strings.Fields(meta)[0]
	}
	if !maps.Equal(gotFiles, wantFiles) {
		t.Errorf("ls-tree = %v, want %v", gotFiles, wantFiles)
	}
	if got := gitRun(t, root, "status", "--porcelain", "--untracked-files=all"); got != "" {
		t.Errorf("git status not clean after the first commit:\n%s", got)
	}
	if has, err := r.HasCommits(); err != nil || !has {
		t.Errorf("HasCommits after commit = %v, %v", has, err)
	}
}

func TestInitErrors(t *testing.T) {
	requireGit(t)
	dir := t.TempDir()
	if _, err := Init(dir, "bad..name"); !errors.Is(err, ErrInvalidBranchName) {
		t.Errorf("Init with invalid branch: %v", err)
	}
	if _, err := Init(dir, "trunk"); err != nil {
		t.Fatal(err)
	}
	if got := gitRun(t, dir, "symbolic-ref", "--short", "HEAD"); got != "trunk" {
		t.Errorf("HEAD = %q, want trunk", got)
	}
	if _, err := Init(dir, "trunk"); err == nil {
		t.Error("Init over an existing repository succeeded")
	}
}

func TestOpen(t *testing.T) {
	r := newRepoWithGit(t, map[string]string{"a/b/c.yaml": "x\n"})
	top := gitRun(t, r.Root(), "rev-parse", "--show-toplevel")
	if r.Root() != top {
		t.Fatalf("Root = %q, git says %q", r.Root(), top)
	}
	for _, p := range []string{r.Root(), filepath.Join(r.Root(), "a"), filepath.Join(r.Root(), "a", "b"), filepath.Join(r.Root(), "a", "b", "c.yaml")} {
		o, err := Open(p)
		if err != nil {
			t.Errorf("Open(%s): %v", p, err)
			continue
		}
		if o.Root() != top {
			t.Errorf("Open(%s).Root() = %q, want %q", p, o.Root(), top)
		}
	}

	// A relative path works too.
	t.Chdir(filepath.Join(r.Root(), "a"))
	if o, err := Open("b"); err != nil || o.Root() != top {
		t.Errorf("Open(relative) = %v, %v", o, err)
	}

	notRepo := t.TempDir()
	if _, err := gitTry(notRepo, "rev-parse", "--show-toplevel"); err == nil {
		t.Skip("the temporary directory is itself inside a git repository")
	}
	if _, err := Open(notRepo); !errors.Is(err, ErrNotRepo) {
		t.Errorf("Open(non-repo) error = %v, want ErrNotRepo", err)
	}
	if _, err := Open(filepath.Join(notRepo, "missing")); err == nil || errors.Is(err, ErrNotRepo) {
		t.Errorf("Open(missing path) error = %v, want a not-exist error", err)
	}
}

func TestBranchQueries(t *testing.T) {
	r := newRepoWithGit(t, map[string]string{"f": "1\n"})
	root := r.Root()
	gitRun(t, root, "branch", "packed-one")
	gitRun(t, root, "pack-refs", "--all")
	gitRun(t, root, "branch", "loose-one")

	for name, want := range map[string]bool{"main": true, "packed-one": true, "loose-one": true, "nope": false} {
		got, err := r.BranchExists(name)
		if err != nil || got != want {
			t.Errorf("BranchExists(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	if _, err := r.BranchExists("no spaces"); !errors.Is(err, ErrInvalidBranchName) {
		t.Errorf("BranchExists(invalid) error = %v", err)
	}

	gitRun(t, root, "checkout", "-q", "loose-one")
	if b, err := r.CurrentBranch(); err != nil || b != "loose-one" {
		t.Errorf("CurrentBranch = %q, %v", b, err)
	}
	gitRun(t, root, "checkout", "-q", "--detach")
	if _, err := r.CurrentBranch(); !errors.Is(err, ErrDetachedHead) {
		t.Errorf("CurrentBranch on detached HEAD error = %v", err)
	}
	if has, err := r.HasCommits(); err != nil || !has {
		t.Errorf("HasCommits on detached HEAD = %v, %v", has, err)
	}
}
