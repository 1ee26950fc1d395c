// Package upgrade implements `fleetctl providers upgrade`.
package upgrade

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
)

// Options of `fleetctl providers upgrade`.
type Options struct {
	f *cmdutil.Factory

	// Target is the provider set to move to: fleetctl's current one.
	Target config.Providers
	cmdutil.WriteFlags
}

// NewCmd returns `fleetctl providers upgrade`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "upgrade",
		Short: "Move the fleet to the current provider versions (CAPI, CAPZ, ASO, Flux) on a new branch",
		Long: `Move the fleet from the provider versions its .fleetctl.yaml pins to the ones this fleetctl
ships, in one commit: the providers block of .fleetctl.yaml (edited in place), the repo's chart
moved to the new Cluster API contract (Cluster and MachinePool apiVersions, references by
apiGroup, fields whose shape changed), checked under the new providers' schemas.

The commit message and the dry run carry the plan of what the change does to each cluster. No
cluster may be replaced: a change that would replace one is refused. A chart file the fleet
edited keeps its edits; one with a Cluster API v1beta1 line the rewrite does not know is refused,
naming the line to edit by hand. A fleet already on the current providers is a no-op.`,
		Example: `  fleetctl providers upgrade --dry-run
  fleetctl providers upgrade --pr`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.RunSteps(o, runF)
		},
	}
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/providers-upgrade")
	return cmd
}

// Complete sets the target: the provider set this fleetctl ships.
func (o *Options) Complete() error {
	o.Target = config.Default().Providers
	return nil
}

// Validate checks the write flags.
func (o *Options) Validate() error { return o.WriteFlags.Validate() }

// Run plans the upgrade with the fleet client and writes it; a dry run prints, after the diff, the
// commit message a real run would write: the versions and what the change does to each cluster.
func (o *Options) Run() error {
	var plan *change.Plan
	err := o.RunWrite(o.f, "providers upgrade", func(c *ops.Client) (*change.Plan, error) {
		p, err := c.ProvidersUpgrade(o.Target)
		plan = p
		return p, err
	})
	if err != nil || !o.DryRun || plan == nil || len(plan.Changes) == 0 {
		return err
	}
	_, err = fmt.Fprintf(o.f.IO.Out, "\ncommit message of a real run:\n\n%s", plan.Message)
	return err
}
