// Package show implements `fleetctl cluster show`.
package show

import (
	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/cli/internal/printer"
	"github.com/fleetctl/fleetctl/pkg/fleet"
)

// Options of `fleetctl cluster show`.
type Options struct {
	f      *cmdutil.Factory
	Name   string
	Output string

	info fleet.ClusterInfo
}

// NewCmd returns `fleetctl cluster show`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show one cluster in full",
		Long: `Show one cluster as its folder defines it: location, resource group, version, network and
every node pool. Values come from values.yaml with the HelmRelease's inline spec.values merged
over them, as Flux gives them to the chart.

-o json and -o yaml print the fleetctl.io/v1alpha1 Cluster shape (docs/day2.md).`,
		Example: `  fleetctl cluster show atlantic-aks
  fleetctl cluster show atlantic-aks -o yaml`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: cmdutil.CompleteClusterArgs(f, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return cmdutil.RunSteps(o, runF)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Output, "text", printer.ObjectFormats...)
	return cmd
}

// Validate checks the flags.
func (o *Options) Validate() error { return cmdutil.CheckOutput(o.Output, printer.ObjectFormats...) }

// Complete reads the cluster.
func (o *Options) Complete() error {
	fl, err := o.f.Fleet()
	if err != nil {
		return err
	}
	o.info, err = fl.ClusterInfo(o.Name)
	return err
}

// Run prints the cluster.
func (o *Options) Run() error {
	if o.Output != "text" {
		info := o.info
		info.APIVersion, info.Kind = fleet.InfoAPIVersion, "Cluster"
		return printer.Structured(o.f.IO.Out, o.Output, info)
	}
	return printer.Cluster(o.f.IO.Out, o.info)
}
