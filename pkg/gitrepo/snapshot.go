package gitrepo

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fleetctl/fleetctl/pkg/fsview"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ErrNoRef is returned by Snapshot when the revision does not resolve.
var ErrNoRef = errors.New("revision not found")

// Snapshot is the committed tree of one revision as a read-only fs.FS (slash paths relative to the
// repository root, as fs.ValidPath wants them), read from the object database without touching the
// working tree or the index. It also tells the git object id of every file and folder (BlobID,
// TreeID), which callers use as content keys. It is safe for concurrent use.
type Snapshot struct {
	// Ref is the revision as given; Commit its full hash.
	Ref    string
	Commit string
	// When is the commit's committer time (every file's ModTime).
	When time.Time

	r  *Repo
	mu sync.Mutex // go-git's object storage is not documented as safe for concurrent reads
	// trees caches the trees read so far, by repository path ("" is the root), and their entries
	// by name: a folder of 10,000 clusters is looked up 10,000 times.
	trees   map[string]*object.Tree
	entries map[*object.Tree]map[string]int
}

// Snapshot resolves rev (a branch, tag, "HEAD", "origin/main" or a commit hash) to its tree.
func (r *Repo) Snapshot(rev string) (*Snapshot, error) {
	h, err := r.ResolveCommit(rev)
	if err != nil {
		return nil, err
	}
	return r.SnapshotAt(h)
}

// SnapshotAt returns the tree of commit (a full hash).
func (r *Repo) SnapshotAt(commit string) (*Snapshot, error) {
	c, err := object.GetCommit(r.store, plumbing.NewHash(commit))
	if err != nil {
		return nil, fmt.Errorf("gitrepo: reading commit %s: %w", commit, err)
	}
	t, err := object.GetTree(r.store, c.TreeHash)
	if err != nil {
		return nil, fmt.Errorf("gitrepo: reading tree of %s: %w", commit, err)
	}
	return &Snapshot{Ref: commit, Commit: commit, When: c.Committer.When, r: r, trees: map[string]*object.Tree{"": t}, entries: map[*object.Tree]map[string]int{}}, nil
}

// ResolveCommit resolves a revision to the full hash of the commit it names.
func (r *Repo) ResolveCommit(rev string) (string, error) {
	h, err := r.repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return "", fmt.Errorf("gitrepo: %q: %w", rev, ErrNoRef)
	}
	if _, err := object.GetCommit(r.store, *h); err != nil {
		return "", fmt.Errorf("gitrepo: %q is not a commit: %w", rev, ErrNoRef)
	}
	return h.String(), nil
}

// DefaultBranch returns the repo's default branch: the target of origin/HEAD when a remote says
// ("origin/main"), else "main" or "master" when such a branch exists, else "".
func (r *Repo) DefaultBranch() string {
	if ref, err := r.store.Reference(plumbing.NewRemoteHEADReferenceName("origin")); err == nil && ref.Type() == plumbing.SymbolicReference {
		if _, err := r.store.Reference(ref.Target()); err == nil {
			return strings.TrimPrefix(ref.Target().String(), "refs/remotes/")
		}
	}
	for _, b := range []string{"main", "master"} {
		if ok, _ := r.BranchExists(b); ok {
			return b
		}
	}
	return ""
}

// Repo returns the repository the snapshot was read from.
func (s *Snapshot) Repo() *Repo { return s.r }

// tree returns the tree at repository directory dir ("" or "." for the root), or nil when there is
// no directory there. s.mu must be held.
func (s *Snapshot) tree(dir string) (*object.Tree, error) {
	if dir == "." {
		dir = ""
	}
	if t, ok := s.trees[dir]; ok {
		return t, nil
	}
	parent, err := s.tree(parentDir(dir))
	if err != nil || parent == nil {
		s.trees[dir] = nil
		return nil, err
	}
	var t *object.Tree
	if e, ok := s.lookup(parent, path.Base(dir)); ok && e.Mode == filemode.Dir {
		if t, err = object.GetTree(s.r.store, e.Hash); err != nil {
			return nil, fmt.Errorf("gitrepo: reading tree %s: %w", e.Hash, err)
		}
	}
	s.trees[dir] = t
	return t, nil
}

// lookup finds the entry called name in t. s.mu must be held.
func (s *Snapshot) lookup(t *object.Tree, name string) (object.TreeEntry, bool) {
	idx, ok := s.entries[t]
	if !ok {
		idx = make(map[string]int, len(t.Entries))
		for i, e := range t.Entries {
			idx[e.Name] = i
		}
		s.entries[t] = idx
	}
	i, ok := idx[name]
	if !ok {
		return object.TreeEntry{}, false
	}
	return t.Entries[i], true
}

// entry returns the tree entry at name (not the root). s.mu must be held.
func (s *Snapshot) entry(name string) (object.TreeEntry, bool, error) {
	parent, err := s.tree(parentDir(name))
	if err != nil || parent == nil {
		return object.TreeEntry{}, false, err
	}
	e, ok := s.lookup(parent, path.Base(name))
	return e, ok, nil
}

func (s *Snapshot) pathErr(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// Open opens a file or directory of the snapshot.
func (s *Snapshot) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, s.pathErr("open", name, fs.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == "." {
		return s.dir("."), nil
	}
	e, ok, err := s.entry(name)
	switch {
	case err != nil:
		return nil, s.pathErr("open", name, err)
	case !ok:
		return nil, s.pathErr("open", name, fs.ErrNotExist)
	case e.Mode == filemode.Dir:
		return fsview.Dir(name, s.dirInfo(name, e.Hash), func() ([]fs.DirEntry, error) { return s.ReadDir(name) }), nil
	case e.Mode == filemode.Submodule:
		return nil, s.pathErr("open", name, fmt.Errorf("%w: a submodule", fs.ErrNotExist))
	}
	data, err := s.blob(e.Hash)
	if err != nil {
		return nil, s.pathErr("open", name, err)
	}
	return fsview.File(data, s.fileInfo(e, int64(len(data)))), nil
}

// ReadFile returns a file's content (fs.ReadFileFS).
func (s *Snapshot) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) || name == "." {
		return nil, s.pathErr("read", name, fs.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok, err := s.entry(name)
	switch {
	case err != nil:
		return nil, s.pathErr("read", name, err)
	case !ok || e.Mode == filemode.Submodule:
		return nil, s.pathErr("read", name, fs.ErrNotExist)
	case e.Mode == filemode.Dir:
		return nil, s.pathErr("read", name, errors.New("is a directory"))
	}
	data, err := s.blob(e.Hash)
	if err != nil {
		return nil, s.pathErr("read", name, err)
	}
	return data, nil
}

// ReadDir lists a directory, sorted by name (fs.ReadDirFS). Submodules are left out.
func (s *Snapshot) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, s.pathErr("readdir", name, fs.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tree(name)
	if err != nil {
		return nil, s.pathErr("readdir", name, err)
	}
	if t == nil {
		if _, ok, _ := s.entry(name); ok {
			return nil, s.pathErr("readdir", name, errors.New("not a directory"))
		}
		return nil, s.pathErr("readdir", name, fs.ErrNotExist)
	}
	out := make([]fs.DirEntry, 0, len(t.Entries))
	for _, e := range t.Entries {
		if e.Mode == filemode.Submodule {
			continue
		}
		var info fs.FileInfo
		if e.Mode == filemode.Dir {
			info = s.dirInfo(path.Join(name, e.Name), e.Hash)
		} else {
			info = s.fileInfo(e, -1)
		}
		out = append(out, fs.FileInfoToDirEntry(info))
	}
	// git sorts directories as if their names ended in "/"; fs.ReadDir sorts by name.
	sortEntries(out)
	return out, nil
}

// Stat describes a file or directory (fs.StatFS).
func (s *Snapshot) Stat(name string) (fs.FileInfo, error) {
	f, err := s.Open(name)
	if err != nil {
		return nil, err
	}
	return f.Stat()
}

// BlobID returns the git blob id of the file at name, without reading it.
func (s *Snapshot) BlobID(name string) (string, bool) {
	if !fs.ValidPath(name) || name == "." {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok, err := s.entry(name)
	if err != nil || !ok || !e.Mode.IsFile() {
		return "", false
	}
	return e.Hash.String(), true
}

// TreeID returns the git tree id of the directory at name ("." is the root), without reading what
// is below it.
func (s *Snapshot) TreeID(name string) (string, bool) {
	if !fs.ValidPath(name) {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.trees[name]; ok || name == "." {
		if name == "." {
			t = s.trees[""]
		}
		if t == nil {
			return "", false
		}
		return t.Hash.String(), true
	}
	// The parent's entry has the id: the folder itself need not be read.
	e, ok, err := s.entry(name)
	if err != nil || !ok || e.Mode != filemode.Dir {
		return "", false
	}
	return e.Hash.String(), true
}

// blob reads a blob's content. s.mu must be held.
func (s *Snapshot) blob(h plumbing.Hash) ([]byte, error) { return s.r.readBlob(h) }

// fileInfo describes a file entry; size < 0 reads the size from the object store lazily.
func (s *Snapshot) fileInfo(e object.TreeEntry, size int64) *snapInfo {
	mode := fs.FileMode(0o644)
	switch e.Mode {
	case filemode.Executable:
		mode = 0o755
	case filemode.Symlink:
		mode = fs.ModeSymlink | 0o777
	}
	return &snapInfo{s: s, name: e.Name, mode: mode, size: size, hash: e.Hash}
}

func (s *Snapshot) dirInfo(name string, h plumbing.Hash) *snapInfo {
	return &snapInfo{s: s, name: path.Base(name), mode: fs.ModeDir | 0o755, hash: h}
}

type snapInfo struct {
	s    *Snapshot
	name string
	mode fs.FileMode
	size int64
	hash plumbing.Hash
}

func (i *snapInfo) Name() string       { return i.name }
func (i *snapInfo) Mode() fs.FileMode  { return i.mode }
func (i *snapInfo) ModTime() time.Time { return i.s.When }
func (i *snapInfo) IsDir() bool        { return i.mode.IsDir() }
func (i *snapInfo) Sys() any           { return nil }

// Size reads a blob's size from the object store the first time it is asked for.
func (i *snapInfo) Size() int64 {
	if i.size >= 0 || i.IsDir() {
		return max(i.size, 0)
	}
	i.s.mu.Lock()
	defer i.s.mu.Unlock()
	if sz, err := i.s.r.store.EncodedObjectSize(i.hash); err == nil {
		i.size = sz
	} else {
		i.size = 0
	}
	return i.size
}

func (s *Snapshot) dir(name string) fs.File {
	return fsview.Dir(name, s.dirInfo(name, plumbing.ZeroHash), func() ([]fs.DirEntry, error) { return s.ReadDir(name) })
}

func sortEntries(es []fs.DirEntry) {
	slices.SortFunc(es, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
}

// CommitSubject returns the first line of the message of the commit rev names.
func (r *Repo) CommitSubject(rev string) (string, error) {
	h, err := r.ResolveCommit(rev)
	if err != nil {
		return "", err
	}
	c, err := object.GetCommit(r.store, plumbing.NewHash(h))
	if err != nil {
		return "", err
	}
	subject, _, _ := strings.Cut(c.Message, "\n")
	return strings.TrimSpace(subject), nil
}
