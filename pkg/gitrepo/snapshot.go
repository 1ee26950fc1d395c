package gitrepo

import (
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ErrNoRef is returned by Snapshot when the revision does not resolve.
var ErrNoRef = errors.New("revision not found")

// Snapshot is the committed tree of one revision, read without touching the working tree (used to
// compare a change with its base branch).
type Snapshot struct {
	Ref    string
	Commit string
	tree   *object.Tree
}

// Snapshot resolves rev (a branch, tag, "HEAD", "origin/main" or a commit hash) to its tree.
func (r *Repo) Snapshot(rev string) (*Snapshot, error) {
	h, err := r.repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, fmt.Errorf("gitrepo: %q: %w", rev, ErrNoRef)
	}
	c, err := object.GetCommit(r.store, *h)
	if err != nil {
		return nil, fmt.Errorf("gitrepo: reading commit %s: %w", h, err)
	}
	t, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("gitrepo: reading tree of %s: %w", h, err)
	}
	return &Snapshot{Ref: rev, Commit: h.String(), tree: t}, nil
}

// DefaultBranch returns the repo's default branch: the target of origin/HEAD when a remote says, else
// "main" or "master" when such a branch exists, else "".
func (r *Repo) DefaultBranch() string {
	if ref, err := r.store.Reference(plumbing.NewRemoteHEADReferenceName("origin")); err == nil && ref.Type() == plumbing.SymbolicReference {
		return strings.TrimPrefix(ref.Target().String(), "refs/remotes/")
	}
	for _, b := range []string{"main", "master"} {
		if ok, _ := r.BranchExists(b); ok {
			return b
		}
	}
	return ""
}

// ReadFile returns the content of a repo-relative file in the snapshot; ok is false when it does not
// exist there.
func (s *Snapshot) ReadFile(p string) (data []byte, ok bool, err error) {
	f, err := s.tree.File(path.Clean(p))
	if errors.Is(err, object.ErrFileNotFound) || errors.Is(err, object.ErrDirectoryNotFound) || errors.Is(err, object.ErrEntryNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	rd, err := f.Reader()
	if err != nil {
		return nil, false, err
	}
	defer rd.Close()
	data, err = io.ReadAll(rd)
	return data, err == nil, err
}

// Dirs returns the names of the folders directly inside the repo-relative folder dir, sorted.
func (s *Snapshot) Dirs(dir string) ([]string, error) {
	t := s.tree
	if d := path.Clean(dir); d != "." {
		sub, err := s.tree.Tree(d)
		if errors.Is(err, object.ErrDirectoryNotFound) || errors.Is(err, object.ErrEntryNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		t = sub
	}
	var out []string
	for _, e := range t.Entries {
		if !e.Mode.IsFile() {
			out = append(out, e.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}
