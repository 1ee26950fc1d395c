// Package list implements `fleetctl cluster list`.
package list

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/cli/internal/printer"
	"github.com/fleetctl/fleetctl/pkg/fleet"
)

// Options of `fleetctl cluster list`.
type Options struct {
	f      *cmdutil.Factory
	Output string

	fleet *fleet.Fleet
}

// NewCmd returns `fleetctl cluster list`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the clusters of the fleet",
		Long: `List every cluster folder under capi/clusters/ with its location, Kubernetes version, node
pools and node count (fixed counts plus autoscale bounds, as min-max). -o wide adds the resource
group, SKU tier, network, service CIDR and whether the list of clusters names the folder; -o name
prints one cluster name per line.

-o json and -o yaml print the documented, stable shape fleetctl.io/v1alpha1 ClusterList
(docs/day2.md). Folders that the clusters kustomization does not list, and list entries without
a folder, are reported on stderr: Flux applies only listed folders.`,
		Example: `  fleetctl cluster list
  fleetctl cluster list -o wide
  fleetctl cluster list -o json | jq -r '.items[] | select(.kubernetesVersion < "v1.33") | .name'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.RunSteps(o, runF)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Output, "table", printer.ListFormats...)
	return cmd
}

// Complete opens the fleet.
func (o *Options) Complete() (err error) {
	o.fleet, err = o.f.Fleet()
	return err
}

// Validate checks the flags.
func (o *Options) Validate() error { return cmdutil.CheckOutput(o.Output, printer.ListFormats...) }

// Run reads every cluster and prints them.
func (o *Options) Run() error {
	items, warnings, err := o.fleet.Clusters()
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(o.f.IO.ErrOut, "warning: %s\n", w)
	}
	switch o.Output {
	case "json", "yaml":
		return printer.Structured(o.f.IO.Out, o.Output, fleet.ClusterList{APIVersion: fleet.InfoAPIVersion, Kind: "ClusterList", Items: items})
	}
	if len(items) == 0 {
		if o.Output != "name" {
			fmt.Fprintf(o.f.IO.ErrOut, "no clusters yet: add one with fleetctl cluster add NAME\n")
		}
		return nil
	}
	return printer.Clusters(o.f.IO.Out, o.Output, items)
}
