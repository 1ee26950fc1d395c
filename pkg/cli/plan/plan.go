// Package plan implements `fleetctl plan`.
package plan

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fleetplan"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// Options of `fleetctl plan`.
type Options struct {
	f *cmdutil.Factory

	Path     string
	Base     string
	Output   string
	ExitCode bool
}

var formats = []string{"text", "markdown", "json"}

// NewCmd returns `fleetctl plan`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "plan [PATH]",
		Short: "Show offline what merging the working tree does to each AKS cluster",
		Long: `Render the base revision and the working tree with the same engine as validate and compare the
objects, not the files: per cluster, clusters created or DESTROYED (with their resource group), node
pools added, removed, scaled or re-bounded, Kubernetes upgrades (control plane first, then the
pools, with the surge nodes each roll adds), and every change AKS cannot make in place (REPLACE);
infra changes are listed with the clusters they reach. No network, no cluster.

Exit codes: 0, or with --exit-code 2 when the plan destroys or replaces anything; 1 on errors.`,
		Example: `  fleetctl plan
  fleetctl plan --base origin/main -o markdown > plan.md
  fleetctl plan --exit-code   # in CI: fail the job when something is destroyed or replaced`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Path = args[0]
			}
			return cmdutil.RunSteps(o, runF)
		},
	}
	fl := cmd.Flags()
	cmdutil.AddOutputFlag(cmd, &o.Output, "text", formats...)
	fl.StringVar(&o.Base, "base", "", "revision the change merges into (default: git.baseBranch, else the repo's default branch)")
	fl.BoolVar(&o.ExitCode, "exit-code", false, "exit 2 when the plan destroys or replaces anything")
	return cmd
}

// Complete has nothing to fill in.
func (o *Options) Complete() error { return nil }

// Validate checks the flags.
func (o *Options) Validate() error { return cmdutil.CheckOutput(o.Output, formats...) }

// Run computes and prints the plan.
func (o *Options) Run() error {
	root := o.Path
	if root == "" {
		r, err := o.f.RepoRoot()
		if err != nil {
			return err
		}
		root = r
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	cfg, err := o.f.LoadConfig(root, nil, nil, true)
	if err != nil {
		return err
	}
	repo, rerr := gitrepo.Open(root)
	var view fs.FS = os.DirFS(root)
	if rerr == nil && repo.Root() == root {
		view = repo.Worktree()
	}
	head, err := fleet.NewFS(root, view, cfg)
	if err != nil {
		return err
	}
	if rerr == nil {
		head.Cache = o.f.Cache(repo)
	}
	base, err := cmdutil.ResolveBase(repo, rerr, root, o.Base, cfg.Git.BaseBranch)
	if err != nil {
		return err
	}
	if base == nil {
		return fmt.Errorf("plan needs a base revision to compare with: %s has no default branch; pass --base", root)
	}
	p, err := fleetplan.Compute(fleetplan.Options{Head: head, Base: head.WithFS(base), HeadName: "the working tree", BaseName: base.Ref})
	if err != nil {
		return err
	}
	switch o.Output {
	case "json":
		err = fleetplan.JSON(o.f.IO.Out, p)
	case "markdown":
		err = fleetplan.Markdown(o.f.IO.Out, p)
	default:
		err = fleetplan.Text(o.f.IO.Out, p, o.f.IO.ColorEnabled())
	}
	if err != nil {
		return err
	}
	if o.ExitCode && p.Destructive() {
		return cmdutil.SilentExit(2)
	}
	return nil
}
