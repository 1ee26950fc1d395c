package main

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/fleetctl/fleetctl/pkg/cli"
)

var update = flag.Bool("update", false, "rewrite the expected files in testdata/script with the actual output")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"fleetctl": func() { os.Exit(cli.Main()) },
	})
}

// TestScript runs the end-to-end scripts in testdata/script against the real binary. Scripts that
// use git need the real git command (CI installs it).
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, ".home")
			if err := os.MkdirAll(home, 0o755); err != nil {
				return err
			}
			for k, v := range map[string]string{
				"HOME":                home,
				"XDG_CONFIG_HOME":     filepath.Join(home, ".config"),
				"GIT_CONFIG_NOSYSTEM": "1",
				"GIT_AUTHOR_NAME":     "Fleet Tester",
				"GIT_AUTHOR_EMAIL":    "tester@example.com",
				"GIT_AUTHOR_DATE":     "2026-11-24T10:00:00Z",
				"GIT_COMMITTER_NAME":  "Fleet Tester",
				"GIT_COMMITTER_EMAIL": "tester@example.com",
				"GIT_COMMITTER_DATE":  "2026-11-24T10:00:00Z",
				"NO_COLOR":            "1",
				// Support windows are checked at this day, not the clock's (docs/providers.md).
				"FLEETCTL_NOW": "2026-12-04",
			} {
				env.Setenv(k, v)
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "git" {
				_, err := exec.LookPath("git")
				if err != nil && os.Getenv("CI") == "true" {
					return false, errors.New("the git command is not on PATH: CI must install it (.ci/run does), these scripts may not skip")
				}
				return err == nil, nil
			}
			return false, nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// tree DIR: print every file under DIR (outside .git), sorted, one per line.
			"tree": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: tree DIR")
				}
				root := ts.MkAbs(args[0])
				var files []string
				err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
					if err != nil {
						return err
					}
					if info.IsDir() && info.Name() == ".git" {
						return filepath.SkipDir
					}
					if !info.IsDir() {
						rel, _ := filepath.Rel(root, p)
						files = append(files, filepath.ToSlash(rel))
					}
					return nil
				})
				ts.Check(err)
				sort.Strings(files)
				ts.Stdout().Write([]byte(strings.Join(files, "\n") + "\n"))
			},
			// snapshot DIR NAME / unchanged DIR NAME: record every file's content under DIR (outside .git)
			// and later check the tree is byte-for-byte the same.
			"exitcode": exitCodeCmd,
			// waitfile FILE: wait (up to 20 s) until FILE exists, e.g. a fault point's pause file.
			"waitfile": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: waitfile FILE")
				}
				deadline := time.Now().Add(20 * time.Second)
				for {
					if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
						return
					}
					if time.Now().After(deadline) {
						ts.Fatalf("%s did not appear", args[0])
					}
					time.Sleep(10 * time.Millisecond)
				}
			},
			"snapshot":  snapshotCmd,
			"unchanged": unchangedCmd,
			"gitserve":  gitServeCmd,
			"sshserve":  sshServeCmd,
		},
	})
}

// exitcode N PROG ARGS...: run PROG like exec and check its exit code is exactly N; stdout and stderr
// are kept for the next stdout/stderr checks.
func exitCodeCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = exitErr.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}

var snapshots = map[string]map[string]string{}

func readTree(ts *testscript.TestScript, dir string) map[string]string {
	root := ts.MkAbs(dir)
	out := map[string]string{}
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() && info.Name() == ".git" && p != root {
			// keep refs and HEAD, which say which branches exist and where HEAD points
			for _, f := range []string{"HEAD"} {
				b, _ := os.ReadFile(filepath.Join(p, f))
				out[".git/"+f] = string(b)
			}
			refs := filepath.Join(p, "refs", "heads")
			_ = filepath.Walk(refs, func(rp string, ri os.FileInfo, err error) error {
				if err == nil && !ri.IsDir() {
					b, _ := os.ReadFile(rp)
					rel, _ := filepath.Rel(p, rp)
					out[".git/"+filepath.ToSlash(rel)] = string(b)
				}
				return nil
			})
			return filepath.SkipDir
		}
		if !info.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			out[filepath.ToSlash(rel)] = string(b)
		} else if p != root {
			rel, _ := filepath.Rel(root, p)
			out[filepath.ToSlash(rel)+"/"] = "dir"
		}
		return nil
	})
	ts.Check(err)
	return out
}

func snapshotCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: snapshot DIR NAME")
	}
	snapshots[ts.Getenv("WORK")+"/"+args[1]] = readTree(ts, args[0])
}

func unchangedCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: unchanged DIR NAME")
	}
	before, ok := snapshots[ts.Getenv("WORK")+"/"+args[1]]
	if !ok {
		ts.Fatalf("no snapshot %s", args[1])
	}
	after := readTree(ts, args[0])
	var diffs []string
	for k, v := range before {
		if w, ok := after[k]; !ok {
			diffs = append(diffs, "removed "+k)
		} else if w != v {
			diffs = append(diffs, "changed "+k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			diffs = append(diffs, "added "+k)
		}
	}
	sort.Strings(diffs)
	if (len(diffs) == 0) == neg {
		ts.Fatalf("tree %s vs snapshot %s: %v", args[0], args[1], diffs)
	}
}
