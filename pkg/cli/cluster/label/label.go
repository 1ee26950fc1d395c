// Package label implements `fleetctl cluster label`.
package label

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// Options of `fleetctl cluster label`.
type Options struct {
	f   *cmdutil.Factory
	cmd *cobra.Command

	// Cluster is the cluster to label; empty with Selector.
	Cluster   string
	Selector  string
	Overwrite bool
	Args      []string
	cmdutil.WriteFlags

	req ops.LabelRequest
}

// NewCmd returns `fleetctl cluster label`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "label (NAME | -l SELECTOR) key=value... key-... [--overwrite]",
		Short: "Set or remove a cluster's labels on a new branch",
		Long: `Set or remove cluster labels, as kubectl label does: key=value sets a label, key- removes it.
The labels are values.labels of each cluster, which the chart puts on the CAPI Cluster; they are
edited in place (a new labels map goes right after name, the last label removed removes the key),
so every comment stays.

A label the cluster has with another value changes only with --overwrite; without it the command
fails and names the label and its current value. Removing a label the cluster does not have
changes nothing. Keys the chart sets itself (app.kubernetes.io/name, app.kubernetes.io/instance,
app.kubernetes.io/managed-by, helm.sh/chart, cluster.x-k8s.io/cluster-name) and the
cluster.x-k8s.io prefix, which Cluster API reserves, are refused.

-l SELECTOR instead of NAME labels every cluster the selector matches, in one commit whose
message lists them; a selector that matches none is an error. The branch is <prefix>/label-NAME,
or <prefix>/label-<selector> with -l (env=prod gives label-env-prod).`,
		Example: `  fleetctl cluster label atlantic-aks ring=canary env=prod
  fleetctl cluster label atlantic-aks ring=early --overwrite
  fleetctl cluster label atlantic-aks legacy-
  fleetctl cluster label -l 'env=prod,ring notin (canary)' ring=broad --overwrite --pr`,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if o.Selector != "" {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return cmdutil.CompleteClusterArgs(f, false)(cmd, args, toComplete)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.Args = cmd, args
			return cmdutil.RunSteps(o, runF)
		},
	}
	cmdutil.AddSelectorFlag(cmd, &o.Selector, "label every cluster it matches instead of NAME")
	cmd.Flags().BoolVar(&o.Overwrite, "overwrite", false, "change labels the cluster already has with another value")
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/label-NAME, or <prefix>/label-<selector> with -l")
	return cmd
}

// Complete splits the arguments into the cluster and the label changes.
func (o *Options) Complete() error {
	args := o.Args
	if o.Selector == "" && o.cmd != nil && o.cmd.Flags().Changed("selector") {
		return cmdutil.FlagErrorf("-l \"\": an empty selector would label every cluster; give a selector, or NAME")
	}
	if o.Selector == "" {
		if len(args) == 0 {
			return cmdutil.FlagErrorf("give the cluster to label (NAME, or -l SELECTOR) and at least one key=value or key-")
		}
		o.Cluster, args = args[0], args[1:]
	} else if len(args) > 0 && !strings.Contains(args[0], "=") && !strings.HasSuffix(args[0], "-") {
		return cmdutil.FlagErrorf("%q: -l selects the clusters, so give no NAME (or leave out -l)", args[0])
	}
	if len(args) == 0 {
		return cmdutil.FlagErrorf("give at least one label change: key=value sets a label, key- removes it")
	}
	lc, err := spec.ParseLabelChange(args)
	if err != nil {
		return cmdutil.FlagErrorf("%s", err)
	}
	o.req = ops.LabelRequest{LabelChange: lc, Overwrite: o.Overwrite}
	return nil
}

// Validate checks the selector and the write flags; the labels are checked against the clusters by
// the fleet client.
func (o *Options) Validate() error {
	if o.Selector != "" {
		if _, err := fleet.ParseSelector(o.Selector); err != nil {
			return cmdutil.FlagErrorf("%s", err)
		}
	}
	return o.WriteFlags.Validate()
}

// Run plans the label change with the fleet client and writes it as the flags say.
func (o *Options) Run() error {
	command := "cluster label " + o.Cluster
	if o.Selector != "" {
		command = "cluster label -l " + o.Selector
	}
	return o.RunWrite(o.f, command, func(c *ops.Client) (*change.Plan, error) {
		if o.Selector != "" {
			return c.LabelSelected(o.Selector, o.req)
		}
		return c.LabelCluster(o.Cluster, o.req)
	})
}
