// Package remove implements `fleetctl cluster remove`.
package remove

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
)

// Options of `fleetctl cluster remove`.
type Options struct {
	f *cmdutil.Factory

	Name string
	Yes  bool
	cmdutil.WriteFlags
}

// NewCmd returns `fleetctl cluster remove`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:     "remove NAME",
		Aliases: []string{"rm"},
		Short:   "Remove a cluster from the fleet on a new branch (merging deletes the AKS cluster)",
		Long: `Remove the cluster's folder and its entry in the clusters kustomization, and commit that on a
new branch.

Merging the pull request DELETES the AKS cluster: Flux prunes the HelmRelease, and Cluster API
deletes the cluster, its node pools and its resource group in Azure. So the command asks you to
type the cluster name on a terminal, and needs --yes anywhere else (scripts, CI). --dry-run shows
the change without asking.`,
		Example: `  fleetctl cluster remove atlantic-aks
  fleetctl cluster remove atlantic-aks --yes
  fleetctl cluster remove atlantic-aks --dry-run`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: cmdutil.CompleteClusterArgs(f, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return cmdutil.RunSteps(o, runF)
		},
	}
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "confirm the removal without a prompt (required when stdin is not a terminal)")
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/remove-NAME")
	return cmd
}

// Complete has nothing to derive: the fleet client reads the cluster.
func (o *Options) Complete() error { return nil }

// Validate requires --yes when there is no terminal to confirm on.
func (o *Options) Validate() error {
	if err := o.WriteFlags.Validate(); err != nil {
		return err
	}
	if !o.Yes && !o.DryRun && !o.f.IO.CanPrompt() {
		return cmdutil.FlagErrorf("cluster remove %s: merging the change deletes the AKS cluster; pass --yes to confirm (no terminal to ask on)", o.Name)
	}
	return nil
}

// Run plans the removal, asks for the cluster name on a terminal, and writes it.
func (o *Options) Run() error {
	return o.RunWrite(o.f, "cluster remove "+o.Name, func(c *ops.Client) (*change.Plan, error) {
		p, r, err := c.RemoveCluster(o.Name)
		if err != nil {
			return nil, err
		}
		if !o.Yes && !o.DryRun {
			if err := o.confirm(r); err != nil {
				return nil, err
			}
		}
		return p, nil
	})
}

// confirm asks for the cluster name on the terminal.
func (o *Options) confirm(r ops.Removal) error {
	io := o.f.IO
	fmt.Fprintf(io.ErrOut, "%s\nType the cluster name to confirm: ", strings.TrimSpace(ops.Wrap(r.Warning(), 100)))
	line, err := bufio.NewReader(io.In).ReadString('\n')
	if strings.TrimSpace(line) != o.Name {
		if err != nil && strings.TrimSpace(line) == "" {
			return fmt.Errorf("cluster remove %s: not confirmed (no answer); nothing written", o.Name)
		}
		return fmt.Errorf("cluster remove %s: not confirmed (typed %q); nothing written", o.Name, strings.TrimSpace(line))
	}
	return nil
}
