// Package change carries out a change of a fleet repo as one transaction: a Plan (the files to
// write or delete, computed by the fleet client from a view of the repo) is validated on the tree
// as it will be (Overlay), then committed on a new branch that starts from the base branch, and the
// working tree, the index and HEAD are brought to it. Nothing is half-done: a repo lock keeps other
// fleetctl processes out, a journal under .git/ records every step before it is taken, SIGINT and
// SIGTERM roll back what was done, and after a SIGKILL or a power loss the next command finds the
// journal and Repair restores the repo exactly as it was.
package change

import (
	"io/fs"
	"path"
	"sort"

	"github.com/fleetctl/fleetctl/pkg/fsview"
	"github.com/fleetctl/fleetctl/pkg/fsx"
)

// Plan is one change a command wants made. It is pure data computed from a view of the repo; Check
// validates the tree it leads to.
type Plan struct {
	// Changes are the files to write or delete, repo-relative, in order.
	Changes []fsx.Change
	// Touched are the repo-relative paths (files or folders) the plan owns: uncommitted changes
	// there make a committing plan refuse to run. Defaults to the changes' paths.
	Touched []string
	// Clusters are the clusters the plan changes (validation scope).
	Clusters []string
	// Message is the commit message (subject, blank line, body).
	Message string
	// Branch is the branch the plan is committed on unless the user names one.
	Branch string
	// NoOp says what is already so when the plan changes nothing.
	NoOp string
	// Next says what merging the pull request does.
	Next string
	// Check validates the tree as the plan leaves it (Overlay of the view it was computed on): an
	// error refuses the plan; warnings are reported with it.
	Check func(view fs.FS) (warnings []string, err error)
}

// Paths returns the sorted paths of the plan's changes.
func (p *Plan) Paths() []string {
	out := make([]string, 0, len(p.Changes))
	for _, c := range p.Changes {
		out = append(out, path.Clean(c.Path))
	}
	sort.Strings(out)
	return out
}

// touched returns the paths the dirty check covers.
func (p *Plan) touched() []string {
	if len(p.Touched) > 0 {
		return p.Touched
	}
	return p.Paths()
}

// Overlay returns view with the plan's changes on top: the tree as it will be.
func Overlay(view fs.FS, p *Plan) fs.FS { return fsview.Overlay(view, p.Changes) }
