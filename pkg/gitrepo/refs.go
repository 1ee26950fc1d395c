package gitrepo

import (
	"errors"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// BranchRef is a branch, local or remote-tracking, and its commit.
type BranchRef struct {
	// Name is the branch's name without refs/heads/ or refs/remotes/<remote>/.
	Name string
	// Ref is the short ref as git prints it: "fleetctl/x" or "origin/fleetctl/x".
	Ref    string
	Remote string // "" for a local branch
	Commit string
}

// Branches lists the local branches and the remote's remote-tracking branches whose names start
// with prefix, sorted by name, local before remote-tracking.
func (r *Repo) Branches(remote, prefix string) ([]BranchRef, error) {
	iter, err := r.store.IterReferences()
	if err != nil {
		return nil, err
	}
	var out []BranchRef
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() != plumbing.HashReference {
			return nil
		}
		name := ref.Name().String()
		var b BranchRef
		switch {
		case strings.HasPrefix(name, "refs/heads/"):
			b.Name = strings.TrimPrefix(name, "refs/heads/")
			b.Ref = b.Name
		case remote != "" && strings.HasPrefix(name, "refs/remotes/"+remote+"/"):
			b.Name = strings.TrimPrefix(name, "refs/remotes/"+remote+"/")
			b.Ref, b.Remote = remote+"/"+b.Name, remote
		default:
			return nil
		}
		if !strings.HasPrefix(b.Name, prefix) || b.Name == "HEAD" {
			return nil
		}
		b.Commit = ref.Hash().String()
		out = append(out, b)
		return nil
	})
	if err != nil && !errors.Is(err, storer.ErrStop) {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Remote < out[j].Remote
	})
	return out, nil
}

// CommitMessage returns the full message of the commit rev names and its parents.
func (r *Repo) CommitMessage(rev string) (message string, parents []string, err error) {
	h, err := r.ResolveCommit(rev)
	if err != nil {
		return "", nil, err
	}
	c, err := object.GetCommit(r.store, plumbing.NewHash(h))
	if err != nil {
		return "", nil, err
	}
	for _, p := range c.ParentHashes {
		parents = append(parents, p.String())
	}
	return c.Message, parents, nil
}

// IsAncestor reports whether commit a is b or an ancestor of b.
func (r *Repo) IsAncestor(a, b string) (bool, error) {
	ca, err := object.GetCommit(r.store, plumbing.NewHash(a))
	if err != nil {
		return false, err
	}
	cb, err := object.GetCommit(r.store, plumbing.NewHash(b))
	if err != nil {
		return false, err
	}
	return ca.IsAncestor(cb)
}
