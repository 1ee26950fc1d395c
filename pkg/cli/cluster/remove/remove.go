// Package remove implements `fleetctl cluster remove`.
package remove

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/validate/engine"
)

// Options of `fleetctl cluster remove`.
type Options struct {
	f *cmdutil.Factory

	Name string
	Yes  bool
	cmdutil.WriteFlags

	fleet   *fleet.Fleet
	cluster *spec.Cluster // nil when the folder's values cannot be read
	files   []string      // repo-relative files of the folder
	list    []byte        // the cluster list without the cluster; nil when it was not listed
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

// Complete finds the cluster's files and its list entry.
func (o *Options) Complete() error {
	if err := o.WriteFlags.Validate(); err != nil {
		return err
	}
	if err := spec.ValidateName(o.Name); err != nil {
		return err
	}
	var err error
	if o.fleet, err = o.f.Fleet(); err != nil {
		return err
	}
	dir := o.fleet.ClusterDir(o.Name)
	abs := filepath.Join(o.fleet.Root, filepath.FromSlash(dir))
	err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, err := filepath.Rel(o.fleet.Root, p)
			if err != nil {
				return err
			}
			o.files = append(o.files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	list, changed, err := o.fleet.RemoveFromClusterList(o.Name)
	if err != nil {
		return err
	}
	if changed {
		o.list = list
	}
	if len(o.files) == 0 && o.list == nil {
		known, _ := o.fleet.ClusterFolders()
		return &fleet.NotFoundError{Name: o.Name, Dir: dir, Known: known}
	}
	sort.Strings(o.files)
	// The values say what merging deletes; a folder fleetctl cannot read is still removable.
	if s, err := o.fleet.LoadCluster(o.Name); err == nil {
		o.cluster = &s.Cluster
	}
	return nil
}

// Validate requires --yes when there is no terminal to confirm on.
func (o *Options) Validate() error {
	if !o.Yes && !o.DryRun && !o.f.IO.CanPrompt() {
		return cmdutil.FlagErrorf("cluster remove %s: merging the change deletes the AKS cluster; pass --yes to confirm (no terminal to ask on)", o.Name)
	}
	return nil
}

// confirm asks for the cluster name on the terminal.
func (o *Options) confirm() error {
	io := o.f.IO
	fmt.Fprintf(io.ErrOut, "%s\nType the cluster name to confirm: ", strings.TrimSpace(o.warning()))
	line, err := bufio.NewReader(io.In).ReadString('\n')
	if strings.TrimSpace(line) != o.Name {
		if err != nil && strings.TrimSpace(line) == "" {
			return fmt.Errorf("cluster remove %s: not confirmed (no answer); nothing written", o.Name)
		}
		return fmt.Errorf("cluster remove %s: not confirmed (typed %q); nothing written", o.Name, strings.TrimSpace(line))
	}
	return nil
}

// warning says what merging the change deletes.
func (o *Options) warning() string {
	what := "the AKS cluster " + o.Name
	if c := o.cluster; c != nil {
		what = fmt.Sprintf("the AKS cluster %s (%s, resource group %s) with its %d node pools and every workload on it", o.Name, c.Location, c.ResourceGroup, len(c.NodePools))
	}
	return wrap(fmt.Sprintf("Merging this removal deletes %s: Flux prunes the HelmRelease and Cluster API deletes the cluster in Azure. This cannot be undone.", what), 100)
}

// wrap breaks text into lines of at most width characters at spaces; each line ends with "\n".
func wrap(text string, width int) string {
	var b strings.Builder
	line := 0
	for i, w := range strings.Fields(text) {
		if i > 0 && line+1+len(w) > width {
			b.WriteString("\n")
			line = 0
		} else if i > 0 {
			b.WriteString(" ")
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	b.WriteString("\n")
	return b.String()
}

// Run deletes the folder, removes the list entry and commits.
func (o *Options) Run() error {
	if !o.Yes && !o.DryRun {
		if err := o.confirm(); err != nil {
			return err
		}
	}
	plan := change.Plan{
		Touched: []string{o.fleet.ClusterDir(o.Name), o.fleet.ClustersKustomization()},
		Message: o.message(),
		Check:   func() error { return engine.CheckTouched(o.fleet, o.Name) },
	}
	for _, f := range o.files {
		plan.Changes = append(plan.Changes, fsx.Change{Path: f, Delete: true})
	}
	if o.list != nil {
		plan.Changes = append(plan.Changes, fsx.Change{Path: o.fleet.ClustersKustomization(), Content: o.list})
	}
	return o.WriteFlags.Apply(o.f, o.fleet.Root, cmdutil.Write{
		Plan:   plan,
		Branch: o.fleet.Config.Git.BranchPrefix + "/remove-" + o.Name,
		Next:   "MERGING IT DELETES THE AKS CLUSTER " + o.Name,
	})
}

func (o *Options) message() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Remove cluster %s: merging this deletes the AKS cluster\n\n", o.Name)
	b.WriteString(o.warning())
	b.WriteString("\n")
	if c := o.cluster; c != nil {
		fmt.Fprintf(&b, "  location:           %s\n  resource group:     %s\n  kubernetes version: %s\n  node pools:\n", c.Location, c.ResourceGroup, c.KubernetesVersion)
		for _, p := range c.NodePools {
			fmt.Fprintf(&b, "    %s\n", fleet.DescribePool(p))
		}
		b.WriteString("\n")
	}
	dir := o.fleet.ClusterDir(o.Name)
	if len(o.files) > 0 {
		fmt.Fprintf(&b, "Removes %s/ (%d files)", dir, len(o.files))
	}
	if o.list != nil {
		if len(o.files) > 0 {
			b.WriteString(" and its entry in ")
		} else {
			b.WriteString("Removes the entry of a missing folder from ")
		}
		b.WriteString(o.fleet.ClustersKustomization())
	}
	b.WriteString(".\n")
	return b.String()
}
