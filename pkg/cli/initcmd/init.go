// Package initcmd implements `fleetctl init`.
package initcmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// DefaultBranch is the branch a new fleet repo starts on.
const DefaultBranch = "main"

// Options of `fleetctl init`.
type Options struct {
	f   *cmdutil.Factory
	cmd *cobra.Command

	Dir      string
	NoCommit bool
	// Providers is the provider set the new fleet targets: current, or previous (the set before it,
	// with the chart for its Cluster API contract; fleetctl providers upgrade moves it on).
	Providers *cmdutil.EnumValue
	cmdutil.SupportFlags

	root   string
	config config.Config
}

// Flags that set org defaults in the new .fleetctl.yaml, by config key.
var bind = map[string]string{
	"defaults.location":          "location",
	"defaults.kubernetesVersion": "kubernetes-version",
	"defaults.namespace":         "namespace",
	"git.branchPrefix":           "branch-prefix",
}

// NewCmd returns `fleetctl init`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f, Providers: cmdutil.NewEnum("current", "current", "previous")}
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create a fleet repo, or complete an existing one",
		Long: `Create a fleet repo in DIR (default: the current directory), running git init with the
branch main when DIR is not a repository yet, or complete an existing fleet repo without
overwriting anything a user changed. Re-running it is a no-op that says so.

It writes .fleetctl.yaml (the org defaults), the management cluster's Flux objects, the
empty list of clusters, the cluster chart, and the infra every workload cluster gets. In a
repo without commits it makes the first commit on main.`,
		Example: `  fleetctl init fleet --location eastus --kubernetes-version v1.37.2
  fleetctl init            # complete the repo in the current directory`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd = cmd
			if len(args) == 1 {
				o.Dir = args[0]
			}
			return cmdutil.RunSteps(o, runF)
		},
	}
	fl := cmd.Flags()
	fl.String("location", "", "default Azure region for new clusters")
	fl.String("kubernetes-version", "", "default Kubernetes version for new clusters, e.g. v1.37.2")
	fl.String("namespace", "", "namespace on the management cluster for the cluster objects")
	fl.String("branch-prefix", "", "prefix of the branches fleetctl creates")
	fl.BoolVar(&o.NoCommit, "no-commit", false, "write the files but do not make the initial commit")
	cmdutil.AddEnumFlag(cmd, o.Providers, "providers", "provider set the new fleet pins: current, or previous with its chart (fleetctl providers upgrade moves it on)")
	cmdutil.AddSupportFlags(cmd, &o.SupportFlags)
	return cmd
}

// Complete resolves the folder and the configuration.
func (o *Options) Complete() error {
	dir := o.Dir
	if dir == "" {
		if o.f.RepoFlag != "" {
			dir = o.f.RepoFlag
		} else {
			dir = "."
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	o.root = abs
	cfg, err := o.f.LoadConfig(abs, o.cmd.Flags(), bind, true)
	if err != nil {
		return err
	}
	if o.Providers.String() == "previous" {
		cfg.Providers = config.PreviousProviders()
	}
	o.config = cfg
	if o.cmd.Flags().Changed("kubernetes-version") {
		// A new default must be a version AKS offers; one already in .fleetctl.yaml is validate's.
		sup, err := o.SupportFlags.Support(o.f, abs, cfg)
		if err != nil {
			return err
		}
		if err := sup.Table.CheckOffered("--kubernetes-version", cfg.Defaults.KubernetesVersion, sup.Now, false); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the defaults that will be written.
func (o *Options) Validate() error {
	d := o.config.Defaults
	if !spec.LocationRE.MatchString(d.Location) {
		return cmdutil.FlagErrorf("--location %q: must be an Azure region name such as eastus (lower case letters and digits)", d.Location)
	}
	for _, p := range d.NodePools {
		if err := p.Validate("defaults"); err != nil {
			return fmt.Errorf("configuration: %w", err)
		}
	}
	return nil
}

// Run writes the missing files and makes the first commit when the repo has none.
func (o *Options) Run() error {
	out := o.f.IO.Out
	if st, err := os.Stat(o.root); err == nil && !st.IsDir() {
		return fmt.Errorf("%s is a file, not a folder", o.root)
	}
	repo, created, err := openOrInit(o.root)
	if err != nil {
		return err
	}
	undoInit := func() {
		if created {
			_ = os.RemoveAll(filepath.Join(o.root, ".git"))
		}
	}
	hasCommits, err := repo.HasCommits()
	if err != nil {
		return err
	}
	head, err := repo.Head()
	if err != nil {
		return err
	}
	noCommit := hasCommits || o.NoCommit
	opts := change.Options{Command: "init", NoCommit: noCommit, Exit: o.f.ExitOnSignal}
	if !noCommit {
		opts.Branch = head.Branch // the first commit goes on the unborn current branch
		opts.FirstCommit = true
	}
	s, err := change.Open(repo, opts)
	if err != nil {
		undoInit()
		return err
	}
	defer s.Close()
	fl, err := fleet.NewFS(o.root, s.View, o.config)
	if err != nil {
		undoInit()
		return err
	}
	p, info, err := ops.New(fl).Init()
	if err != nil {
		undoInit()
		return err
	}
	for _, k := range info.Kept {
		fmt.Fprintf(out, "kept     %s (differs from the default; not overwritten)\n", k)
	}
	var author, committer gitrepo.Signature
	if !noCommit && len(p.Changes) > 0 {
		if author, committer, err = gitrepo.ResolveAuthor(repo, o.f.Getenv); err != nil {
			undoInit()
			return err
		}
	}
	res, err := s.Apply(p, author, committer)
	if err != nil {
		undoInit()
		return err
	}
	if res.NoOp != "" {
		fmt.Fprintf(out, "fleet repo at %s is already initialised; nothing to change\n", o.root)
		return nil
	}
	if created {
		fmt.Fprintf(out, "initialised git repository in %s (branch %s)\n", o.root, DefaultBranch)
	}
	for _, f := range res.Files {
		fmt.Fprintf(out, "created  %s\n", f.Path)
	}
	for _, name := range info.Listed {
		fmt.Fprintf(out, "listed   %s (a cluster folder the repo already has: Flux keeps applying it)\n", fl.ClusterDir(name))
	}
	switch {
	case res.Commit != "":
		fmt.Fprintf(out, "committed %s on %s: %s\n", res.Commit[:12], res.Branch, firstLine(p.Message))
	case hasCommits:
		fmt.Fprintf(out, "the new files are not committed: review them, then commit and push\n")
	default:
		fmt.Fprintf(out, "not committed (--no-commit)\n")
	}
	fmt.Fprintf(out, "next: %s\n", p.Next)
	return nil
}

func openOrInit(root string) (*gitrepo.Repo, bool, error) {
	if _, err := os.Stat(root); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, false, err
		}
		repo, err := gitrepo.Init(root, DefaultBranch)
		return repo, true, err
	}
	repo, err := gitrepo.Open(root)
	switch {
	case err == nil:
		if filepath.Clean(repo.Root()) != filepath.Clean(root) {
			return nil, false, fmt.Errorf("%s is inside the git repository %s: run fleetctl init at the repository's top level, or in a folder outside it", root, repo.Root())
		}
		return repo, false, nil
	case errors.Is(err, gitrepo.ErrNotRepo):
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, false, err
		}
		repo, err := gitrepo.Init(root, DefaultBranch)
		return repo, true, err
	default:
		return nil, false, err
	}
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
