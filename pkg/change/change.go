// Package change applies a set of file changes to a fleet repo and commits them, all or nothing: a
// failure at any step (dirty files, write, commit) leaves the repo, its files and its branches exactly
// as they were.
package change

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// Plan is what a write command wants done.
type Plan struct {
	// Changes are the files to write or delete, repo-relative.
	Changes []fsx.Change
	// Touched are the repo-relative paths (files or folders) the plan owns; uncommitted changes there
	// make a committing plan refuse to run. Defaults to the changes' paths.
	Touched []string
	// Branch to create from HEAD and commit on; "" commits on the current branch.
	Branch  string
	Message string
	// Commit false writes the files and leaves them uncommitted. Uncommitted changes in the touched
	// paths only block a plan that commits: edits keep every byte they do not change.
	Commit bool
	// Check, when set, runs on the written files before the commit (the validator); an error undoes
	// the write.
	Check func() error
}

// Result says what was done.
type Result struct {
	Paths  []string
	Branch string
	Commit string
}

// DirtyError reports uncommitted changes in paths the plan would touch.
type DirtyError struct{ Paths []string }

func (e *DirtyError) Error() string {
	return fmt.Sprintf("uncommitted changes in %s: commit or stash them first, so fleetctl's commit holds only its own change", strings.Join(e.Paths, ", "))
}

// Paths returns the sorted paths of the plan's changes.
func (p Plan) Paths() []string {
	out := make([]string, 0, len(p.Changes))
	for _, c := range p.Changes {
		out = append(out, c.Path)
	}
	sort.Strings(out)
	return out
}

// Apply carries out the plan in repo. Signatures are only used when the plan commits.
func Apply(repo *gitrepo.Repo, p Plan, author, committer gitrepo.Signature) (Result, error) {
	res := Result{Paths: p.Paths()}
	touched := p.Touched
	if len(touched) == 0 {
		touched = res.Paths
	}
	if p.Commit {
		dirty, err := repo.Dirty(touched)
		if err != nil {
			return res, err
		}
		if len(dirty) > 0 {
			return res, &DirtyError{Paths: dirty}
		}
	}
	if p.Commit && p.Branch != "" {
		exists, err := repo.BranchExists(p.Branch)
		if err != nil {
			return res, err
		}
		if exists {
			return res, fmt.Errorf("branch %q already exists: delete it or pass --branch with another name", p.Branch)
		}
	}
	previous, err := repo.CurrentBranch()
	if err != nil {
		return res, err
	}
	undo, err := fsx.Apply(repo.Root(), p.Changes)
	if err != nil {
		return res, err
	}
	if p.Check != nil {
		if err := p.Check(); err != nil {
			return res, errors.Join(err, undo())
		}
	}
	if !p.Commit {
		res.Branch = previous
		return res, nil
	}
	hash, err := repo.Commit(p.Branch, commitPaths(p.Changes), p.Message, author, committer)
	if err != nil {
		rollback := []error{err}
		if p.Branch != "" {
			rollback = append(rollback, repo.SwitchBack(previous, p.Branch))
		}
		rollback = append(rollback, undo())
		return res, errors.Join(rollback...)
	}
	res.Branch = p.Branch
	if res.Branch == "" {
		res.Branch = previous
	}
	res.Commit = hash
	return res, nil
}

func commitPaths(changes []fsx.Change) []string {
	out := make([]string, 0, len(changes))
	for _, c := range changes {
		out = append(out, path.Clean(c.Path))
	}
	sort.Strings(out)
	return out
}
