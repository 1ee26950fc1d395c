// Package fleettest makes committed fleet repos for tests and benchmarks.
package fleettest

import (
	"strings"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// Signature is the fixed author and committer of the repos made here.
var Signature = gitrepo.Signature{Name: "Test", Email: "test@example.com", When: time.Unix(1_800_000_000, 0)}

// Repo makes a git repo in a temp folder holding init's skeleton and n clusters c0000-aks,
// c0001-aks, ... as fleetctl writes them (fleet.SyntheticFiles), committed on main.
func Repo(tb testing.TB, n int) (*fleet.Fleet, *gitrepo.Repo) {
	tb.Helper()
	root := tb.TempDir()
	repo, err := gitrepo.Init(root, "main")
	if err != nil {
		tb.Fatal(err)
	}
	fl, err := fleet.New(root, config.Default())
	if err != nil {
		tb.Fatal(err)
	}
	files, _, err := fl.SyntheticFiles(n)
	if err != nil {
		tb.Fatal(err)
	}
	top := map[string]bool{}
	changes := make([]fsx.Change, len(files))
	for i, f := range files {
		changes[i] = fsx.Change{Path: f.Path, Content: f.Content}
		top[strings.SplitN(f.Path, "/", 2)[0]] = true
	}
	if _, err := fsx.Apply(root, changes); err != nil {
		tb.Fatal(err)
	}
	var paths []string
	for p := range top {
		paths = append(paths, p)
	}
	if _, err := repo.Commit("", paths, "fleet", Signature, Signature); err != nil {
		tb.Fatal(err)
	}
	return fl, repo
}
