package fsview_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
	"github.com/fleetctl/fleetctl/pkg/fsview"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

func base() fstest.MapFS {
	return fstest.MapFS{
		"list.yaml":         {Data: []byte("resources: [a, b]\n")},
		"c/a/values.yaml":   {Data: []byte("name: a\n")},
		"c/a/hr.yaml":       {Data: []byte("kind: HelmRelease\n")},
		"c/b/values.yaml":   {Data: []byte("name: b\n")},
		"c/b/sub/x.yaml":    {Data: []byte("x\n")},
		"other/keep.txt":    {Data: []byte("keep\n")},
		"run.sh":            {Data: []byte("#!/bin/sh\n"), Mode: 0o755},
		"empty/placeholder": {Data: nil},
	}
}

func names(t *testing.T, fsys fs.FS, dir string) []string {
	t.Helper()
	es, err := fs.ReadDir(fsys, dir)
	if err != nil {
		t.Fatalf("ReadDir %s: %v", dir, err)
	}
	var out []string
	for _, e := range es {
		n := e.Name()
		if e.IsDir() {
			n += "/"
		}
		out = append(out, n)
	}
	return out
}

func TestOverlay(t *testing.T) {
	o := fsview.Overlay(base(), []fsx.Change{
		{Path: "c/new/values.yaml", Content: []byte("name: new\n")},
		{Path: "list.yaml", Content: []byte("resources: [a, b, new]\n")},
		{Path: "c/a/values.yaml", Delete: true},
		{Path: "c/a/hr.yaml", Delete: true},
		{Path: "c/b/sub", Delete: true},
	})
	if got := names(t, o, "c"); !slices.Equal(got, []string{"b/", "new/"}) {
		t.Errorf("c/ = %v: a is emptied by deletes, new exists", got)
	}
	if got := names(t, o, "c/b"); !slices.Equal(got, []string{"values.yaml"}) {
		t.Errorf("c/b = %v: a deleted folder goes with everything in it", got)
	}
	if b, err := fs.ReadFile(o, "list.yaml"); err != nil || string(b) != "resources: [a, b, new]\n" {
		t.Errorf("list.yaml = %q %v", b, err)
	}
	for _, p := range []string{"c/a", "c/a/values.yaml", "c/b/sub/x.yaml"} {
		if _, err := fs.Stat(o, p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: %v, want not found", p, err)
		}
	}
	if err := fstest.TestFS(o, "list.yaml", "c/new/values.yaml", "c/b/values.yaml", "other/keep.txt", "run.sh"); err != nil {
		t.Fatal(err)
	}
	// Written again after a delete: only the new content.
	o2 := fsview.Overlay(base(), []fsx.Change{{Path: "c/b", Delete: true}, {Path: "c/b/values.yaml", Content: []byte("name: b2\n")}})
	if got := names(t, o2, "c/b"); !slices.Equal(got, []string{"values.yaml"}) {
		t.Errorf("recreated folder = %v", got)
	}
}

// TreeID is git's own tree id: the same from a commit's snapshot, from the files on disk, and
// through an overlay that changes nothing under the folder; any change to a file changes it.
func TestTreeIDIsGits(t *testing.T) {
	fleettest.RequireGit(t)
	root := t.TempDir()
	repo, err := gitrepo.Init(root, "main")
	if err != nil {
		t.Fatal(err)
	}
	var changes []fsx.Change
	for p, f := range base() {
		changes = append(changes, fsx.Change{Path: p, Content: f.Data})
	}
	if _, err := fsx.Apply(root, changes); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(root, "run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	sig := gitrepo.Signature{Name: "T", Email: "t@example.com", When: time.Unix(1_800_000_000, 0)}
	if _, err := repo.Commit("", []string{""}, "base", sig, sig); err != nil {
		t.Fatal(err)
	}
	snap, err := repo.Snapshot("main")
	if err != nil {
		t.Fatal(err)
	}
	disk := os.DirFS(root)
	for _, dir := range []string{"c/a", "c/b", "c", "other"} {
		want := fleettest.Git(t, root, "rev-parse", "HEAD:"+dir)
		for name, fsys := range map[string]fs.FS{"snapshot": snap, "disk": disk, "worktree": repo.Worktree(), "overlay": fsview.Overlay(snap, []fsx.Change{{Path: "other2/x", Content: []byte("x")}})} {
			if got, ok := fsview.TreeID(fsys, dir); !ok || got != want {
				t.Errorf("%s: fsview.TreeID(%s) = %s, want git's %s", name, dir, got, want)
			}
		}
	}
	for _, p := range []string{"list.yaml", "c/b/sub/x.yaml"} {
		if got, _ := fsview.BlobID(disk, p); got != fleettest.Git(t, root, "rev-parse", "HEAD:"+p) {
			t.Errorf("fsview.BlobID(%s) = %s", p, got)
		}
	}
	// A file edited on disk gives its folder another id through the worktree view.
	if err := os.WriteFile(filepath.Join(root, "c", "b", "values.yaml"), []byte("name: B\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := fsview.TreeID(repo.Worktree(), "c/b"); got == fleettest.Git(t, root, "rev-parse", "HEAD:c/b") {
		t.Error("worktree: an edited file does not change its folder's id")
	}
	edited := fsview.Overlay(snap, []fsx.Change{{Path: "c/b/values.yaml", Content: []byte("name: b2\n")}})
	a, _ := fsview.TreeID(edited, "c/b")
	b, _ := fsview.TreeID(snap, "c/b")
	c, _ := fsview.TreeID(edited, "c/a")
	d, _ := fsview.TreeID(snap, "c/a")
	if a == b || c != d {
		t.Errorf("an edit must change its folder's id and no other: %s %s, %s %s", a, b, c, d)
	}
}
