package cmdutil

import (
	"fmt"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/validate/engine"
)

// Edit is a change a command made to one cluster's values files.
type Edit struct {
	Fleet  *fleet.Fleet
	Source *fleet.ClusterSource
	// Want is the cluster the edits must give (see fleet.ClusterSource.Reached).
	Want spec.Cluster
	// NoOp is printed, and nothing is done, when the edits changed no byte.
	NoOp    string
	Message string
	Branch  string // without the prefix, e.g. "scale-atlantic-aks-work"
	Next    string
}

// ApplyEdit writes (or with --dry-run shows) an edit of a cluster's values: it checks the edited files
// give the intended cluster, renders the chart with them on a dry run, and otherwise runs the
// validator on the written folder before committing.
func (w WriteFlags) ApplyEdit(f *Factory, e Edit) error {
	changes := e.Source.Changes()
	if len(changes) == 0 {
		fmt.Fprintf(f.IO.Out, "nothing to change: %s\n", e.NoOp)
		return nil
	}
	if err := e.Source.Reached(e.Want); err != nil {
		return err
	}
	if w.DryRun {
		if err := e.Fleet.CheckValues(e.Source); err != nil {
			return err
		}
	}
	name := e.Source.Name
	plan := change.Plan{
		Changes: changes,
		Touched: []string{e.Source.Dir},
		Message: e.Message,
		Check:   func() error { return engine.CheckTouched(e.Fleet, name) },
	}
	return w.Apply(f, e.Fleet.Root, Write{Plan: plan, Branch: e.Fleet.Config.Git.BranchPrefix + "/" + e.Branch, Next: e.Next})
}
