// Package migrate implements `fleetctl migrate`.
package migrate

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
	"github.com/fleetctl/fleetctl/pkg/validate"
	"github.com/fleetctl/fleetctl/pkg/validate/engine"
)

// Options of `fleetctl migrate`.
type Options struct {
	f *cmdutil.Factory
	cmdutil.WriteFlags
}

// NewCmd returns `fleetctl migrate`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f, WriteFlags: cmdutil.WriteFlags{NoConfig: true}}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Move Flux objects off removed API versions on a new branch; name the CAPI/CAPZ ones to move by hand",
		Long: `Rewrite, in place, every Flux object whose apiVersion upstream removed (HelmRelease v2beta1,
Kustomization v1beta1/v1beta2, GitRepository v1beta1 ...) to the version the current controllers
serve, with the field changes each step needs (HelmRelease spec.chart.spec.valuesFile becomes
valuesFiles; fields the new version dropped, such as Kustomization spec.validation, are removed).
Comments, key order and quoting stay; the diff is the changed lines only.

What cannot be moved by rewriting is reported, with why and what to do: Cluster API and CAPZ
objects of removed versions (their kinds changed; AzureManaged* kinds move to the ASO-based
AzureASOManaged* kinds), Helm chart templates, and fields whose format changed (patchesJson6902
and patchesStrategicMerge become patches).

Exit status: 0 when the Flux objects moved (or nothing needed to move), even when manual items are
reported as warnings; the commit is made all the same. Non-zero only when the change cannot be
made (a file that cannot be edited safely, or the tree would fail validation).`,
		Example: `  fleetctl migrate --dry-run
  fleetctl migrate --branch flux-v2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.RunSteps(o, runF)
		},
	}
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/migrate-api-versions")
	return cmd
}

// Complete has nothing to derive.
func (o *Options) Complete() error { return nil }

// Validate checks the write flags.
func (o *Options) Validate() error { return o.WriteFlags.Validate() }

// Run plans the migration, writes it and prints the findings.
func (o *Options) Run() error {
	var findings []validate.Finding
	err := o.RunWrite(o.f, "migrate", func(c *ops.Client) (*change.Plan, error) {
		p, fs, err := c.Migrate()
		findings = fs
		return p, err
	})
	out := o.f.IO.Out
	for _, f := range findings {
		fmt.Fprintf(out, "%s: %s\n", f.Severity, engine.Line(f))
		if f.Fix != "" {
			fmt.Fprintf(out, "  fix: %s\n", f.Fix)
		}
	}
	return err
}
