package gitrepo

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestCommitToNewBranch(t *testing.T) {
	r := newRepoWithGit(t, map[string]string{
		"README.md":             "readme\n",
		"notes.txt":             "notes\n",
		"staged.txt":            "staged\n",
		"apps/web/deploy.yaml":  "image: web:1\n",
		"apps/web/service.yaml": "port: 80\n",
		"apps/api/deploy.yaml":  "image: api:1\n",
	})
	root := r.Root()
	base := gitRun(t, root, "rev-parse", "HEAD")

	// Unrelated changes the user has lying around: an unstaged edit, a
	// staged edit, a staged new file and an untracked file.
	writeFile(t, root, "notes.txt", "notes, edited\n")
	writeFile(t, root, "staged.txt", "staged, edited\n")
	writeFile(t, root, "new-staged.txt", "new\n")
	gitRun(t, root, "add", "staged.txt", "new-staged.txt")
	writeFile(t, root, "scratch.txt", "scratch\n")
	// Something else staged below the committed directory's sibling.
	writeFile(t, root, "apps/api/deploy.yaml", "image: api:2\n")
	statusBefore := gitRun(t, root, "status", "--porcelain", "--untracked-files=all")

	// What fleetctl writes: a changed file, a new file, a deleted file.
	writeFile(t, root, "apps/web/deploy.yaml", "image: web:2\n")
	writeFile(t, root, "apps/web/hpa.yaml", "min: 2\n")
	removePath(t, root, "apps/web/service.yaml")

	author, committer, err := ResolveAuthor(r, hermeticEnv(map[string]string{
		"GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME":     "Env Author",
		"GIT_AUTHOR_EMAIL":    "env@example.com",
		"GIT_AUTHOR_DATE":     "@1714560000 +0530",
	}))
	if err != nil {
		t.Fatal(err)
	}
	h, err := r.Commit("fleetctl/update-web", []string{"apps/web"}, "Update web\n\nBump the image.", author, committer)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}

	// First of all (git status would refresh and rewrite the index): the
	// index entries carry real stat data, so git trusts them without
	// refreshing the index (diff-files does not refresh).
	if runtime.GOOS == "linux" || runtime.GOOS == "darwin" {
		if got := gitRun(t, root, "diff-files", "--name-only", "--", "apps/web"); got != "" {
			t.Errorf("git diff-files reports stat changes for committed files: %q", got)
		}
	}
	fsck(t, root)
	if got := gitRun(t, root, "rev-parse", "--abbrev-ref", "HEAD"); got != "fleetctl/update-web" {
		t.Errorf("HEAD is on %q", got)
	}
	if got := gitRun(t, root, "rev-parse", "fleetctl/update-web"); got != h {
		t.Errorf("branch = %s, want %s", got, h)
	}
	if got := gitRun(t, root, "rev-parse", "HEAD^"); got != base {
		t.Errorf("parent = %s, want %s", got, base)
	}
	if got := gitRun(t, root, "rev-parse", "main"); got != base {
		t.Errorf("main moved to %s", got)
	}
	want := "M\tapps/web/deploy.yaml\nA\tapps/web/hpa.yaml\nD\tapps/web/service.yaml"
	if got := gitRun(t, root, "show", "--name-status", "--format=", "HEAD"); got != want {
		t.Errorf("commit contents:\n%s\nwant:\n%s", got, want)
	}
	if got := gitRun(t, root, "log", "-1", "--format=%an <%ae> %ad|%cn <%ce> %cd", "--date=raw"); got !=
		"Env Author <env@example.com> 1714560000 +0530|Env Author <env@example.com> 1714560000 +0530" {
		t.Errorf("identity = %q", got)
	}
	if got := gitRun(t, root, "log", "-1", "--format=%s|%b"); got != "Update web|Bump the image." {
		t.Errorf("message = %q", got)
	}

	// Committed paths are clean; everything else is exactly as before.
	if got := gitRun(t, root, "status", "--porcelain", "--untracked-files=all", "--", "apps/web"); got != "" {
		t.Errorf("committed paths not clean:\n%s", got)
	}
	if got := gitRun(t, root, "status", "--porcelain", "--untracked-files=all"); got != statusBefore {
		t.Errorf("other changes disturbed:\n%s\nwas:\n%s", got, statusBefore)
	}
	if got := gitRun(t, root, "diff", "--cached", "--name-only"); got != "new-staged.txt\nstaged.txt" {
		t.Errorf("staged changes = %q", got)
	}
	if got := gitRun(t, root, "show", ":staged.txt"); got != "staged, edited" {
		t.Errorf("staged content = %q", got)
	}
	// Our own view agrees.
	if d, err := r.Dirty([]string{"apps/web", "notes.txt", "apps/api"}); err != nil || !slices.Equal(d, []string{"apps/api", "notes.txt"}) {
		t.Errorf("Dirty = %v, %v", d, err)
	}
}

func TestCommitDeletesDirectory(t *testing.T) {
	r := newRepoWithGit(t, map[string]string{
		"clusters/old/a.yaml":          "a\n",
		"clusters/old/sub/b.yaml":      "b\n",
		"clusters/old/sub/deep/c.yaml": "c\n",
		"clusters/new/keep.yaml":       "keep\n",
		"top.yaml":                     "top\n",
	})
	root := r.Root()
	removePath(t, root, "clusters/old")

	if _, err := r.Commit("remove-old", []string{"clusters/old"}, "Remove old cluster", testAuthor, Signature{}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	fsck(t, root)
	want := "D\tclusters/old/a.yaml\nD\tclusters/old/sub/b.yaml\nD\tclusters/old/sub/deep/c.yaml"
	if got := gitRun(t, root, "show", "--name-status", "--format=", "HEAD"); got != want {
		t.Errorf("commit contents:\n%s\nwant:\n%s", got, want)
	}
	if got := gitRun(t, root, "ls-tree", "-r", "--name-only", "HEAD"); got != "clusters/new/keep.yaml\ntop.yaml" {
		t.Errorf("tree after deletion:\n%s", got)
	}
	if got := gitRun(t, root, "status", "--porcelain", "--untracked-files=all"); got != "" {
		t.Errorf("status not clean:\n%s", got)
	}
	if got := gitRun(t, root, "log", "-1", "--format=%cn <%ce>"); got != "Fleet Author <author@example.com>" {
		t.Errorf("zero committer should default to the author, got %q", got)
	}

	// Deleting every file of the repository is a valid commit too.
	removePath(t, root, "clusters")
	removePath(t, root, "top.yaml")
	if _, err := r.Commit("", []string{"."}, "Remove everything", testAuthor, testCommitter); err != nil {
		t.Fatalf("Commit(.): %v", err)
	}
	fsck(t, root)
	if got := gitRun(t, root, "ls-tree", "-r", "HEAD"); got != "" {
		t.Errorf("tree not empty: %q", got)
	}
}

func TestCommitFileDirectorySwaps(t *testing.T) {
	r := newRepoWithGit(t, map[string]string{
		"cfg":          "was a file\n",
		"dir/item":     "was in a dir\n",
		"other/x.yaml": "x\n",
	})
	root := r.Root()
	// cfg becomes a directory, dir becomes a file.
	removePath(t, root, "cfg")
	writeFile(t, root, "cfg/inner.yaml", "now a dir\n")
	removePath(t, root, "dir")
	writeFile(t, root, "dir", "now a file\n")

	if _, err := r.Commit("swap", []string{"cfg/inner.yaml", "dir"}, "Swap", testAuthor, testCommitter); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	fsck(t, root)
	if got := gitRun(t, root, "ls-tree", "-r", "--name-only", "HEAD"); got != "cfg/inner.yaml\ndir\nother/x.yaml" {
		t.Errorf("tree:\n%s", got)
	}
	if got := gitRun(t, root, "status", "--porcelain", "--untracked-files=all"); got != "" {
		t.Errorf("status not clean:\n%s", got)
	}
}

func TestCommitModeChangeAndIgnoredFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no executable bit on Windows")
	}
	r := newRepoWithGit(t, map[string]string{
		".gitignore":    "*.tmp\nbuild/\n",
		"tools/run.sh":  "#!/bin/sh\n",
		"tools/tracked": "t\n",
	})
	root := r.Root()
	if err := os.Chmod(filepath.Join(root, "tools/run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, root, "tools/cache.tmp", "ignored\n")
	writeFile(t, root, "tools/build/out", "ignored dir\n")
	writeFile(t, root, "tools/new.yaml", "new\n")

	if _, err := r.Commit("", []string{"tools"}, "Tools", testAuthor, testCommitter); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	fsck(t, root)
	if got := gitRun(t, root, "show", "--name-status", "--format=", "HEAD"); got != "A\ttools/new.yaml\nM\ttools/run.sh" {
		t.Errorf("commit contents:\n%s", got)
	}
	if got := gitRun(t, root, "ls-files", "-s", "tools/run.sh"); !strings.HasPrefix(got, "100755 ") {
		t.Errorf("mode not recorded: %q", got)
	}
	if got := gitRun(t, root, "status", "--porcelain", "--untracked-files=all"); got != "" {
		t.Errorf("status not clean (ignored files must stay ignored):\n%s", got)
	}
	// Naming an ignored file directly is an error, as with `git add`.
	writeFile(t, root, "x.tmp", "x\n")
	if _, err := r.Commit("", []string{"x.tmp"}, "Ignored", testAuthor, testCommitter); err == nil || !strings.Contains(err.Error(), "ignored") {
		t.Errorf("committing an ignored file: %v", err)
	}
}

func TestCommitErrors(t *testing.T) {
	r := newRepoWithGit(t, map[string]string{"a.yaml": "a\n"})
	root := r.Root()
	gitRun(t, root, "branch", "taken")
	gitRun(t, root, "branch", "packed")
	gitRun(t, root, "pack-refs", "--all")
	writeFile(t, root, "a.yaml", "changed\n")
	head := gitRun(t, root, "rev-parse", "HEAD")
	indexBefore := gitRun(t, root, "ls-files", "-s", "--debug")

	check := func(name string, err error, target error, contains string) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", name)
			return
		}
		if target != nil && !errors.Is(err, target) {
			t.Errorf("%s: error %v is not %v", name, err, target)
		}
		if !strings.Contains(err.Error(), contains) {
			t.Errorf("%s: error %q does not mention %q", name, err, contains)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line: %q", name, err)
		}
	}
	_, err := r.Commit("taken", []string{"a.yaml"}, "m", testAuthor, testCommitter)
	check("existing branch", err, ErrBranchExists, `"taken"`)
	_, err = r.Commit("packed", []string{"a.yaml"}, "m", testAuthor, testCommitter)
	check("existing packed branch", err, ErrBranchExists, `"packed"`)
	_, err = r.Commit("main", []string{"a.yaml"}, "m", testAuthor, testCommitter)
	check("current branch", err, ErrBranchExists, `"main"`)
	_, err = r.Commit("feature..x", []string{"a.yaml"}, "m", testAuthor, testCommitter)
	check("invalid branch", err, ErrInvalidBranchName, `"feature..x"`)
	_, err = r.Commit("feature/x.lock", []string{"a.yaml"}, "m", testAuthor, testCommitter)
	check("invalid branch .lock", err, ErrInvalidBranchName, ".lock")
	_, err = r.Commit("ok", []string{"a.yaml"}, "  \n\n", testAuthor, testCommitter)
	check("empty message", err, nil, "empty commit message")
	_, err = r.Commit("ok", []string{"../outside"}, "m", testAuthor, testCommitter)
	check("outside path", err, nil, "outside the repository")
	_, err = r.Commit("ok", []string{"/etc/passwd"}, "m", testAuthor, testCommitter)
	check("absolute path", err, nil, "relative")
	_, err = r.Commit("ok", []string{"missing.yaml"}, "m", testAuthor, testCommitter)
	check("unknown path", err, nil, `"missing.yaml"`)
	_, err = r.Commit("ok", []string{".git/config"}, "m", testAuthor, testCommitter)
	check(".git path", err, nil, ".git")
	_, err = r.Commit("ok", nil, "m", testAuthor, testCommitter)
	check("no paths", err, nil, "no paths")
	_, err = r.Commit("ok", []string{"a.yaml"}, "m", Signature{Name: "No Email"}, testCommitter)
	check("bad author", err, nil, "email")

	// Nothing to commit: the path is unchanged relative to HEAD.
	writeFile(t, root, "a.yaml", "a\n")
	_, err = r.Commit("ok", []string{"a.yaml"}, "m", testAuthor, testCommitter)
	check("nothing to commit", err, ErrNothingToCommit, "nothing to commit")

	// Another git process holds the index lock.
	writeFile(t, root, "a.yaml", "changed again\n")
	lock := filepath.Join(root, ".git", "index.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = r.Commit("ok", []string{"a.yaml"}, "m", testAuthor, testCommitter)
	check("index locked", err, nil, "index.lock")
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}

	// None of the failures changed anything.
	if got := gitRun(t, root, "rev-parse", "HEAD"); got != head {
		t.Errorf("HEAD moved to %s", got)
	}
	if got := gitRun(t, root, "rev-parse", "--abbrev-ref", "HEAD"); got != "main" {
		t.Errorf("HEAD switched to %s", got)
	}
	if _, err := gitTry(root, "rev-parse", "--verify", "-q", "refs/heads/ok"); err == nil {
		t.Error("branch ok was created by a failed commit")
	}
	if got := gitRun(t, root, "ls-files", "-s", "--debug"); got != indexBefore {
		t.Errorf("index changed by failed commits:\n%s\nwas:\n%s", got, indexBefore)
	}
	if _, err := os.Stat(lock); err == nil {
		t.Error("index.lock left behind")
	}

	// Detached HEAD: committing to "the current branch" is refused, to a
	// new branch is fine.
	gitRun(t, root, "checkout", "-q", "--detach")
	_, err = r.Commit("", []string{"a.yaml"}, "m", testAuthor, testCommitter)
	check("detached", err, ErrDetachedHead, "detached")
	if _, err := r.Commit("from-detached", []string{"a.yaml"}, "m", testAuthor, testCommitter); err != nil {
		t.Errorf("commit from detached HEAD to a new branch: %v", err)
	}
	if got := gitRun(t, root, "rev-parse", "HEAD^"); got != head {
		t.Errorf("parent = %s, want %s", got, head)
	}
}

func TestCommitUnbornToNewBranch(t *testing.T) {
	r := newRepo(t)
	root := r.Root()
	writeFile(t, root, "a.yaml", "a\n")
	writeFile(t, root, "b.yaml", "b\n")
	h, err := r.Commit("first", []string{"a.yaml"}, "First", testAuthor, testCommitter)
	if err != nil {
		t.Fatal(err)
	}
	fsck(t, root)
	if got := gitRun(t, root, "rev-parse", "--abbrev-ref", "HEAD"); got != "first" {
		t.Errorf("HEAD on %q", got)
	}
	if got := gitRun(t, root, "rev-list", "--parents", "HEAD"); got != h {
		t.Errorf("not a root commit: %q", got)
	}
	if _, err := gitTry(root, "rev-parse", "--verify", "-q", "refs/heads/main"); err == nil {
		t.Error("main should still be unborn")
	}
	if got := gitRun(t, root, "status", "--porcelain"); got != "?? b.yaml" {
		t.Errorf("status = %q", got)
	}
}

func TestCommitKeepsUnrelatedIndexStateAcrossLargeTree(t *testing.T) {
	// Deeply nested unchanged subtrees must be reused, not rebuilt wrongly.
	files := map[string]string{}
	for _, d := range []string{"a", "a/b", "a/b/c", "x/y", "z"} {
		for _, f := range []string{"1.yaml", "2.yaml"} {
			files[d+"/"+f] = d + f + "\n"
		}
	}
	r := newRepoWithGit(t, files)
	root := r.Root()
	baseTree := gitRun(t, root, "rev-parse", "HEAD^{tree}")
	// Objects in a pack, refs packed, index in version 4: all read and
	// written in a way git understands.
	gitRun(t, root, "gc", "-q")
	gitRun(t, root, "update-index", "--index-version", "4")
	writeFile(t, root, "a/b/c/3.yaml", "new\n")
	if _, err := r.Commit("nested", []string{"a/b/c/3.yaml"}, "Nested", testAuthor, testCommitter); err != nil {
		t.Fatal(err)
	}
	fsck(t, root)
	for _, sub := range []string{"x", "z", "a/b/1.yaml"} {
		if a, b := gitRun(t, root, "rev-parse", "HEAD:"+sub), gitRun(t, root, "rev-parse", baseTree+":"+sub); a != b {
			t.Errorf("%s changed: %s vs %s", sub, a, b)
		}
	}
	// The tree matches what git would build from the same index.
	if got, want := gitRun(t, root, "rev-parse", "HEAD^{tree}"), gitRun(t, root, "write-tree"); got != want {
		t.Errorf("tree %s, git write-tree gives %s", got, want)
	}
	if got := gitRun(t, root, "status", "--porcelain", "--untracked-files=all"); got != "" {
		t.Errorf("status not clean:\n%s", got)
	}
	// git keeps using (and can rewrite) the index we wrote.
	writeFile(t, root, "z/1.yaml", "edited by git\n")
	gitRun(t, root, "commit", "-q", "-am", "git on top")
	fsck(t, root)
}

func TestSwitchBack(t *testing.T) {
	r := newRepoWithGit(t, map[string]string{
		"apps/web.yaml": "v1\n",
		"apps/old.yaml": "old\n",
	})
	root := r.Root()
	base := gitRun(t, root, "rev-parse", "HEAD")
	writeFile(t, root, "apps/web.yaml", "v2\n")
	writeFile(t, root, "apps/new.yaml", "new\n")
	removePath(t, root, "apps/old.yaml")
	statusBefore := gitRun(t, root, "status", "--porcelain", "--untracked-files=all")

	prev, err := r.CurrentBranch()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Commit("fleetctl/change", []string{"apps"}, "Change", testAuthor, testCommitter); err != nil {
		t.Fatal(err)
	}

	gitRun(t, root, "checkout", "-q", "-b", "elsewhere")
	if err := r.SwitchBack(prev, "fleetctl/change"); err == nil || !strings.Contains(err.Error(), "elsewhere") {
		t.Errorf("SwitchBack while HEAD is on another branch: %v", err)
	}
	gitRun(t, root, "checkout", "-q", "fleetctl/change")

	if err := r.SwitchBack(prev, "fleetctl/change"); err != nil {
		t.Fatalf("SwitchBack: %v", err)
	}
	fsck(t, root)
	if got := gitRun(t, root, "rev-parse", "--abbrev-ref", "HEAD"); got != "main" {
		t.Errorf("HEAD on %q", got)
	}
	if got := gitRun(t, root, "rev-parse", "HEAD"); got != base {
		t.Errorf("HEAD = %s, want %s", got, base)
	}
	if _, err := gitTry(root, "rev-parse", "--verify", "-q", "refs/heads/fleetctl/change"); err == nil {
		t.Error("created branch still exists")
	}
	if exists, _ := r.BranchExists("fleetctl/change"); exists {
		t.Error("BranchExists still true")
	}
	// The written files are untouched and show up as before the commit.
	if data, err := os.ReadFile(filepath.Join(root, "apps/web.yaml")); err != nil || string(data) != "v2\n" {
		t.Errorf("apps/web.yaml = %q, %v", data, err)
	}
	if got := gitRun(t, root, "status", "--porcelain", "--untracked-files=all"); got != statusBefore {
		t.Errorf("status after SwitchBack:\n%s\nbefore Commit it was:\n%s", got, statusBefore)
	}
	// Doing it again only finds nothing left to do.
	if err := r.SwitchBack(prev, "fleetctl/change"); err != nil {
		t.Errorf("second SwitchBack: %v", err)
	}
	if err := r.SwitchBack("main", "main"); err == nil {
		t.Error("SwitchBack with the same branch twice succeeded")
	}
}
