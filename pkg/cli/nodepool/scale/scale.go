// Package scale implements `fleetctl nodepool scale`.
package scale

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
)

// Options of `fleetctl nodepool scale`.
type Options struct {
	f   *cmdutil.Factory
	cmd *cobra.Command

	Cluster   string
	Pool      string
	Count     int
	Min       int
	Max       int
	Autoscale bool
	cmdutil.FleetWide
	cmdutil.WriteFlags

	sizing ops.Sizing
}

// NewCmd returns `fleetctl nodepool scale`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "scale (CLUSTER POOL | -l SELECTOR POOL) (--count N | --min A --max B | --autoscale=false --count N)",
		Short: "Change a node pool's node count or autoscaling bounds on a new branch",
		Long: `Change how many nodes a pool has. The edit is made in place in the cluster's values, so the
diff is the changed lines only and every comment stays.

  --count N             a fixed node count (the pool must not be autoscaled)
  --min A --max B       autoscaling bounds; on a fixed pool this turns autoscaling on, and the
                        count leaves the values: the AKS autoscaler owns it, CAPZ writes it back
                        to the MachinePool, and CAPI reads the bounds from its annotations
  --min A or --max B    one bound of an autoscaled pool
  --autoscale=false --count N
                        turns autoscaling off at a fixed count

Counts are 1..1000 for System pools and 0..1000 for User pools.

With -l SELECTOR and only POOL, the pool of that name is resized in every cluster the selector
matches (each must have it), in one commit, or one branch per wave with --waves (see cluster
upgrade --help and docs/fleet-changes.md).`,
		Example: `  fleetctl nodepool scale atlantic-aks system --count 5
  fleetctl nodepool scale atlantic-aks work --min 2 --max 20
  fleetctl nodepool scale atlantic-aks work --autoscale=false --count 4 --dry-run
  fleetctl nodepool scale -l env=prod work --max 30 --waves ring=canary,early,broad`,
		Args:              cobra.RangeArgs(1, 2),
		ValidArgsFunction: cmdutil.CompleteClusterArgs(f, true),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd = cmd
			if len(args) == 2 {
				o.Cluster, o.Pool = args[0], args[1]
			} else {
				o.Pool = args[0]
			}
			return cmdutil.RunSteps(o, runF)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&o.Count, "count", 0, "fixed node count")
	fl.IntVar(&o.Min, "min", 0, "autoscaling minimum node count")
	fl.IntVar(&o.Max, "max", 0, "autoscaling maximum node count")
	fl.BoolVar(&o.Autoscale, "autoscale", true, "--autoscale=false with --count turns autoscaling off")
	cmdutil.AddFleetWideFlags(cmd, &o.FleetWide)
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/scale-CLUSTER-POOL; with -l <prefix>/scale-POOL")
	return cmd
}

// Complete works out the sizing the flags ask for; the flags that exclude each other are usage
// errors.
func (o *Options) Complete() error {
	fl := o.cmd.Flags()
	count, min, max, auto := fl.Changed("count"), fl.Changed("min"), fl.Changed("max"), fl.Changed("autoscale")
	switch {
	case auto && !o.Autoscale && !count:
		return cmdutil.FlagErrorf("--autoscale=false needs --count N, the fixed size the pool keeps")
	case !count && !min && !max:
		return cmdutil.FlagErrorf("give --count N, or --min A --max B for autoscaling")
	case count && (min || max):
		return cmdutil.FlagErrorf("--count and --min/--max: give one; --count is a fixed size, --min/--max autoscaling bounds")
	case auto && o.Autoscale && count:
		return cmdutil.FlagErrorf("--autoscale with --count: autoscaling takes --min and --max")
	case auto && !o.Autoscale && (min || max):
		return cmdutil.FlagErrorf("--autoscale=false with --min/--max: a pool without autoscaling takes --count")
	}
	if count {
		o.sizing.Count = &o.Count
	}
	if min {
		o.sizing.Min = &o.Min
	}
	if max {
		o.sizing.Max = &o.Max
	}
	if auto {
		o.sizing.Autoscale = &o.Autoscale
	}
	return nil
}

// Validate checks the flags against each other; the sizing rules are the fleet client's.
func (o *Options) Validate() error {
	if o.Selector == "" && o.Cluster == "" {
		return cmdutil.FlagErrorf("give CLUSTER POOL, or -l SELECTOR POOL to resize the pool in every cluster it selects")
	}
	if err := o.FleetWide.Validate(o.Cluster != ""); err != nil {
		return err
	}
	return o.WriteFlags.Validate()
}

// Run plans the new size with the fleet client and writes it.
func (o *Options) Run() error {
	if o.Selector != "" {
		return o.RunFleetWide(o.f, fmt.Sprintf("nodepool scale -l %s %s", o.Selector, o.Pool), o.FleetWide, func(c *ops.Client, clusters []string) (*change.Plan, error) {
			return c.PlanMany(ops.Many{Clusters: clusters, Subject: "resize node pool " + o.Pool, Branch: "scale-" + o.Pool,
				Per: func(name string) (*change.Plan, error) { return c.ScalePool(name, o.Pool, o.sizing) }})
		})
	}
	return o.RunWrite(o.f, fmt.Sprintf("nodepool scale %s %s", o.Cluster, o.Pool), func(c *ops.Client) (*change.Plan, error) {
		return c.ScalePool(o.Cluster, o.Pool, o.sizing)
	})
}
