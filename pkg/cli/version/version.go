// Package version implements `fleetctl version`.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/cli/internal/printer"
	"github.com/fleetctl/fleetctl/pkg/fleet"
)

// Options of `fleetctl version`.
type Options struct {
	IO     *cmdutil.IOStreams
	Build  cmdutil.BuildInfo
	Output string
}

// NewCmd returns the version command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO, Build: f.Build}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print fleetctl's version",
		Long: `Print fleetctl's version, commit, build date, Go version and platform. -o json and -o yaml
print the fleetctl.io/v1alpha1 Version shape.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return o.Run()
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Output, "text", printer.ObjectFormats...)
	return cmd
}

// Validate checks the output format.
func (o *Options) Validate() error {
	return cmdutil.CheckOutput(o.Output, printer.ObjectFormats...)
}

// Info is the output of `fleetctl version -o json|yaml`.
type Info struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	cmdutil.BuildInfo
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Run prints the version.
func (o *Options) Run() error {
	i := Info{APIVersion: fleet.InfoAPIVersion, Kind: "Version", BuildInfo: o.Build, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if o.Output != "text" {
		return printer.Structured(o.IO.Out, o.Output, i)
	}
	_, err := fmt.Fprintf(o.IO.Out, "fleetctl %s (commit %s, built %s, %s, %s)\n", i.Version, i.Commit, i.Date, i.GoVersion, i.Platform)
	return err
}
