// Package list implements `fleetctl cluster list`.
package list

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
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
pools and node count (fixed counts plus autoscale bounds, as min-max).

-o json and -o yaml print the documented, stable shape fleetctl.io/v1alpha1 ClusterList
(docs/day2.md). Folders that the clusters kustomization does not list, and list entries without
a folder, are reported on stderr: Flux applies only listed folders.`,
		Example: `  fleetctl cluster list
  fleetctl cluster list -o json | jq -r '.items[] | select(.kubernetesVersion < "v1.33") | .name'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.RunSteps(o, runF)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Output, "table", "table", "json", "yaml")
	return cmd
}

// Complete opens the fleet.
func (o *Options) Complete() (err error) {
	o.fleet, err = o.f.Fleet()
	return err
}

// Validate checks the flags.
func (o *Options) Validate() error { return cmdutil.CheckOutput(o.Output, "table", "json", "yaml") }

// Run reads every cluster and prints them.
func (o *Options) Run() error {
	items, warnings, err := Clusters(o.fleet)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(o.f.IO.ErrOut, "warning: %s\n", w)
	}
	if o.Output != "table" {
		return cmdutil.PrintStructured(o.f.IO.Out, o.Output, fleet.ClusterList{APIVersion: fleet.InfoAPIVersion, Kind: "ClusterList", Items: items})
	}
	if len(items) == 0 {
		fmt.Fprintf(o.f.IO.ErrOut, "no clusters yet: add one with fleetctl cluster add NAME\n")
		return nil
	}
	tw := tabwriter.NewWriter(o.f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tLOCATION\tVERSION\tPOOLS\tNODES\tPATH")
	for _, c := range items {
		if c.Error != "" {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t%s\n", c.Name, c.Path)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Location, Version(c), Pools(c), Nodes(c.Nodes), c.Path)
	}
	return tw.Flush()
}

// Clusters reads every cluster folder and every listed cluster, sorted by name. A cluster that
// cannot be read is an item with Error set and a warning; so is a listed folder that is missing.
func Clusters(fl *fleet.Fleet) (items []fleet.ClusterInfo, warnings []string, err error) {
	listed, err := fl.ListedClusters()
	if err != nil {
		return nil, nil, err
	}
	folders, err := fl.ClusterFolders()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", fl.ClustersDir(), err)
	}
	items = []fleet.ClusterInfo{}
	seen := map[string]bool{}
	for _, name := range folders {
		seen[name] = true
		if !listed[name] {
			warnings = append(warnings, fmt.Sprintf("%s is not listed in %s: Flux does not apply it", fl.ClusterDir(name), fl.ClustersKustomization()))
		}
		s, err := fl.LoadCluster(name)
		if err != nil {
			items = append(items, fleet.ClusterInfo{Name: name, Path: fl.ClusterDir(name), Listed: listed[name], NodePools: []fleet.PoolInfo{}, Error: err.Error()})
			warnings = append(warnings, err.Error())
			continue
		}
		items = append(items, s.Info(listed[name]))
	}
	for name := range listed {
		if !seen[name] {
			msg := fmt.Sprintf("%s lists %s but the folder is missing", fl.ClustersKustomization(), name)
			items = append(items, fleet.ClusterInfo{Name: name, Path: fl.ClusterDir(name), Listed: true, NodePools: []fleet.PoolInfo{}, Error: msg})
			warnings = append(warnings, msg)
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
	sort.Strings(warnings)
	return items, warnings, nil
}

// Version is the control plane version, with the pools' versions when some lag it.
func Version(c fleet.ClusterInfo) string {
	var behind []string
	for _, p := range c.NodePools {
		if p.KubernetesVersion != c.KubernetesVersion && !slices.Contains(behind, p.KubernetesVersion) {
			behind = append(behind, p.KubernetesVersion)
		}
	}
	if len(behind) == 0 {
		return c.KubernetesVersion
	}
	return fmt.Sprintf("%s (pools %s)", c.KubernetesVersion, strings.Join(behind, ","))
}

// Pools lists pool names with their node counts: "system:3,work:1-10".
func Pools(c fleet.ClusterInfo) string {
	parts := make([]string, len(c.NodePools))
	for i, p := range c.NodePools {
		parts[i] = p.Name + ":" + PoolNodes(p)
	}
	return strings.Join(parts, ",")
}

// PoolNodes is a pool's count, or its autoscale bounds as min-max.
func PoolNodes(p fleet.PoolInfo) string {
	if p.Autoscale != nil {
		return Nodes(*p.Autoscale)
	}
	if p.Count == nil {
		return "?"
	}
	return fmt.Sprint(*p.Count)
}

// Nodes prints a node range: "3" or "4-13".
func Nodes(r fleet.NodeRange) string {
	if r.Min == r.Max {
		return fmt.Sprint(r.Min)
	}
	return fmt.Sprintf("%d-%d", r.Min, r.Max)
}
