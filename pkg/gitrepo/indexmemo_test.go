package gitrepo

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

func memoOf(r *Repo) *indexMemo { return r.indexMemo() }

// indexOnDisk decodes the index file with go-git, as readIndex did before
// it memoized anything.
func indexOnDisk(t *testing.T, r *Repo) *index.Index {
	t.Helper()
	path := filepath.Join(r.gitDir, "index")
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return &index.Index{Version: 2}
	}
	if err != nil {
		t.Fatal(err)
	}
	idx, err := goGitDecode(data)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	idx.ModTime = fi.ModTime()
	return idx
}

// otherObjectName returns the index file at path with another object name
// in its first entry and the checksum to match: of the same size.
func otherObjectName(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[12+40] ^= 1
	return sumIndex(data[:len(data)-20])
}

func memoTestFiles() map[string]string {
	files := map[string]string{}
	for i := range 20 {
		files[fmt.Sprintf("capi/clusters/c%02d/values.yaml", i)] = fmt.Sprintf("n: %d\n", i)
	}
	return files
}

// TestReadIndexMemo checks that a second read of an unchanged index comes
// from the memo, and that what readIndex returns can be changed freely.
func TestReadIndexMemo(t *testing.T) {
	r := newRepoWithGit(t, memoTestFiles())
	gitRun(t, r.Root(), "write-tree") // a TREE extension too
	a, err := r.readIndex()
	if err != nil {
		t.Fatal(err)
	}
	m := memoOf(r)
	if m == nil {
		t.Fatal("index not memoized")
	}
	want := indexOnDisk(t, r)
	if d := indexDiff(want, a); d != "" {
		t.Fatal(d)
	}
	if a.Cache == nil {
		t.Fatal("no TREE extension")
	}

	b, err := r.readIndex()
	if err != nil {
		t.Fatal(err)
	}
	if memoOf(r) != m {
		t.Fatal("second read replaced the memo")
	}
	if d := indexDiff(want, b); d != "" {
		t.Fatal(d)
	}
	if a == b || a.Entries[0] == b.Entries[0] || a.Cache == b.Cache || &a.Entries[0] == &b.Entries[0] {
		t.Fatal("two reads share data")
	}

	// Change everything a caller could change in what it got.
	a.Version = 9
	a.Entries[0].Name, a.Entries[0].SkipWorktree, a.Entries[0].Hash[0] = "changed", true, 0xff
	a.Entries[1] = &index.Entry{Name: "replaced"}
	a.Entries = append(a.Entries[:2], &index.Entry{Name: "added"})
	a.Cache.Entries[0].Path, a.Cache.Entries[0].Hash[0] = "x", 0xff
	a.Cache = nil
	a.SkipUnless([]string{"nothing"})
	c, err := r.readIndex()
	if err != nil {
		t.Fatal(err)
	}
	if d := indexDiff(want, c); d != "" {
		t.Fatalf("a change to a returned index reached the memo: %s", d)
	}
	if d := indexDiff(want, m.idx); d != "" {
		t.Fatalf("memo changed: %s", d)
	}

	// Proof that reads come from the memo: a marked memo is copied.
	saved := m.idx
	m.idx = &index.Index{Version: 42}
	if d, err := r.readIndex(); err != nil || d.Version != 42 {
		t.Fatalf("read of an unchanged index did not use the memo: %v, %v", d, err)
	}
	m.idx = saved
}

// TestReadIndexMemoNotStale changes the index in every way it can change
// after it was memoized and checks that readIndex sees the change.
func TestReadIndexMemoNotStale(t *testing.T) {
	requireGit(t)
	cases := []struct {
		name   string
		change func(t *testing.T, r *Repo)
	}{
		{"git-add", func(t *testing.T, r *Repo) {
			writeFile(t, r.Root(), "capi/clusters/c01/values.yaml", "n: 99\n")
			gitRun(t, r.Root(), "add", "capi")
		}},
		{"git-update-index-same-size", func(t *testing.T, r *Repo) {
			// The same path with another object name: the same size.
			blob := gitRun(t, r.Root(), "hash-object", "-w", "--stdin")
			gitRun(t, r.Root(), "update-index", "--cacheinfo", "100644,"+blob+",capi/clusters/c01/values.yaml")
		}},
		{"UpdateIndex", func(t *testing.T, r *Repo) {
			if err := r.UpdateIndex([]IndexUpdate{{Path: "capi/clusters/c02/values.yaml",
				Entry: &IndexEntry{Hash: emptyBlob.String(), Mode: filemode.Regular}}}); err != nil {
				t.Fatal(err)
			}
			if memoOf(r) != nil {
				t.Error("the memo survived a write of the index")
			}
		}},
		{"Commit", func(t *testing.T, r *Repo) {
			writeFile(t, r.Root(), "capi/clusters/c03/values.yaml", "n: 33\n")
			if _, err := r.Commit("", []string{"capi"}, "change", testAuthor, testCommitter); err != nil {
				t.Fatal(err)
			}
		}},
		{"in-place-same-size-and-mtime", func(t *testing.T, r *Repo) {
			// Another writer rewrites the file in place with contents of
			// the same size and puts the mtime back.
			path := filepath.Join(r.gitDir, "index")
			fi, _ := os.Stat(path)
			if err := os.WriteFile(path, otherObjectName(t, path), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
		}},
		{"same-stat-other-contents", func(t *testing.T, r *Repo) {
			// As on a file system with coarse timestamps where the new
			// index got the old one's inode number: the stat data the memo
			// was made with is the new file's; only the checksum differs.
			path := filepath.Join(r.gitDir, "index")
			if err := os.WriteFile(path+".new", otherObjectName(t, path), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(path+".new", path); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			m := memoOf(r)
			m.fi, m.key = fi, indexFileKeyOf(fi)
		}},
		{"removed", func(t *testing.T, r *Repo) {
			if err := os.Remove(filepath.Join(r.gitDir, "index")); err != nil {
				t.Fatal(err)
			}
		}},
		{"git-rm-cached-all", func(t *testing.T, r *Repo) {
			gitRun(t, r.Root(), "rm", "-r", "-q", "--cached", ".")
		}},
		{"version-4", func(t *testing.T, r *Repo) {
			gitRun(t, r.Root(), "update-index", "--index-version", "4")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRepoWithGit(t, memoTestFiles())
			before, err := r.readIndex()
			if err != nil {
				t.Fatal(err)
			}
			if memoOf(r) == nil {
				t.Fatal("not memoized")
			}
			c.change(t, r)
			want := indexOnDisk(t, r)
			if reflect.DeepEqual(want.Entries, before.Entries) && c.name != "removed" && want.Version == before.Version {
				t.Fatal("the change changed no entry")
			}
			for i := range 2 {
				got, err := r.readIndex()
				if err != nil {
					t.Fatal(err)
				}
				if d := indexDiff(want, got); d != "" {
					t.Fatalf("read %d after the change: %s", i, d)
				}
			}
		})
	}
}

// TestReadIndexMemoCorrupt checks that a corrupt index is an error every
// time, and that the memo goes with it.
func TestReadIndexMemoCorrupt(t *testing.T) {
	r := newRepoWithGit(t, memoTestFiles())
	if _, err := r.readIndex(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(r.gitDir, "index")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), good...)
	bad[len(bad)-1] ^= 1
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := r.readIndex(); err == nil || err.Error() != fmt.Sprintf("gitrepo: reading index %s: %v", path, index.ErrInvalidChecksum) {
			t.Fatalf("corrupt index: %v", err)
		}
	}
	if memoOf(r) != nil {
		t.Error("memo kept for a corrupt index")
	}
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := r.readIndex(); err != nil || indexDiff(indexOnDisk(t, r), got) != "" {
		t.Fatalf("repaired index: %v", err)
	}
}

// TestReadIndexMemoRapidWrites writes the index many times in a row, by
// this package and by git, with contents of the same size, and reads it
// after each write.
func TestReadIndexMemoRapidWrites(t *testing.T) {
	r := newRepoWithGit(t, map[string]string{"a": "a", "b": "b"})
	blobs := []string{gitRun(t, r.Root(), "hash-object", "-w", "a"), gitRun(t, r.Root(), "hash-object", "-w", "b")}
	for i := range 40 {
		want := blobs[i%2]
		if i%4 == 3 {
			gitRun(t, r.Root(), "update-index", "--cacheinfo", "100644,"+want+",f")
		} else if err := r.UpdateIndex([]IndexUpdate{{Path: "f", Entry: &IndexEntry{Hash: want, Mode: filemode.Regular}}}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			got, err := r.IndexEntries([]string{"f"})
			if err != nil {
				t.Fatal(err)
			}
			if got["f"].Hash != want {
				t.Fatalf("write %d: index has %s, want %s", i, got["f"].Hash, want)
			}
		}
	}
}

// TestReadIndexMemoConcurrent reads the index from several Repos while
// another one rewrites it (run with -race).
func TestReadIndexMemoConcurrent(t *testing.T) {
	w := newRepoWithGit(t, map[string]string{"a": "a", "b": "b"})
	blobs := []string{gitRun(t, w.Root(), "hash-object", "-w", "a"), gitRun(t, w.Root(), "hash-object", "-w", "b")}
	if err := w.UpdateIndex([]IndexUpdate{{Path: "f", Entry: &IndexEntry{Hash: blobs[0], Mode: filemode.Regular}}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 8)
	for range 3 {
		r, err := Open(w.Root())
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := r.IndexEntries([]string{"f"})
				if err != nil {
					errs <- err
					return
				}
				if h := got["f"].Hash; h != blobs[0] && h != blobs[1] {
					errs <- fmt.Errorf("read %q", h)
					return
				}
			}
		}()
	}
	for i := range 30 {
		if err := w.UpdateIndex([]IndexUpdate{{Path: "f", Entry: &IndexEntry{Hash: blobs[i%2], Mode: filemode.Regular}}}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
