package gitrepo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testAuthor and testCommitter are fixed identities, distinct from the one
// the git command gets through gitEnv, so tests can tell them apart.
var (
	testAuthor = Signature{
		Name:  "Fleet Author",
		Email: "author@example.com",
		When:  time.Date(2024, 5, 1, 12, 30, 0, 0, time.FixedZone("", 2*3600)),
	}
	testCommitter = Signature{
		Name:  "Fleet Committer",
		Email: "committer@example.com",
		When:  time.Date(2024, 5, 1, 13, 0, 0, 0, time.FixedZone("", -7*3600)),
	}
)

func requireGit(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git command not found on PATH: CI must install it (.ci/run does)")
		}
		t.Skip("git command not found on PATH")
	}
}

// gitEnv is the environment for the git command: the caller's, without any
// GIT_* variable, with no system or global configuration and a fixed
// identity.
func gitEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") || strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Git Cli",
		"GIT_AUTHOR_EMAIL=cli@example.com",
		"GIT_COMMITTER_NAME=Git Cli",
		"GIT_COMMITTER_EMAIL=cli@example.com",
		"GIT_AUTHOR_DATE=2024-01-01T00:00:00Z",
		"GIT_COMMITTER_DATE=2024-01-01T00:00:00Z",
		"LC_ALL=C",
	)
}

// gitRun runs git in dir and returns its trimmed standard output.
func gitRun(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := gitTry(dir, args...)
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func gitTry(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(filepath.Join(dir, ".git", "test-home"))
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return strings.TrimSpace(stdout.String() + stderr.String()), err
	}
	return strings.TrimRight(stdout.String(), "\n"), nil
}

// hermeticEnv returns a getenv func that sees only vars.
func hermeticEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// newRepo initialises a repository with our Init and isolates it from the
// machine's git configuration.
func newRepo(t testing.TB) *Repo {
	t.Helper()
	requireGit(t)
	dir := t.TempDir()
	r, err := Init(dir, "main")
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	r.getenv = hermeticEnv(map[string]string{"HOME": t.TempDir(), "GIT_CONFIG_NOSYSTEM": "1"})
	return r
}

// newRepoWithGit initialises a repository with the git command and commits
// files (path -> content) with it on main.
func newRepoWithGit(t testing.TB, files map[string]string) *Repo {
	t.Helper()
	requireGit(t)
	dir := t.TempDir()
	gitRun(t, dir, "init", "-q", "-b", "main")
	for p, c := range files {
		writeFile(t, dir, p, c)
	}
	if len(files) > 0 {
		gitRun(t, dir, "add", "-A")
		gitRun(t, dir, "commit", "-q", "-m", "base")
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	r.getenv = hermeticEnv(map[string]string{"HOME": t.TempDir(), "GIT_CONFIG_NOSYSTEM": "1"})
	return r
}

// writeFile writes a file as fleetctl does, with mode 0644.
func writeFile(t testing.TB, root, rel, content string) {
	t.Helper()
	writeFileMode(t, root, rel, content, 0o644)
}

func writeFileMode(t testing.TB, root, rel, content string, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func removePath(t testing.TB, root, rel string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(root, filepath.FromSlash(rel))); err != nil {
		t.Fatal(err)
	}
}

// lines splits git output into lines, dropping empty ones.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// fsck checks the repository with `git fsck --strict`.
func fsck(t testing.TB, dir string) {
	t.Helper()
	if out, err := gitTry(dir, "fsck", "--strict", "--no-dangling"); err != nil {
		t.Fatalf("git fsck --strict: %v\n%s", err, out)
	}
}
