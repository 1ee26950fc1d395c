//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// gitServer serves bare repositories under root over smart HTTP with
// `git http-backend` behind net/http/cgi, pushes included, the way
// source-controller would clone from GitHub.
type gitServer struct {
	root string
	url  string // http://127.0.0.1:PORT
	srv  *http.Server
	log  *os.File
}

func startGitServer(root, logPath string) (*gitServer, error) {
	gitBin, err := exec.LookPath("git")
	if err != nil {
		return nil, fmt.Errorf("the e2e test needs git for its smart-HTTP server: %w", err)
	}
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	backend := &cgi.Handler{
		Path:   gitBin,
		Args:   []string{"http-backend"},
		Env:    []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
		Stderr: lf,
		Logger: log.New(lf, "cgi: ", log.LstdFlags),
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		lf.Close()
		return nil, err
	}
	s := &gitServer{root: root, url: "http://" + l.Addr().String(), log: lf}
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(lf, "%s %s %s\n", r.RemoteAddr, r.Method, r.URL)
		backend.ServeHTTP(w, r)
	})}
	go s.srv.Serve(l)
	return s, nil
}

func (s *gitServer) close() {
	if s == nil {
		return
	}
	s.srv.Close()
	s.log.Close()
}

// newBareRepo creates root/name (a bare repository with default branch main) that accepts pushes.
func (s *gitServer) newBareRepo(name string) (string, error) {
	dir := filepath.Join(s.root, name)
	if _, err := git(s.root, "init", "--bare", "-b", "main", dir); err != nil {
		return "", err
	}
	if _, err := git(dir, "config", "http.receivepack", "true"); err != nil {
		return "", err
	}
	return s.url + "/" + name, nil
}

// gitEnv makes git and fleetctl commits reproducible and independent of the
// user's configuration.
var gitEnv = []string{
	"GIT_AUTHOR_NAME=fleetctl e2e", "GIT_AUTHOR_EMAIL=e2e@fleetctl.invalid",
	"GIT_COMMITTER_NAME=fleetctl e2e", "GIT_COMMITTER_EMAIL=e2e@fleetctl.invalid",
	"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0",
}

// git runs git in dir and returns its trimmed stdout.
func git(dir string, args ...string) (string, error) { return gitWithEnv(dir, nil, args...) }

// gitWithEnv is git with extra environment variables (e.g. forge.authEnv),
// which are not part of the error text.
func gitWithEnv(dir string, extraEnv []string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), gitEnv...), extraEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s (in %s): %w\n%s%s", strings.Join(args, " "), dir, err, out.String(), errb.String())
	}
	return strings.TrimSpace(out.String()), nil
}
