// Package ops is the fleet client: one function per change a user can ask of a fleet (add or remove
// a cluster, add, scale or remove a node pool, upgrade, init). Each reads the repo through the
// fleet's view, applies the AKS rules to the request, and returns a change.Plan: the files to write,
// the commit message, the branch, and the check the tree it leads to must pass. Nothing here writes,
// prints or knows about flags: the CLI parses flags, calls the client and prints, and change carries
// the plan out. Later features (pull requests, waves, migrations) call the same client.
package ops

import (
	"io/fs"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/validate/engine"
)

// Client computes plans for one fleet.
type Client struct {
	// Fleet is the repo, read through the view plans are computed on (change.Session.View).
	Fleet *fleet.Fleet
	// Schemas validate the tree a plan leads to; nil loads the embedded set when first needed.
	Schemas *schema.Set
	// Support is what new versions and VM sizes are checked against (zero: not checked).
	Support Support
}

// New returns a client for fl.
func New(fl *fleet.Fleet) *Client { return &Client{Fleet: fl} }

// branch is the branch a plan is committed on: the configured prefix, then name.
func (c *Client) branch(name string) string { return c.Fleet.Config.Git.BranchPrefix + "/" + name }

// check returns the plan's Check: the engine on the tree as the plan leaves it, blocking on what
// belongs to the plan's clusters and files.
func (c *Client) check(p *change.Plan) func(fs.FS) ([]string, error) {
	return func(view fs.FS) ([]string, error) {
		if c.Schemas == nil {
			s, err := schema.For(c.Fleet.Config.Providers.SchemaPins())
			if err != nil {
				return nil, err
			}
			c.Schemas = s
		}
		warnings, err := engine.Check(c.Fleet.WithFS(view), c.Schemas, p.Clusters, p.Paths())
		lines := make([]string, len(warnings))
		for i, w := range warnings {
			lines[i] = engine.Line(w)
		}
		return lines, err
	}
}

// plan finishes a plan with its check.
func (c *Client) plan(p *change.Plan) *change.Plan {
	p.Check = c.check(p)
	return p
}

// edit is a change to one cluster's values files, made in place on src.
type edit struct {
	src *fleet.ClusterSource
	// want is the cluster the edits must give (see fleet.ClusterSource.Reached).
	want    spec.Cluster
	noOp    string
	message string
	branch  string // without the prefix
	next    string
}

// editPlan turns an edit into a plan: nothing to change when no byte changed, else the changed
// files, refused when they do not give exactly the intended cluster.
func (c *Client) editPlan(e edit) (*change.Plan, error) {
	p := &change.Plan{
		Touched:  []string{e.src.Dir},
		Clusters: []string{e.src.Name},
		Branch:   c.branch(e.branch),
		NoOp:     e.noOp,
		Next:     e.next,
	}
	changes := e.src.Changes()
	if len(changes) == 0 {
		return p, nil
	}
	if err := e.src.Reached(e.want); err != nil {
		return nil, err
	}
	p.Changes = changes
	p.Message = e.message
	return c.plan(p), nil
}

// notFound returns the error for a cluster that has no folder.
func (c *Client) notFound(name string) error {
	known, _ := c.Fleet.ClusterFolders()
	return &fleet.NotFoundError{Name: name, Dir: c.Fleet.ClusterDir(name), Known: known}
}
