// Package version implements `fleetctl version`.
package version

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
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
		Args:  cobra.NoArgs,
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
	cmdutil.AddOutputFlag(cmd, &o.Output, "text", "json")
	return cmd
}

// Validate checks the output format.
func (o *Options) Validate() error {
	return cmdutil.CheckOutput(o.Output, "text", "json")
}

type info struct {
	cmdutil.BuildInfo
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Run prints the version.
func (o *Options) Run() error {
	i := info{BuildInfo: o.Build, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if o.Output == "json" {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(i)
	}
	_, err := fmt.Fprintf(o.IO.Out, "fleetctl %s (commit %s, built %s, %s, %s)\n", i.Version, i.Commit, i.Date, i.GoVersion, i.Platform)
	return err
}
