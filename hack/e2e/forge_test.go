//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/hack/e2e/internal/bins"
)

// forge is a real Gitea (the wrapper in build/gitea) on 127.0.0.1, the stand-in
// for GitHub/GitLab where fleetctl's branches become pull requests. It is
// started by the first step that asks for it (environment.requireForge), so a
// run without such a step does not pay for it.
//
// Repositories belong to User; git over HTTP and the API authenticate with
// Token (scope "all"), which is never printed: git gets it in an
// http.extraHeader through GIT_CONFIG_* variables (authEnv), the API in the
// Authorization header, and every error text passes through redact.
type forge struct {
	URL   string // http://127.0.0.1:PORT, no trailing slash: web UI, git (URL/<owner>/<repo>.git) and API (URL/api/v1)
	User  string // the admin user that owns the test's repositories
	Token string // access token of User, scopes ["all"]

	password string // User's password, used only to create Token (basic auth)
	client   *http.Client
}

const (
	forgeUser  = "fleet-admin"
	forgeEmail = "fleet-admin@fleetctl.invalid"
)

// requireForge starts the forge the first time a step needs it and fails the
// step when it cannot. The Gitea process is torn down with the others.
func (e *environment) requireForge(ctx context.Context, t *testing.T) *forge {
	t.Helper()
	e.forgeOnce.Do(func() {
		defer progress("forge: Gitea %s up (migrate, admin user, web, token)", bins.GiteaVersion)()
		e.forge, e.forgeErr = e.startForge(ctx)
	})
	if e.forgeErr != nil {
		t.Fatalf("starting the forge (Gitea): %v", e.forgeErr)
	}
	return e.forge
}

// startForge writes a throwaway app.ini under work/gitea, migrates the
// sqlite database, creates the admin user, runs `gitea web` as the component
// "gitea" (logs/gitea.log), waits for /api/v1/version and creates the token.
func (e *environment) startForge(ctx context.Context) (*forge, error) {
	bin, static := e.bins.Bin["gitea"], e.bins.Assets["gitea"]
	if bin == "" || static == "" {
		return nil, errors.New("no gitea binary or assets in the build set (hack/e2e/internal/bins)")
	}
	dir := filepath.Join(e.work, "gitea")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	f := &forge{
		URL:      "http://127.0.0.1:" + strconv.Itoa(ports[0]),
		User:     forgeUser,
		password: randomHex(16),
		client:   &http.Client{Timeout: 30 * time.Second},
	}
	ini := filepath.Join(dir, "app.ini")
	if err := os.WriteFile(ini, []byte(giteaINI(dir, static, ports[0])), 0o600); err != nil {
		return nil, err
	}
	global := []string{"--config", ini, "--work-path", dir}

	// One-shot commands; their output goes to logs/gitea-setup.log.
	setupLog, err := os.Create(filepath.Join(e.logs, "gitea-setup.log"))
	if err != nil {
		return nil, err
	}
	defer setupLog.Close()
	for _, args := range [][]string{
		{"migrate"},
		{"admin", "user", "create", "--admin", "--username", f.User, "--password", f.password,
			"--email", forgeEmail, "--must-change-password=false"},
	} {
		args = append(append([]string{}, global...), args...)
		fmt.Fprintf(setupLog, "# gitea %s\n", f.redact(strings.Join(args, " ")))
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Stdout, cmd.Stderr = setupLog, setupLog
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("gitea %s: %w%s", f.redact(strings.Join(args, " ")), err, tail(setupLog.Name(), 10))
		}
	}

	p, err := e.run("gitea", bin, append(append([]string{}, global...), "web"), nil)
	if err != nil {
		return nil, err
	}
	if err := p.waitUp(ctx, 60*time.Second, httpOK(http.DefaultClient, f.URL+"/api/v1/version")); err != nil {
		return nil, err
	}
	var tok struct {
		SHA1 string `json:"sha1"`
	}
	body := map[string]any{"name": "fleetctl-e2e", "scopes": []string{"all"}}
	if err := f.call(ctx, http.MethodPost, "/users/"+f.User+"/tokens", body, &tok, func(r *http.Request) {
		r.SetBasicAuth(f.User, f.password)
	}); err != nil {
		return nil, fmt.Errorf("creating the access token: %w", err)
	}
	if tok.SHA1 == "" {
		return nil, errors.New("creating the access token: the answer has no sha1")
	}
	f.Token = tok.SHA1
	var v struct{ Version string }
	if err := f.api(ctx, http.MethodGet, "/version", nil, &v); err != nil {
		return nil, err
	}
	fmt.Printf("    forge: Gitea %s at %s, user %s (log %s)\n", v.Version, f.URL, f.User, p.log)
	return f, nil
}

// giteaINI is a throwaway single-user configuration: sqlite, no SSH, no
// mail, no registration, no Actions/packages/LFS, nothing fetched from the
// internet; templates and locales from static (the cache entry holding
// Gitea's options/ and templates/).
func giteaINI(dir, static string, port int) string {
	return fmt.Sprintf(`APP_NAME = fleetctl e2e forge
RUN_MODE = prod
WORK_PATH = %[1]s
; the CI machines run as root
I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = %[3]d
DOMAIN = 127.0.0.1
ROOT_URL = http://127.0.0.1:%[3]d/
STATIC_ROOT_PATH = %[2]s
APP_DATA_PATH = %[1]s/data
OFFLINE_MODE = true
DISABLE_SSH = true
START_SSH_SERVER = false
LFS_START_SERVER = false
GRACEFUL_HAMMER_TIME = 3s

[database]
DB_TYPE = sqlite3
PATH = %[1]s/data/gitea.db

[repository]
ROOT = %[1]s/repos
DEFAULT_BRANCH = main

[security]
INSTALL_LOCK = true
SECRET_KEY = %[4]s
INTERNAL_TOKEN = %[5]s
PASSWORD_COMPLEXITY = off

[oauth2]
JWT_SIGNING_ALGORITHM = HS256
JWT_SECRET = %[6]s

[service]
DISABLE_REGISTRATION = true

[mailer]
ENABLED = false

[session]
PROVIDER = memory

[indexer]
ISSUE_INDEXER_TYPE = db

[actions]
ENABLED = false

[packages]
ENABLED = false

[cron.update_checker]
ENABLED = false

[log]
MODE = console
LEVEL = Info
ROOT_PATH = %[1]s/log
`, dir, static, port, randomHex(32), randomHex(32), base64.RawURLEncoding.EncodeToString(randomBytes(32)))
}

// forgeAPIError is an API answer with a status of 300 or more.
type forgeAPIError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *forgeAPIError) Error() string {
	return fmt.Sprintf("%s /api/v1%s: HTTP %d: %s", e.Method, e.Path, e.Status, short(e.Body, 500))
}

// api is one JSON call to the Gitea API as User: method on URL/api/v1+path,
// body (nil, or a value sent as JSON), `Authorization: token <Token>`; the
// answer is decoded into out unless out is nil. A status of 300 or more is a
// *forgeAPIError.
func (f *forge) api(ctx context.Context, method, path string, body, out any) error {
	return f.call(ctx, method, path, body, out, func(r *http.Request) {
		r.Header.Set("Authorization", "token "+f.Token)
	})
}

func (f *forge) call(ctx context.Context, method, path string, body, out any, auth func(*http.Request)) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.URL+"/api/v1"+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	auth(req)
	resp, err := f.client.Do(req)
	if err != nil {
		return errors.New(f.redact(err.Error()))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return &forgeAPIError{Method: method, Path: path, Status: resp.StatusCode, Body: f.redact(string(b))}
	}
	if out == nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s /api/v1%s: decoding the answer: %w\n%s", method, path, err, short(f.redact(string(b)), 500))
	}
	return nil
}

// mustAPI is api that fails the test, with the forge's log.
func (f *forge) mustAPI(ctx context.Context, t *testing.T, method, path string, body, out any) {
	t.Helper()
	if err := f.api(ctx, method, path, body, out); err != nil {
		t.Fatalf("forge: %v%s", err, env.logOf("gitea"))
	}
}

// redact hides the token and the password in text that may be printed.
func (f *forge) redact(s string) string {
	for _, secret := range []string{f.Token, f.password} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return s
}

// Host is the forge's host:port, what a `.fleetctl.yaml` host setting names.
func (f *forge) Host() string { return strings.TrimPrefix(f.URL, "http://") }

// authEnv is the environment that lets git (and whatever runs git, such as
// fleetctl) push to and fetch from the forge over HTTP as User: an
// http.<URL>/.extraHeader with the token, set through GIT_CONFIG_COUNT so it
// appears in no command line, remote URL or config file.
func (f *forge) authEnv() []string {
	return []string{
		"GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=http." + f.URL + "/.extraHeader",
		"GIT_CONFIG_VALUE_0=Authorization: token " + f.Token,
	}
}

// git runs git in dir with authEnv and fails the test (token redacted) on error.
func (f *forge) git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := gitWithEnv(dir, f.authEnv(), args...)
	if err != nil {
		t.Fatal(f.redact(err.Error()))
	}
	return out
}

// forgeRepo is a repository on the forge.
type forgeRepo struct {
	Owner    string `json:"-"`
	Name     string `json:"name"`
	FullName string `json:"full_name"` // owner/name
	CloneURL string `json:"clone_url"` // http://127.0.0.1:PORT/owner/name.git, no credentials
	Private  bool   `json:"private"`
}

// path is the API path of the repository, /repos/owner/name.
func (r forgeRepo) path() string { return "/repos/" + r.FullName }

// createRepo creates an empty private repository of User, default branch main.
func (f *forge) createRepo(ctx context.Context, t *testing.T, name string) forgeRepo {
	t.Helper()
	defer progress("forge: repository %s/%s created", f.User, name)()
	var r forgeRepo
	f.mustAPI(ctx, t, http.MethodPost, "/user/repos", map[string]any{
		"name": name, "private": true, "auto_init": false, "default_branch": "main",
	}, &r)
	r.Owner = f.User
	if want := f.URL + "/" + f.User + "/" + name + ".git"; r.CloneURL != want || r.FullName != f.User+"/"+name || !r.Private {
		t.Fatalf("forge: created repository %+v, want %s, private", r, want)
	}
	return r
}

// forgePR is the part of a Gitea pull request the test reads.
type forgePR struct {
	Number         int    `json:"number"`
	Title          string `json:"title"`
	Body           string `json:"body"`
	State          string `json:"state"` // open, closed
	Merged         bool   `json:"merged"`
	Mergeable      bool   `json:"mergeable"`
	MergeCommitSHA string `json:"merge_commit_sha"`
	HTMLURL        string `json:"html_url"`
	Head           struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	} `json:"head"`
	Base struct {
		Ref string `json:"ref"`
	} `json:"base"`
}

// openPR opens a pull request of head into base.
func (f *forge) openPR(ctx context.Context, t *testing.T, r forgeRepo, head, base, title, body string) forgePR {
	t.Helper()
	defer progress("forge: pull request %s -> %s opened", head, base)()
	var pr forgePR
	f.mustAPI(ctx, t, http.MethodPost, r.path()+"/pulls", map[string]any{
		"head": head, "base": base, "title": title, "body": body,
	}, &pr)
	if pr.Number == 0 {
		t.Fatalf("forge: opening the pull request %s -> %s: no number in the answer", head, base)
	}
	return pr
}

// pr reads pull request n back.
func (f *forge) pr(ctx context.Context, t *testing.T, r forgeRepo, n int) forgePR {
	t.Helper()
	var pr forgePR
	f.mustAPI(ctx, t, http.MethodGet, r.path()+"/pulls/"+strconv.Itoa(n), nil, &pr)
	return pr
}

// listPRs lists the pull requests of the repository in state (open, closed, all).
func (f *forge) listPRs(ctx context.Context, t *testing.T, r forgeRepo, state string) []forgePR {
	t.Helper()
	var prs []forgePR
	f.mustAPI(ctx, t, http.MethodGet, r.path()+"/pulls?state="+url.QueryEscape(state), nil, &prs)
	return prs
}

// mergePR merges pull request n with a merge commit, as a reviewer pressing
// "Merge" would, once Gitea has found it mergeable (it checks asynchronously
// after the PR is opened or its head moves), and returns the merged PR.
func (f *forge) mergePR(ctx context.Context, t *testing.T, r forgeRepo, n int) forgePR {
	t.Helper()
	defer progress("forge: pull request #%d merged", n)()
	err := poll(ctx, waitTimeout, func(ctx context.Context) (bool, string, error) {
		var pr forgePR
		if err := f.api(ctx, http.MethodGet, r.path()+"/pulls/"+strconv.Itoa(n), nil, &pr); err != nil {
			return false, err.Error(), nil
		}
		return pr.Mergeable, fmt.Sprintf("state %s mergeable %v", pr.State, pr.Mergeable), nil
	})
	if err != nil {
		t.Fatalf("forge: pull request #%d never mergeable: %v%s", n, err, env.logOf("gitea"))
	}
	f.mustAPI(ctx, t, http.MethodPost, r.path()+"/pulls/"+strconv.Itoa(n)+"/merge", map[string]any{"Do": "merge"}, nil)
	pr := f.pr(ctx, t, r, n)
	if !pr.Merged || pr.MergeCommitSHA == "" {
		t.Fatalf("forge: pull request #%d after merging: merged %v, merge commit %q", n, pr.Merged, pr.MergeCommitSHA)
	}
	return pr
}

// waitBranch waits until the forge reports branch at sha (Gitea records
// pushes and merges asynchronously).
func (f *forge) waitBranch(ctx context.Context, t *testing.T, r forgeRepo, branch, sha string) {
	t.Helper()
	err := poll(ctx, waitTimeout, func(ctx context.Context) (bool, string, error) {
		// Until Gitea has recorded the first push the repository is "empty",
		// and asking it for a branch then panics (Gitea 1.26.0).
		var repo struct {
			Empty bool `json:"empty"`
		}
		if err := f.api(ctx, http.MethodGet, r.path(), nil, &repo); err != nil {
			return false, err.Error(), nil
		}
		if repo.Empty {
			return false, "repository still empty", nil
		}
		got, err := f.branchSHA(ctx, r, branch)
		if err != nil {
			return false, err.Error(), nil
		}
		return got == sha, "at " + got, nil
	})
	if err != nil {
		t.Fatalf("forge: branch %s of %s not at %s: %v%s", branch, r.FullName, sha, err, env.logOf("gitea"))
	}
}

// branchSHA is the commit the forge has for branch.
func (f *forge) branchSHA(ctx context.Context, r forgeRepo, branch string) (string, error) {
	var b struct {
		Commit struct {
			ID string `json:"id"`
		} `json:"commit"`
	}
	if err := f.api(ctx, http.MethodGet, r.path()+"/branches/"+escapeSegments(branch), nil, &b); err != nil {
		return "", err
	}
	return b.Commit.ID, nil
}

// fluxSource makes Flux's source-controller on the management cluster clone
// the repository: a Secret <name>-auth (username User, password Token, the way
// a Flux user authenticates to Gitea/GitHub over HTTPS) and a GitRepository
// <name> on branch, both in ns (created if missing).
func (f *forge) fluxSource(ctx context.Context, t *testing.T, ns, name string, r forgeRepo, branch string) {
	t.Helper()
	mustApply(ctx, t, gvrNamespace, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	secret := fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata: {name: %s-auth, namespace: %s}\ntype: Opaque\nstringData:\n  username: %q\n  password: %q\n",
		name, ns, f.User, f.Token)
	if err := applyYAML(ctx, env.mgmt.dyn, gvrSecret, secret); err != nil {
		t.Fatalf("applying the Secret %s/%s-auth: %s", ns, name, f.redact(err.Error()))
	}
	mustApply(ctx, t, gvrGitRepository, fmt.Sprintf(`apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: %s, namespace: %s}
spec:
  interval: 1m
  url: %s
  ref: {branch: %s}
  secretRef: {name: %s-auth}
`, name, ns, r.CloneURL, branch, name))
}

// stepForge proves the forge the pull-request flow will run against works end
// to end, with no fleetctl in the loop yet: a private repository created
// through Gitea's API; a commit on main and one on a branch pushed with the
// real git over HTTP (token in an extra header); a pull request opened
// through the API and read back (title, body, head branch and commit, base);
// merged through the API into a real merge commit of main and the branch;
// main on the forge moved to it; and Flux's source-controller, given a
// username/token Secret, cloning the private repository and serving the
// merge commit (an anonymous reader gets a 404).
//
// `fleetctl cluster add --pr` extends this step, or a copy of it, with the same
// helpers: the fleet from `fleetctl init` (as in step 1) pushed to a
// repository made with createRepo, the flux-system source made with
// fluxSource; fleetctl run with authEnv plus the forge's URL and token (e.g.
// GITEA_TOKEN) and Host in the .fleetctl.yaml host setting, so that fleetctl
// itself pushes its branch and opens the pull request; the test then finds
// that pull request with listPRs, checks it with pr (head the fleetctl branch
// at the pushed commit, base main, title and body naming the cluster), merges
// it with mergePR and waits for the GitRepository to be Ready at the merge
// commit and for the Kustomizations and HelmRelease as in step 2.
func stepForge(ctx context.Context, t *testing.T) {
	fg := env.requireForge(ctx, t)
	repo := fg.createRepo(ctx, t, "fleet-forge")

	// Private: nobody without the token sees it.
	var anon *forgeAPIError
	err := fg.call(ctx, http.MethodGet, repo.path(), nil, nil, func(*http.Request) {})
	if !errors.As(err, &anon) || anon.Status != http.StatusNotFound {
		t.Fatalf("forge: anonymous GET %s: %v, want HTTP 404 (a private repository)", repo.path(), err)
	}

	// A first commit on main, pushed with git over HTTP.
	dir := filepath.Join(env.work, "forge-clone")
	if _, err := git(env.work, "init", "-b", "main", dir); err != nil {
		t.Fatal(err)
	}
	write := func(rel, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, rel), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("README.md", "# fleet on the e2e forge\n")
	fg.git(t, dir, "add", "README.md")
	fg.git(t, dir, "commit", "-m", "Initial commit")
	fg.git(t, dir, "remote", "add", "origin", repo.CloneURL)
	func() {
		defer progress("git push origin main over HTTP")()
		fg.git(t, dir, "push", "origin", "main")
	}()
	base := fg.git(t, dir, "rev-parse", "HEAD")
	fg.waitBranch(ctx, t, repo, "main", base)

	// A change on a branch, as fleetctl leaves it, pushed too.
	const branch = "fleetctl/forge-check"
	fg.git(t, dir, "checkout", "-b", branch)
	write("clusters.txt", "atlantic-aks\n")
	fg.git(t, dir, "add", "clusters.txt")
	fg.git(t, dir, "commit", "-m", "Add atlantic-aks")
	func() {
		defer progress("git push origin %s over HTTP", branch)()
		fg.git(t, dir, "push", "origin", branch)
	}()
	head := fg.git(t, dir, "rev-parse", "HEAD")
	fg.waitBranch(ctx, t, repo, branch, head)

	// The pull request, opened and read back.
	const title, body = "Add cluster atlantic-aks", "Opened by the fleetctl e2e test.\n\nOne commit on `fleetctl/forge-check`."
	opened := fg.openPR(ctx, t, repo, branch, "main", title, body)
	got := fg.pr(ctx, t, repo, opened.Number)
	if got.Title != title || got.Body != body || got.Head.Ref != branch || got.Head.SHA != head ||
		got.Base.Ref != "main" || got.State != "open" || got.Merged {
		t.Fatalf("forge: pull request #%d read back as title %q body %q head %s@%s base %s state %s merged %v; want %q %q %s@%s main open unmerged",
			got.Number, got.Title, got.Body, got.Head.Ref, got.Head.SHA, got.Base.Ref, got.State, got.Merged, title, body, branch, head)
	}
	if prs := fg.listPRs(ctx, t, repo, "open"); len(prs) != 1 || prs[0].Number != opened.Number {
		t.Fatalf("forge: open pull requests %+v, want only #%d", prs, opened.Number)
	}

	// Merged through the API: main moves to a merge commit of base and head.
	merged := fg.mergePR(ctx, t, repo, opened.Number)
	if merged.State != "closed" {
		t.Errorf("forge: pull request #%d state %q after merging, want closed", merged.Number, merged.State)
	}
	sha := merged.MergeCommitSHA
	fg.waitBranch(ctx, t, repo, "main", sha)
	fg.git(t, dir, "fetch", "origin")
	if m := fg.git(t, dir, "rev-parse", "origin/main"); m != sha {
		t.Fatalf("forge: fetched main at %s, want the merge commit %s", m, sha)
	}
	if parents := fg.git(t, dir, "rev-list", "--parents", "-n", "1", sha); parents != sha+" "+base+" "+head {
		t.Fatalf("forge: merge commit %s has parents %q, want %s (main) and %s (the branch)", sha, parents, base, head)
	}

	// Flux clones the private repository with the token and serves the merge commit.
	const ns, name = "forge-e2e", "fleet-forge"
	fg.fluxSource(ctx, t, ns, name, repo, "main")
	waitGitRepository(ctx, t, ns, name, sha, "source-controller", "gitea")
}

// escapeSegments escapes each /-separated part of a branch name for a URL path.
func escapeSegments(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }
