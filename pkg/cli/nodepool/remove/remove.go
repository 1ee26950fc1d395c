// Package remove implements `fleetctl nodepool remove`.
package remove

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// Options of `fleetctl nodepool remove`.
type Options struct {
	f *cmdutil.Factory

	Cluster string
	Pool    string
	cmdutil.WriteFlags

	fleet  *fleet.Fleet
	source *fleet.ClusterSource
	pool   spec.NodePool
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

// Complete reads the cluster and the pool.
func (o *Options) Complete() error {
	if err := o.WriteFlags.Validate(); err != nil {
		return err
	}
	var err error
	if o.fleet, err = o.f.Fleet(); err != nil {
		return err
	}
	if o.source, err = o.fleet.LoadCluster(o.Cluster); err != nil {
		return err
	}
	o.pool, err = o.source.Pool(o.Pool)
	return err
}

// Validate refuses to remove the last System pool.
func (o *Options) Validate() error {
	if o.pool.Mode != "System" {
		return nil
	}
	for _, p := range o.source.Cluster.NodePools {
		if p.Name != o.Pool && p.Mode == "System" {
			return nil
		}
	}
	return fmt.Errorf("node pool %q is the last System pool of %s and AKS needs one: add another System pool first (fleetctl nodepool add %s NEWPOOL --mode System --vm-size ... --count 3), let it become ready, then remove %q",
		o.Pool, o.Cluster, o.Cluster, o.Pool)
}

// Run removes the pool from the values and commits.
func (o *Options) Run() error {
	s := o.source
	want := s.Want()
	want.NodePools = slices.DeleteFunc(want.NodePools, func(p spec.NodePool) bool { return p.Name == o.Pool })
	if err := s.Delete("nodePools", o.Pool); err != nil {
		return err
	}
	return o.WriteFlags.ApplyEdit(o.f, cmdutil.Edit{
		Fleet: o.fleet, Source: s, Want: want,
		Message: fmt.Sprintf("Remove node pool %s from %s\n\n  %s\n\nMerging this deletes the AKS node pool %s and its nodes; their pods are rescheduled\non the other pools.\n",
			o.Pool, o.Cluster, fleet.DescribePool(o.pool), o.Pool),
		Branch: fmt.Sprintf("remove-pool-%s-%s", o.Cluster, o.Pool),
		Next:   fmt.Sprintf("merging it deletes node pool %s of %s and its nodes", o.Pool, o.Cluster),
	})
}
