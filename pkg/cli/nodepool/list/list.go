// Package list implements `fleetctl nodepool list`.
package list

import (
	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/cli/internal/printer"
	"github.com/fleetctl/fleetctl/pkg/fleet"
)

// Options of `fleetctl nodepool list`.
type Options struct {
	f       *cmdutil.Factory
	Cluster string
	Output  string

	pools []fleet.PoolInfo
}

// NewCmd returns `fleetctl nodepool list`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:     "list CLUSTER",
		Aliases: []string{"ls"},
		Short:   "List the node pools of a cluster",
		Long: `List a cluster's node pools: mode, VM size, OS, node count or autoscale bounds, zones and
the Kubernetes version each runs; -o wide adds max pods and the OS disk, -o name prints one pool
name per line. -o json|yaml prints the fleetctl.io/v1alpha1 NodePoolList shape (docs/day2.md).`,
		Example:           `  fleetctl nodepool list atlantic-aks`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: cmdutil.CompleteClusterArgs(f, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Cluster = args[0]
			return cmdutil.RunSteps(o, runF)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Output, "table", printer.ListFormats...)
	return cmd
}

// Validate checks the flags.
func (o *Options) Validate() error { return cmdutil.CheckOutput(o.Output, printer.ListFormats...) }

// Complete reads the cluster.
func (o *Options) Complete() error {
	fl, err := o.f.Fleet()
	if err != nil {
		return err
	}
	info, err := fl.ClusterInfo(o.Cluster)
	o.pools = info.NodePools
	return err
}

// Run prints the pools.
func (o *Options) Run() error {
	switch o.Output {
	case "json", "yaml":
		return printer.Structured(o.f.IO.Out, o.Output, fleet.NodePoolList{APIVersion: fleet.InfoAPIVersion, Kind: "NodePoolList", Cluster: o.Cluster, Items: o.pools})
	}
	return printer.NodePools(o.f.IO.Out, o.Output, o.pools)
}
