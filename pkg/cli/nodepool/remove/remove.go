// Package remove implements `fleetctl nodepool remove`.
package remove

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
)

// Options of `fleetctl nodepool remove`.
type Options struct {
	f *cmdutil.Factory

	Cluster string
	Pool    string
	cmdutil.WriteFlags
}

// NewCmd returns `fleetctl nodepool remove`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:     "remove CLUSTER POOL",
		Aliases: []string{"rm"},
		Short:   "Remove a node pool from a cluster on a new branch",
		Long: `Remove a node pool from the cluster's values, in place. Merging the change deletes the AKS node
pool and its nodes; their pods are rescheduled on the other pools, so make room first.

The last System pool of a cluster is never removed: AKS needs one. Add another System pool first,
let it become ready, then remove the old one in a later change.`,
		Example:           `  fleetctl nodepool remove atlantic-aks batch`,
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: cmdutil.CompleteClusterArgs(f, true),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Cluster, o.Pool = args[0], args[1]
			return cmdutil.RunSteps(o, runF)
		},
	}
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/remove-pool-CLUSTER-POOL")
	return cmd
}

// Complete has nothing to derive: the fleet client reads the cluster.
func (o *Options) Complete() error { return nil }

// Validate checks the flags against each other; the last System pool rule is the fleet client's.
func (o *Options) Validate() error { return o.WriteFlags.Validate() }

// Run plans the removal with the fleet client and writes it.
func (o *Options) Run() error {
	return o.RunWrite(o.f, fmt.Sprintf("nodepool remove %s %s", o.Cluster, o.Pool), func(c *ops.Client) (*change.Plan, error) {
		return c.RemovePool(o.Cluster, o.Pool)
	})
}
