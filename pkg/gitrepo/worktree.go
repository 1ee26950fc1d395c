package gitrepo

import (
	"io/fs"
	"os"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// Worktree is the working tree as a read-only fs.FS (os.DirFS of the top level) that also tells
// the git blob id of a file without reading it when the file's stat data matches its index entry,
// as git itself trusts it (racily clean entries excepted); other files are read and hashed. Content
// keys of folders (fsview.TreeID) are then as cheap as a listing and a stat per file. It is safe
// for concurrent use.
type Worktree struct {
	fs.FS
	r *Repo

	once   sync.Once
	s      *scanner
	byName map[string]*index.Entry
}

// Worktree returns the working tree view.
func (r *Repo) Worktree() *Worktree { return &Worktree{FS: os.DirFS(r.root), r: r} }

func (w *Worktree) load() {
	w.once.Do(func() {
		idx, err := w.r.readIndex()
		if err != nil {
			idx = &index.Index{}
		}
		w.s = &scanner{r: w.r, idx: idx}
		w.byName = make(map[string]*index.Entry, len(idx.Entries))
		for _, e := range idx.Entries {
			if e.Stage == 0 && !e.IntentToAdd && !e.SkipWorktree {
				w.byName[e.Name] = e
			}
		}
	})
}

// BlobID returns the git blob id of the regular file at name.
func (w *Worktree) BlobID(name string) (string, bool) {
	if !fs.ValidPath(name) || name == "." {
		return "", false
	}
	fi, err := os.Lstat(w.r.osPath(name))
	if err != nil {
		return "", false
	}
	return w.StatBlobID(name, fi)
}

// StatBlobID is BlobID given the file's Lstat information (from a listing of its folder).
func (w *Worktree) StatBlobID(name string, fi fs.FileInfo) (string, bool) {
	if !fi.Mode().IsRegular() {
		return "", false
	}
	w.load()
	if e := w.byName[name]; e != nil && (e.Mode == filemode.Regular || e.Mode == filemode.Executable) && w.s.statClean(e, fi) {
		return e.Hash.String(), true
	}
	data, err := os.ReadFile(w.r.osPath(name))
	if err != nil {
		return "", false
	}
	return plumbing.ComputeHash(plumbing.BlobObject, data).String(), true
}
