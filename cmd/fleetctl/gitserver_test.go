package main

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/http/cgi"
	"os/exec"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// gitserve ROOT [USER TOKEN]: serve the bare repositories under ROOT over HTTP with the real `git
// http-backend` (pushes allowed), on loopback, until the script ends; with USER and TOKEN, every
// request needs basic auth with them. $GITSERVER is set to the server's base URL.
func gitServeCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || (len(args) != 1 && len(args) != 3) {
		ts.Fatalf("usage: gitserve ROOT [USER TOKEN]")
	}
	backend, err := exec.Command("git", "--exec-path").Output()
	ts.Check(err)
	h := &cgi.Handler{
		Path: strings.TrimSpace(string(backend)) + "/git-http-backend",
		Env:  []string{"GIT_PROJECT_ROOT=" + ts.MkAbs(args[0]), "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1", "HOME=" + ts.Getenv("HOME")},
	}
	var handler http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(args) == 3 {
			u, p, ok := r.BasicAuth()
			if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(args[1])) != 1 || subtle.ConstantTimeCompare([]byte(p), []byte(args[2])) != 1 {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				http.Error(w, "authentication required", http.StatusUnauthorized)
				return
			}
			r.Header.Set("REMOTE_USER", u)
		}
		// Pushes need a user to the backend (http.receivepack defaults to on for authenticated users).
		h2 := *h
		h2.Env = append(append([]string(nil), h.Env...), "REMOTE_USER=tester")
		h2.ServeHTTP(w, r)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	srv := &http.Server{Handler: handler}
	go srv.Serve(l)
	ts.Defer(func() { srv.Close() })
	ts.Setenv("GITSERVER", "http://"+l.Addr().String())
	ts.Setenv("GITSERVER_HOSTPORT", l.Addr().String())
}
