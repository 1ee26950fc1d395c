package gitrepo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// The pieces below let a caller make a commit without staging anything (BuildCommit), create its
// branch, bring the working tree and the index to it path by path, and point HEAD at it; each
// piece is atomic on its own (git's lock-file protocol: write NAME.lock, rename it over NAME), so a
// caller that journals what it is about to do can always undo a sequence of them.

// HeadState is where HEAD points: a branch (possibly unborn, then Commit is "") or, detached, a
// commit.
type HeadState struct {
	Branch string `json:"branch,omitempty"`
	Commit string `json:"commit,omitempty"`
}

// Detached reports whether HEAD points directly at a commit.
func (h HeadState) Detached() bool { return h.Branch == "" }

// String describes the state for messages: "main", "detached at 1a2b3c4d5e6f".
func (h HeadState) String() string {
	if h.Branch != "" {
		return h.Branch
	}
	if len(h.Commit) > 12 {
		return "detached at " + h.Commit[:12]
	}
	return "detached at " + h.Commit
}

// Head returns where HEAD points.
func (r *Repo) Head() (HeadState, error) {
	head, err := r.store.Reference(plumbing.HEAD)
	if err != nil {
		return HeadState{}, fmt.Errorf("gitrepo: reading HEAD: %w", err)
	}
	if head.Type() != plumbing.SymbolicReference {
		return HeadState{Commit: head.Hash().String()}, nil
	}
	if !head.Target().IsBranch() {
		return HeadState{}, fmt.Errorf("gitrepo: HEAD points at %s, not at a branch", head.Target())
	}
	st := HeadState{Branch: head.Target().Short()}
	ref, err := r.store.Reference(head.Target())
	switch {
	case err == nil:
		st.Commit = ref.Hash().String()
	case !errors.Is(err, plumbing.ErrReferenceNotFound):
		return HeadState{}, fmt.Errorf("gitrepo: reading %s: %w", head.Target(), err)
	}
	return st, nil
}

// GitDir is the repository's git folder for this working tree (.git, or .git/worktrees/NAME).
func (r *Repo) GitDir() string { return r.gitDir }

// FileChange is a file of a commit to build: new content, or a delete.
type FileChange struct {
	Path    string
	Content []byte
	Delete  bool
}

// BuildCommit writes, without touching the working tree, the index or any ref, a commit whose tree
// is parent's tree ("" for a root commit on an empty tree) with changes applied in order (a written
// file keeps its mode in parent's tree, else 100644; a delete removes a file or a whole folder), and
// returns its hash. ErrNothingToCommit when the tree would not change.
func (r *Repo) BuildCommit(parent string, changes []FileChange, message string, author, committer Signature) (string, error) {
	msg := cleanMessage(message)
	if msg == "" {
		return "", errors.New("gitrepo: commit: empty commit message")
	}
	if committer.Name == "" && committer.Email == "" {
		committer = Signature{Name: author.Name, Email: author.Email, When: committer.When}
	}
	now := time.Now()
	for _, s := range []*Signature{&author, &committer} {
		if err := s.validate(); err != nil {
			return "", err
		}
		if s.When.IsZero() {
			s.When = now
		}
	}
	treeHash, baseHash, err := r.buildTreeOn(parent, changes)
	if err != nil {
		return "", err
	}
	if treeHash == baseHash {
		return "", fmt.Errorf("gitrepo: commit: %w (no change relative to %s)", ErrNothingToCommit, shortHash(parent))
	}
	c := &object.Commit{
		Author:    object.Signature{Name: author.Name, Email: author.Email, When: author.When},
		Committer: object.Signature{Name: committer.Name, Email: committer.Email, When: committer.When},
		Message:   msg,
		TreeHash:  treeHash,
	}
	if parent != "" {
		c.ParentHashes = []plumbing.Hash{plumbing.NewHash(parent)}
	}
	obj := &plumbing.MemoryObject{}
	if err := c.Encode(obj); err != nil {
		return "", fmt.Errorf("gitrepo: encoding commit: %w", err)
	}
	h, err := r.writeObject(obj)
	if err != nil {
		return "", err
	}
	return h.String(), nil
}

// buildTreeOn writes the tree of parent's tree ("" for the empty tree) with changes applied and
// returns it with parent's tree.
func (r *Repo) buildTreeOn(parent string, changes []FileChange) (tree, base plumbing.Hash, err error) {
	var bt *object.Tree
	root := &treeNode{}
	base = emptyTree
	if parent != "" {
		if bt, err = commitTree(r, plumbing.NewHash(parent)); err != nil {
			return tree, base, err
		}
		root.hash, base = bt.Hash, bt.Hash
	}
	for _, c := range changes {
		p, err := cleanPath(c.Path)
		if err != nil || p == "" {
			return tree, base, fmt.Errorf("gitrepo: commit: bad path %q", c.Path)
		}
		if c.Delete {
			if err := r.remove(root, p); err != nil {
				return tree, base, err
			}
			continue
		}
		h, err := r.writeBlob(c.Content)
		if err != nil {
			return tree, base, err
		}
		mode := filemode.Regular
		if bt != nil {
			if e, err := bt.FindEntry(p); err == nil && e.Mode == filemode.Executable {
				mode = filemode.Executable
			}
		}
		if err := r.insert(root, p, mode, h); err != nil {
			return tree, base, err
		}
	}
	tree, _, err = r.write(root)
	return tree, base, err
}

// BranchHolds reports whether branch's tip is one commit on parent whose tree is parent's with
// changes applied: the same change committed before.
func (r *Repo) BranchHolds(branch, parent string, changes []FileChange) (bool, error) {
	ref, err := r.store.Reference(plumbing.NewBranchReferenceName(branch))
	if err != nil {
		return false, nil
	}
	c, err := object.GetCommit(r.store, ref.Hash())
	if err != nil {
		return false, nil
	}
	if parent == "" && len(c.ParentHashes) != 0 || parent != "" && (len(c.ParentHashes) != 1 || c.ParentHashes[0].String() != parent) {
		return false, nil
	}
	tree, _, err := r.buildTreeOn(parent, changes)
	if err != nil {
		return false, err
	}
	return tree == c.TreeHash, nil
}

func shortHash(h string) string {
	if h == "" {
		return "an empty tree"
	}
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// TreeEntry is a file of a commit's tree.
type TreeEntry struct {
	Hash string            `json:"hash"`
	Mode filemode.FileMode `json:"mode"`
}

// TreeChange is a file that differs between two commits; From or To is nil where it is absent.
type TreeChange struct {
	Path     string
	From, To *TreeEntry
}

// DiffCommits lists the files (not folders) that differ between commits from and to ("" is the
// empty tree), sorted by path. Only subtrees whose ids differ are read.
func (r *Repo) DiffCommits(from, to string) ([]TreeChange, error) {
	tree := func(h string) (*object.Tree, error) {
		if h == "" {
			return nil, nil
		}
		return commitTree(r, plumbing.NewHash(h))
	}
	a, err := tree(from)
	if err != nil {
		return nil, err
	}
	b, err := tree(to)
	if err != nil {
		return nil, err
	}
	aOut, bOut := map[string]object.TreeEntry{}, map[string]object.TreeEntry{}
	if err := diffTrees(r, a, b, "", aOut, bOut); err != nil {
		return nil, err
	}
	byPath := map[string]*TreeChange{}
	for p, e := range aOut {
		byPath[p] = &TreeChange{Path: p, From: &TreeEntry{Hash: e.Hash.String(), Mode: e.Mode}}
	}
	for p, e := range bOut {
		c := byPath[p]
		if c == nil {
			c = &TreeChange{Path: p}
			byPath[p] = c
		}
		c.To = &TreeEntry{Hash: e.Hash.String(), Mode: e.Mode}
	}
	out := make([]TreeChange, 0, len(byPath))
	for _, c := range byPath {
		if c.From != nil && c.To != nil && *c.From == *c.To {
			continue
		}
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// ReadBlob returns the content of a blob.
func (r *Repo) ReadBlob(hash string) ([]byte, error) { return r.readBlob(plumbing.NewHash(hash)) }

func (r *Repo) readBlob(h plumbing.Hash) ([]byte, error) {
	b, err := object.GetBlob(r.store, h)
	if err != nil {
		return nil, fmt.Errorf("gitrepo: reading blob %s: %w", h, err)
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	buf := bytes.NewBuffer(make([]byte, 0, b.Size))
	if _, err := io.Copy(buf, rd); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// commonDir is the folder holding refs and objects: the git folder, or the main repository's for a
// linked working tree.
func (r *Repo) commonDir() string {
	data, err := os.ReadFile(filepath.Join(r.gitDir, "commondir"))
	if err != nil {
		return r.gitDir
	}
	dir := strings.TrimSpace(string(data))
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(r.gitDir, dir)
	}
	return filepath.Clean(dir)
}

// LockPaths are the lock files the ref, HEAD and index updates of this package create (and remove
// again) while they run, for a caller that must clean up after a crash.
func (r *Repo) LockPaths(branch string) []string {
	out := []string{filepath.Join(r.gitDir, "index.lock"), filepath.Join(r.gitDir, "HEAD.lock")}
	if branch != "" {
		out = append(out, filepath.Join(r.commonDir(), "refs", "heads", filepath.FromSlash(branch))+".lock")
	}
	return out
}

// writeLocked replaces file with content with git's lock-file protocol. An existing lock means
// another process is writing file.
func writeLocked(file string, content []byte) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	l, err := createLock(file)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("gitrepo: %s exists: another git process seems to be writing %s; if not, remove the lock file", l.path, filepath.Base(file))
		}
		return fmt.Errorf("gitrepo: %w", err)
	}
	err = l.commit(func(w io.Writer) error { _, err := w.Write(content); return err })
	if err != nil {
		return fmt.Errorf("gitrepo: writing %s: %w", filepath.Base(file), err)
	}
	return nil
}

// CreateBranch creates refs/heads/<name> at commit; it fails with ErrBranchExists when the branch
// exists (loose or packed).
func (r *Repo) CreateBranch(name, commit string) error {
	if err := ValidateBranchName(name); err != nil {
		return err
	}
	if ok, err := r.BranchExists(name); err != nil {
		return err
	} else if ok {
		return fmt.Errorf("gitrepo: cannot create branch %q: %w", name, ErrBranchExists)
	}
	file := filepath.Join(r.commonDir(), "refs", "heads", filepath.FromSlash(name))
	if _, err := os.Lstat(file); err == nil {
		return fmt.Errorf("gitrepo: cannot create branch %q: %w", name, ErrBranchExists)
	}
	return writeLocked(file, []byte(commit+"\n"))
}

// DeleteBranch deletes refs/heads/<name> if it points at commit (any commit when commit is "").
// A missing branch is not an error.
func (r *Repo) DeleteBranch(name, commit string) error {
	ref, err := r.store.Reference(plumbing.NewBranchReferenceName(name))
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("gitrepo: reading branch %q: %w", name, err)
	}
	if commit != "" && ref.Hash().String() != commit {
		return fmt.Errorf("gitrepo: branch %q moved to %s since: not deleting it", name, shortHash(ref.Hash().String()))
	}
	if err := r.store.RemoveReference(ref.Name()); err != nil {
		return fmt.Errorf("gitrepo: deleting branch %q: %w", name, err)
	}
	return nil
}

// SetHead points HEAD at a branch (symbolic) or, for a state without a branch, at a commit.
func (r *Repo) SetHead(h HeadState) error {
	var content string
	switch {
	case h.Branch != "":
		if err := ValidateBranchName(h.Branch); err != nil {
			return err
		}
		content = "ref: refs/heads/" + h.Branch + "\n"
	case h.Commit != "":
		content = h.Commit + "\n"
	default:
		return errors.New("gitrepo: set HEAD: neither a branch nor a commit")
	}
	return writeLocked(filepath.Join(r.gitDir, "HEAD"), []byte(content))
}

// IndexEntry is what the index records for a path at stage 0.
type IndexEntry struct {
	Hash string            `json:"hash"`
	Mode filemode.FileMode `json:"mode"`
}

// IndexEntries returns the stage-0 index entries at exactly the given paths (absent ones are left
// out).
func (r *Repo) IndexEntries(paths []string) (map[string]IndexEntry, error) {
	idx, err := r.readIndex()
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, p := range paths {
		want[p] = true
	}
	out := map[string]IndexEntry{}
	for _, e := range idx.Entries {
		if e.Stage == 0 && want[e.Name] {
			out[e.Name] = IndexEntry{Hash: e.Hash.String(), Mode: e.Mode}
		}
	}
	return out, nil
}

// IndexUpdate sets the index entry of a path, or removes it (Entry nil).
type IndexUpdate struct {
	Path  string
	Entry *IndexEntry
	// Stat fills the entry's stat data from the working tree file, so that git and Dirty take the
	// file as unchanged without reading it; without it git re-reads the file once.
	Stat bool
}

// UpdateIndex applies updates to the index under git's index lock. Entries of other paths are
// kept as they are; an entry that a new file needs as a folder (or the reverse) is dropped.
func (r *Repo) UpdateIndex(updates []IndexUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	lock, idx, err := r.lockedIndex()
	if err != nil {
		return err
	}
	defer lock.release()
	prefixes := make([]string, 0, len(updates))
	staged := map[string]*index.Entry{}
	for _, u := range updates {
		p, err := cleanPath(u.Path)
		if err != nil || p == "" {
			return fmt.Errorf("gitrepo: index: bad path %q", u.Path)
		}
		prefixes = append(prefixes, p)
		delete(staged, p)
		if u.Entry == nil {
			continue
		}
		e := &index.Entry{Name: p, Hash: plumbing.NewHash(u.Entry.Hash), Mode: u.Entry.Mode}
		if u.Stat {
			if fi, err := os.Lstat(r.osPath(p)); err == nil {
				fillStat(e, fi)
			}
		}
		staged[p] = e
	}
	updateIndex(idx, prefixes, staged)
	return lock.commit(idx)
}
