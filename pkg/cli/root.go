// Package cli wires fleetctl's commands together and maps errors to exit codes. It is the only place
// that prints an error.
package cli

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cluster"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/cli/initcmd"
	"github.com/fleetctl/fleetctl/pkg/cli/migrate"
	"github.com/fleetctl/fleetctl/pkg/cli/nodepool"
	plancmd "github.com/fleetctl/fleetctl/pkg/cli/plan"
	prcmd "github.com/fleetctl/fleetctl/pkg/cli/pr"
	"github.com/fleetctl/fleetctl/pkg/cli/providers"
	"github.com/fleetctl/fleetctl/pkg/cli/repair"
	statuscmd "github.com/fleetctl/fleetctl/pkg/cli/status"
	validatecmd "github.com/fleetctl/fleetctl/pkg/cli/validate"
	versioncmd "github.com/fleetctl/fleetctl/pkg/cli/version"
	"github.com/fleetctl/fleetctl/pkg/validate/engine"
)

// Set at link time: -X github.com/fleetctl/fleetctl/pkg/cli.version=... (and commit, date).
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// NewRootCmd builds the command tree on f.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "fleetctl",
		Short: "Make every change to a GitOps fleet of AKS clusters a correct, small, reviewable pull request",
		Long: `fleetctl manages a fleet repo: the single source of truth for AKS clusters run with Flux and
Cluster API (CAPZ). It renders cluster folders, edits them without losing comments, checks them
offline, and commits each change to a new branch ready for a pull request.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if f.NoColor {
				f.IO.DisableColor()
			}
			return nil
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&f.RepoFlag, "repo", "", "fleet repo folder (default: the git top level of the current directory)")
	pf.StringVar(&f.ConfigFlag, "config", "", "config file (default: .fleetctl.yaml at the repo root)")
	pf.BoolVarP(&f.Verbose, "verbose", "v", false, "print more detail, including error chains")
	pf.BoolVar(&f.NoColor, "no-color", false, "never colour the output (NO_COLOR is honoured too)")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &cmdutil.FlagError{Err: plainFlagError(err)}
	})
	root.AddCommand(
		versioncmd.NewCmd(f, nil),
		initcmd.NewCmd(f, nil),
		cluster.NewCmd(f),
		nodepool.NewCmd(f),
		validatecmd.NewCmd(f, nil),
		plancmd.NewCmd(f, nil),
		prcmd.NewCmd(f),
		migrate.NewCmd(f, nil),
		providers.NewCmd(f),
		repair.NewCmd(f, nil),
		statuscmd.NewCmd(f, nil),
	)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	return root
}

// Main runs fleetctl with the process's arguments and returns the exit code.
func Main() int {
	f := cmdutil.New(cmdutil.BuildInfo{Version: version, Commit: commit, Date: date})
	return Run(f, nil)
}

// Run executes the command tree with args (nil: os.Args) and maps the error to an exit code:
// 0 success, 1 failure, 2 usage error.
func Run(f *cmdutil.Factory, args []string) int {
	tuneGC(f.Getenv)
	root := NewRootCmd(f)
	if args != nil {
		root.SetArgs(args)
	}
	cmd, err := root.ExecuteC()
	f.Finish()
	if err == nil {
		return cmdutil.ExitOK
	}
	return printError(f.IO.ErrOut, cmd, err, f.Verbose)
}

// tuneGC collects less often (a command allocates many short-lived objects, decoded YAML, rendered
// charts, and keeps little), with a soft memory limit of 1 GiB so large fleets stay bounded. A
// user's GOGC or GOMEMLIMIT wins.
func tuneGC(getenv func(string) string) {
	if getenv == nil {
		return
	}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(engine.GCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1 << 30)
	}
}

func printError(w io.Writer, cmd *cobra.Command, err error, verbose bool) int {
	if errors.Is(err, cmdutil.ErrSilent) {
		var ec cmdutil.ExitCoder
		if errors.As(err, &ec) {
			return ec.ExitCode()
		}
		return cmdutil.ExitError
	}
	var flagErr *cmdutil.FlagError
	if errors.As(err, &flagErr) || isCobraUsageError(err) {
		fmt.Fprintf(w, "Error: %s\n", err)
		if cmd != nil {
			fmt.Fprintf(w, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
		return cmdutil.ExitUsage
	}
	fmt.Fprintf(w, "Error: %s\n", err)
	code := cmdutil.ExitError
	var ec cmdutil.ExitCoder
	if errors.As(err, &ec) {
		code = ec.ExitCode()
	}
	if verbose {
		for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
			fmt.Fprintf(w, "  caused by: %s\n", e)
		}
	}
	return code
}

// numberErrRE matches what pflag passes on from strconv for a number flag given something else.
var numberErrRE = regexp.MustCompile(`strconv\.Parse(Int|Uint|Float|Bool): parsing "[^"]*": (invalid syntax|value out of range)`)

// plainFlagError words pflag's errors without Go's: `invalid argument "x" for "--count" flag: must
// be a whole number`.
func plainFlagError(err error) error {
	msg := strings.Replace(err.Error(), ": must be an integer", ": must be a whole number", 1)
	msg = numberErrRE.ReplaceAllStringFunc(msg, func(m string) string {
		sub := numberErrRE.FindStringSubmatch(m)
		switch {
		case sub[2] == "value out of range":
			return "is out of range"
		case sub[1] == "Bool":
			return "must be true or false"
		case sub[1] == "Float":
			return "must be a number"
		}
		return "must be a whole number"
	})
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

// cobra reports unknown commands and argument-count errors as plain errors.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "unknown flag", "unknown shorthand", "required flag(s)"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
