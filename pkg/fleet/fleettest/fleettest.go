// Package fleettest makes committed fleet repos for tests and benchmarks.
package fleettest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/go-git/go-git/v5/plumbing/filemode"
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

// RepoWithHistory is Repo with commits more commits on main after the first, each editing one
// cluster's values.yaml (a comment line), as a fleet repo that has been in use looks. The working
// tree and the index are at the last commit.
func RepoWithHistory(tb testing.TB, n, commits int) (*fleet.Fleet, *gitrepo.Repo) {
	tb.Helper()
	fl, repo := Repo(tb, n)
	if n == 0 || commits == 0 {
		return fl, repo
	}
	head, err := repo.Head()
	if err != nil {
		tb.Fatal(err)
	}
	parent := head.Commit
	latest := map[string][]byte{}
	for k := range commits {
		p := fl.ClusterDir(fmt.Sprintf("c%04d-aks", k%n)) + "/" + fleet.ValuesFile
		content, ok := latest[p]
		if !ok {
			if content, err = os.ReadFile(filepath.Join(fl.Root, filepath.FromSlash(p))); err != nil {
				tb.Fatal(err)
			}
		}
		content = append(slices.Clone(content), fmt.Sprintf("# revision %d\n", k)...)
		latest[p] = content
		sig := Signature
		sig.When = sig.When.Add(time.Duration(k+1) * time.Minute)
		if parent, err = repo.BuildCommit(parent, []gitrepo.FileChange{{Path: p, Content: content}}, fmt.Sprintf("Edit %s (%d)", p, k), sig, sig); err != nil {
			tb.Fatal(err)
		}
	}
	if err := repo.DeleteBranch("main", ""); err != nil {
		tb.Fatal(err)
	}
	if err := repo.CreateBranch("main", parent); err != nil {
		tb.Fatal(err)
	}
	var changes []fsx.Change
	var updates []gitrepo.IndexUpdate
	for p, content := range latest {
		changes = append(changes, fsx.Change{Path: p, Content: content})
	}
	if _, err := fsx.Apply(fl.Root, changes); err != nil {
		tb.Fatal(err)
	}
	snap, err := repo.SnapshotAt(parent)
	if err != nil {
		tb.Fatal(err)
	}
	for p := range latest {
		id, _ := snap.BlobID(p)
		updates = append(updates, gitrepo.IndexUpdate{Path: p, Entry: &gitrepo.IndexEntry{Hash: id, Mode: filemode.Regular}, Stat: true})
	}
	if err := repo.UpdateIndex(updates); err != nil {
		tb.Fatal(err)
	}
	return fl, repo
}
