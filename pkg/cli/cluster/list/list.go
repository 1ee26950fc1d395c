// Package list implements `fleetctl cluster list`.
package list

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/cli/internal/printer"
	"github.com/fleetctl/fleetctl/pkg/fleet"
)

// Options of `fleetctl cluster list`.
type Options struct {
	f      *cmdutil.Factory
	Output string
	// Selector keeps the clusters whose labels it matches; LabelColumns adds a column per label key,
	// ShowLabels a column of all labels.
	Selector     string
	LabelColumns []string
	ShowLabels   bool

	fleet    *fleet.Fleet
	selector labels.Selector
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
a folder, are reported on stderr: Flux applies only listed folders.

-l SELECTOR keeps the clusters whose labels (values.labels) the selector matches, in kubectl's
syntax: key=value, key!=value, key in (a,b), key notin (a,b), key, !key, comma-separated for
all of them; it filters every output format. -L key (repeatable or comma-separated) adds a column
with that label's value per cluster, --show-labels a LABELS column with all of them (table and
wide only).`,
		Example: `  fleetctl cluster list
  fleetctl cluster list -l env=prod -L ring
  fleetctl cluster list -l 'ring in (canary,early),!frozen' --show-labels
  fleetctl cluster list -o wide
  fleetctl cluster list -o json | jq -r '.items[] | select(.kubernetesVersion < "v1.33") | .name'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.RunSteps(o, runF)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Output, "table", printer.ListFormats...)
	cmdutil.AddSelectorFlag(cmd, &o.Selector, "list only the clusters it matches")
	cmd.Flags().StringSliceVarP(&o.LabelColumns, "label-columns", "L", nil, "label keys to show as columns, one column per key (repeatable or comma-separated)")
	cmd.Flags().BoolVar(&o.ShowLabels, "show-labels", false, "add a LABELS column with every label of each cluster")
	return cmd
}

// Complete opens the fleet.
func (o *Options) Complete() (err error) {
	o.fleet, err = o.f.Fleet()
	return err
}

// Validate checks the flags: the output format, the selector and the label keys.
func (o *Options) Validate() error {
	if err := cmdutil.CheckOutput(o.Output, printer.ListFormats...); err != nil {
		return err
	}
	sel, err := fleet.ParseSelector(o.Selector)
	if err != nil {
		return cmdutil.FlagErrorf("%s", err)
	}
	o.selector = sel
	var keys []string
	for _, k := range o.LabelColumns {
		k = strings.TrimSpace(k)
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return cmdutil.FlagErrorf("--label-columns %q: must be a label key: [prefix/]name, name 1-63 letters, digits, '-', '_' or '.'", k)
		}
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	o.LabelColumns = keys
	if (len(keys) > 0 || o.ShowLabels) && o.Output != "table" && o.Output != "wide" {
		return cmdutil.FlagErrorf("-L and --show-labels add table columns: use them with -o table or -o wide, not -o %s", o.Output)
	}
	return nil
}

// Run reads every cluster and prints them.
func (o *Options) Run() error {
	items, warnings, err := o.fleet.Clusters()
	if err != nil {
		return err
	}
	if !o.selector.Empty() {
		kept := make([]fleet.ClusterInfo, 0, len(items))
		for _, c := range items {
			if c.Error != "" {
				warnings = append(warnings, fmt.Sprintf("%s is left out: it cannot be read, so the selector cannot tell whether it matches", c.Path))
				continue
			}
			if o.selector.Matches(labels.Set(c.Labels)) {
				kept = append(kept, c)
			}
		}
		items = kept
	}
	for _, w := range warnings {
		fmt.Fprintf(o.f.IO.ErrOut, "warning: %s\n", w)
	}
	switch o.Output {
	case "json", "yaml":
		return printer.Structured(o.f.IO.Out, o.Output, fleet.ClusterList{APIVersion: fleet.InfoAPIVersion, Kind: "ClusterList", Items: items})
	}
	if len(items) == 0 {
		switch {
		case o.Output == "name":
		case !o.selector.Empty():
			fmt.Fprintf(o.f.IO.ErrOut, "no cluster matches %s\n", o.Selector)
		default:
			fmt.Fprintf(o.f.IO.ErrOut, "no clusters yet: add one with fleetctl cluster add NAME\n")
		}
		return nil
	}
	return printer.Clusters(o.f.IO.Out, o.Output, items, printer.LabelColumns{Keys: o.LabelColumns, All: o.ShowLabels})
}
