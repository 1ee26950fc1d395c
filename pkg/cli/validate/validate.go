// Package validate implements `fleetctl validate`.
package validate

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/validate/engine"
	"github.com/fleetctl/fleetctl/pkg/validate/report"
	"github.com/fleetctl/fleetctl/pkg/validate/rules"
)

// Options of `fleetctl validate`.
type Options struct {
	f *cmdutil.Factory

	Path       string
	Output     string
	Base       string
	NoBase     bool
	Strict     bool
	Notes      bool
	Changed    bool
	SchemaDir  []string
	ChartCache string
	cmdutil.SupportFlags
}

var formats = []string{"text", "json", "sarif", "junit"}

// NewCmd returns `fleetctl validate`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "validate [PATH]",
		Short: "Check the fleet repo offline as strictly as the API servers would",
		Long: `Check the fleet repo with no network and no cluster: YAML syntax and duplicate keys, kustomize
builds, every Flux, CAPI and CAPZ object against the real CRD schemas (CEL rules included,
unknown fields are errors), every cluster's values against the chart's values schema, the
chart rendered with Helm's engine and each rendered object validated (the Azure Service
Operator resources CAPZ embeds too), the AKS and fleet rules, committed secrets, and changes
against --base that AKS cannot apply.

Exit codes: 0 clean (warnings allowed unless --strict), 1 findings, 2 usage or internal error.`,
		Example: `  fleetctl validate
  fleetctl validate --base origin/main -o sarif > fleetctl.sarif
  fleetctl validate --changed -o junit > report.xml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Path = args[0]
			}
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return o.Run()
		},
	}
	fl := cmd.Flags()
	cmdutil.AddOutputFlag(cmd, &o.Output, "text", formats...)
	fl.StringVar(&o.Base, "base", "", "revision to compare with (default: the repo's default branch, when it exists)")
	fl.BoolVar(&o.NoBase, "no-base", false, "do not compare with a base revision")
	fl.BoolVar(&o.Strict, "strict", false, "treat warnings (such as kinds without a schema) as errors, and report files no Flux Kustomization applies as warnings")
	fl.BoolVar(&o.Notes, "notes", false, "show the notes (severity info) in text output: what was not checked offline, and why")
	fl.BoolVar(&o.Changed, "changed", false, "check only the clusters that differ from --base (the fleet-wide rules still run)")
	fl.StringArrayVar(&o.SchemaDir, "schema-dir", nil, "folder of CRD files that add or override schemas (repeatable)")
	cmdutil.AddSupportFlags(cmd, &o.SupportFlags)
	fl.StringVar(&o.ChartCache, "chart-cache", "", "folder of charts from chart repositories (<chart>-<version>.tgz as helm pull writes them, or unpacked charts) to render HelmReleases whose chart is not in the repo; nothing is fetched")
	return cmd
}

// Validate checks the flags.
func (o *Options) Validate() error {
	if err := cmdutil.CheckOutput(o.Output, formats...); err != nil {
		return err
	}
	if o.NoBase && (o.Base != "" || o.Changed) {
		return cmdutil.FlagErrorf("--no-base cannot be combined with --base or --changed")
	}
	if o.ChartCache != "" {
		if st, err := os.Stat(o.ChartCache); err != nil || !st.IsDir() {
			return cmdutil.FlagErrorf("--chart-cache %q: must be an existing folder of charts", o.ChartCache)
		}
	}
	return nil
}

// Run validates and prints the findings.
func (o *Options) Run() error {
	start := time.Now()
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
	// In a git checkout the working tree view knows content keys from the index, and the cluster
	// summary cache lives in the repository.
	var view fs.FS = os.DirFS(root)
	repo, rerr := gitrepo.Open(root)
	if rerr == nil && repo.Root() == root {
		view = repo.Worktree()
	}
	if rerr == nil {
		if err := change.CheckInterrupted(repo); err != nil {
			return err
		}
	}
	fl, err := fleet.NewFS(root, view, cfg)
	if err != nil {
		return err
	}
	if rerr == nil {
		fl.Cache = o.f.Cache(repo)
	}
	schemas, err := schema.For(cfg.Providers.SchemaPins())
	if err != nil {
		return fmt.Errorf("%s providers: %w", config.FileName, err)
	}
	for _, dir := range o.SchemaDir {
		if err := schemas.AddDir(dir); err != nil {
			return cmdutil.FlagErrorf("--schema-dir %s: %s", dir, err)
		}
	}
	sup, err := o.SupportFlags.Support(o.f, root, cfg)
	if err != nil {
		return err
	}
	opts := engine.Options{Fleet: fl, Schemas: schemas, Strict: o.Strict,
		Support: rules.Support{Table: sup.Table, Now: sup.Now, LTS: sup.LTS, VMSizes: sup.VMSizes}}
	if o.ChartCache != "" {
		opts.ChartCache = os.DirFS(o.ChartCache)
	}
	if !o.NoBase {
		base, err := cmdutil.ResolveBase(repo, rerr, root, o.Base, cfg.Git.BaseBranch)
		if err != nil {
			return err
		}
		if base != nil {
			opts.Base = base
		}
		if o.Changed {
			if base == nil {
				return cmdutil.FlagErrorf("--changed needs a base revision: pass --base")
			}
			if opts.Only, err = engine.ChangedClusters(fl, fl.WithFS(base)); err != nil {
				return err
			}
		}
	}
	progress := o.f.IO.CanPrompt() && o.Output == "text"
	if progress {
		fmt.Fprintf(o.f.IO.ErrOut, "validating %s ...", root)
	}
	res, err := engine.Run(opts)
	if progress {
		fmt.Fprint(o.f.IO.ErrOut, "\r\x1b[K") // clear the progress line before the report
	}
	if err != nil {
		return err
	}
	meta := report.Meta{Tool: "fleetctl", Version: o.f.Build.Version, Root: root, Schemas: schemas.Sources(),
		Files: res.Files, Objects: res.Objects, Paths: res.Paths, Strict: o.Strict, Notes: o.Notes}
	if o.Output == "text" {
		meta.Duration = time.Since(start)
	}
	switch o.Output {
	case "json":
		err = report.JSON(o.f.IO.Out, res.Findings, meta)
	case "sarif":
		err = report.SARIF(o.f.IO.Out, res.Findings, meta)
	case "junit":
		err = report.JUnit(o.f.IO.Out, res.Findings, meta)
	default:
		err = report.Text(o.f.IO.Out, res.Findings, meta, o.f.IO.ColorEnabled())
	}
	if err != nil {
		return err
	}
	if report.ExitCode(res.Findings, o.Strict) != 0 {
		return cmdutil.ErrSilent
	}
	return nil
}
