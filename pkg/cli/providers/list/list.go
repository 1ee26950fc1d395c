// Package list implements `fleetctl providers list`.
package list

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/config"
)

// Options of `fleetctl providers list`.
type Options struct {
	f *cmdutil.Factory

	pinned, current config.Providers
}

// NewCmd returns `fleetctl providers list`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "Print the provider versions the fleet pins beside the current ones",
		Long: `Print, for Cluster API, CAPZ, ASO, Flux and the Cluster API contract, the version the fleet's
.fleetctl.yaml pins and the one this fleetctl ships. When they differ, fleetctl providers upgrade
moves the fleet.`,
		Example: `  fleetctl providers list`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.RunSteps(o, runF)
		},
	}
	return cmd
}

// Complete reads the fleet's configuration.
func (o *Options) Complete() error {
	fl, err := o.f.Fleet()
	if err != nil {
		return err
	}
	o.pinned, o.current = fl.Config.Providers, config.Default().Providers
	return nil
}

// Validate has nothing to check.
func (o *Options) Validate() error { return nil }

// Run prints the table.
func (o *Options) Run() error {
	w := tabwriter.NewWriter(o.f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "PROVIDER\tPINNED\tCURRENT")
	behind := false
	for _, r := range []struct{ name, pinned, current string }{
		{"Cluster API", o.pinned.ClusterAPI, o.current.ClusterAPI},
		{"CAPZ", o.pinned.CAPZ, o.current.CAPZ},
		{"ASO", o.pinned.ASO, o.current.ASO},
		{"Flux", o.pinned.Flux, o.current.Flux},
		{"contract", o.pinned.CAPIContract(), o.current.CAPIContract()},
	} {
		mark := ""
		if r.pinned != r.current {
			mark, behind = " *", true
		}
		fmt.Fprintf(w, "%s\t%s%s\t%s\n", r.name, r.pinned, mark, r.current)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if behind {
		fmt.Fprintln(o.f.IO.ErrOut, "the fleet pins other providers than the current ones (*): move it with fleetctl providers upgrade")
	}
	return nil
}
