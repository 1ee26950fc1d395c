// Package show implements `fleetctl cluster show`.
package show

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cluster/list"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
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
	cmdutil.AddOutputFlag(cmd, &o.Output, "text", "text", "json", "yaml")
	return cmd
}

// Validate checks the flags.
func (o *Options) Validate() error { return cmdutil.CheckOutput(o.Output, "text", "json", "yaml") }

// Complete reads the cluster.
func (o *Options) Complete() error {
	fl, err := o.f.Fleet()
	if err != nil {
		return err
	}
	s, err := fl.LoadCluster(o.Name)
	if err != nil {
		return err
	}
	listed, err := fl.ListedClusters()
	if err != nil {
		return err
	}
	o.info = s.Info(listed[o.Name])
	return nil
}

// Run prints the cluster.
func (o *Options) Run() error {
	if o.Output != "text" {
		info := o.info
		info.APIVersion, info.Kind = fleet.InfoAPIVersion, "Cluster"
		return cmdutil.PrintStructured(o.f.IO.Out, o.Output, info)
	}
	return Text(o.f.IO.Out, o.info)
}

// Text prints a cluster for people.
func Text(w io.Writer, c fleet.ClusterInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	row("Name", c.Name)
	row("Path", c.Path)
	if !c.Listed {
		row("Listed", "no (Flux does not apply this folder)")
	}
	row("Location", c.Location)
	row("Resource group", c.ResourceGroup)
	row("DNS prefix", c.DNSPrefix)
	row("Kubernetes", list.Version(c))
	row("SKU tier", c.SKUTier)
	n := c.Network
	net := n.Plugin
	if n.Policy != "" {
		net += "/" + n.Policy
	}
	if n.OutboundType != "" {
		net += ", outbound " + n.OutboundType
	}
	row("Network", net)
	row("Service CIDR", n.ServiceCIDR)
	row("DNS service IP", n.DNSServiceIP)
	row("Pod CIDR", n.PodCIDR)
	row("Nodes", list.Nodes(c.Nodes))
	row("Values", strings.Join(c.ValuesFiles, ", "))
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return PoolTable(w, c.NodePools)
}

// PoolTable prints node pools as a table.
func PoolTable(w io.Writer, pools []fleet.PoolInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "POOL\tMODE\tVM SIZE\tOS\tNODES\tAUTOSCALE\tZONES\tVERSION")
	for _, p := range pools {
		auto := "no"
		if p.Autoscale != nil {
			auto = "yes"
		}
		zones := strings.Join(p.Zones, ",")
		if zones == "" {
			zones = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Mode, p.VMSize, p.OSType, list.PoolNodes(p), auto, zones, p.KubernetesVersion)
	}
	return tw.Flush()
}
