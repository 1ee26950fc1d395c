// Package set implements `fleetctl nodepool set`.
package set

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// Options of `fleetctl nodepool set`.
type Options struct {
	f   *cmdutil.Factory
	cmd *cobra.Command

	Cluster  string
	Pool     string
	MaxSurge string
	Labels   []string
	Taints   []string
	cmdutil.WriteFlags

	settings ops.PoolSettings
}

// NewCmd returns `fleetctl nodepool set`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "set CLUSTER POOL [--max-surge N|N%] [--node-label k=v|k-]... [--node-taint k=v:Effect|k=v:Effect-]...",
		Short: "Change a node pool's upgrade surge, labels or taints on a new branch",
		Long: `Change a node pool's lifecycle settings. Only the flags given change; each is edited in place
in the cluster's values, so the diff is the changed lines only and every comment stays.

  --max-surge N or N%     extra nodes during an upgrade: a count (1) or a percentage of the pool
                          (33%); --max-surge "" goes back to the AKS default (1)
  --node-label key=value  sets a node label; --node-label key- removes it (repeatable)
  --node-taint key=value:Effect or key:Effect
                          adds a taint, Effect NoSchedule, PreferNoSchedule or NoExecute;
                          --node-taint key=value:Effect- (or key:Effect-, or key-) removes it (repeatable)`,
		Example: `  fleetctl nodepool set atlantic-aks work --max-surge 33%
  fleetctl nodepool set atlantic-aks work --node-label team=payments --node-label legacy-
  fleetctl nodepool set atlantic-aks gpu --node-taint nvidia.com/gpu=present:NoSchedule --dry-run`,
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: cmdutil.CompleteClusterArgs(f, true),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd = cmd
			o.Cluster, o.Pool = args[0], args[1]
			return cmdutil.RunSteps(o, runF)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.MaxSurge, "max-surge", "", "extra nodes during an upgrade: a count (1) or a percentage of the pool (33%)")
	fl.StringArrayVar(&o.Labels, "node-label", nil, "node label key=value, or key- to remove it; repeatable")
	fl.StringArrayVar(&o.Taints, "node-taint", nil, "node taint key=value:Effect or key:Effect, with a trailing - to remove it; repeatable")
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/set-pool-CLUSTER-POOL")
	return cmd
}

// Complete turns the flags given into settings; a malformed label or taint is a usage error.
func (o *Options) Complete() error {
	fl := o.cmd.Flags()
	if fl.Changed("max-surge") {
		o.settings.MaxSurge = &o.MaxSurge
	}
	for _, l := range o.Labels {
		if k, ok := strings.CutSuffix(l, "-"); ok && !strings.Contains(l, "=") {
			o.settings.RemoveLabels = append(o.settings.RemoveLabels, k)
			continue
		}
		k, v, err := spec.ParseLabel(l)
		if err != nil {
			return cmdutil.FlagErrorf("%s", err)
		}
		if o.settings.Labels == nil {
			o.settings.Labels = map[string]string{}
		}
		if _, twice := o.settings.Labels[k]; twice {
			return cmdutil.FlagErrorf("--node-label %s: is given twice", k)
		}
		o.settings.Labels[k] = v
	}
	for _, t := range o.Taints {
		if r, ok := strings.CutSuffix(t, "-"); ok {
			o.settings.RemoveTaints = append(o.settings.RemoveTaints, r)
			continue
		}
		if err := spec.CheckTaint("", t); err != nil {
			return cmdutil.FlagErrorf("--node-taint: %s", err)
		}
		o.settings.Taints = append(o.settings.Taints, t)
	}
	s := o.settings
	if s.MaxSurge == nil && s.Labels == nil && s.RemoveLabels == nil && s.Taints == nil && s.RemoveTaints == nil {
		return cmdutil.FlagErrorf("give at least one of --max-surge, --node-label, --node-taint")
	}
	return nil
}

// Validate checks the write flags; the settings are checked against the AKS rules by the fleet
// client.
func (o *Options) Validate() error { return o.WriteFlags.Validate() }

// Run plans the new settings with the fleet client and writes them.
func (o *Options) Run() error {
	return o.RunWrite(o.f, fmt.Sprintf("nodepool set %s %s", o.Cluster, o.Pool), func(c *ops.Client) (*change.Plan, error) {
		return c.SetPool(o.Cluster, o.Pool, o.settings)
	})
}
