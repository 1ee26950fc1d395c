// Package add implements `fleetctl nodepool add`.
package add

import (
	"fmt"
	"slices"
	"sort"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// Options of `fleetctl nodepool add`.
type Options struct {
	f   *cmdutil.Factory
	cmd *cobra.Command

	Cluster      string
	Pool         string
	Mode         *cmdutil.EnumValue
	VMSize       string
	Count        int
	Min          int
	Max          int
	OS           *cmdutil.EnumValue
	Zones        []string
	MaxPods      int
	OSDiskType   *cmdutil.EnumValue
	OSDiskSizeGB int
	MaxSurge     string
	Labels       []string
	Taints       []string
	cmdutil.WriteFlags
	cmdutil.SupportFlags

	req ops.PoolRequest
}

// NewCmd returns `fleetctl nodepool add`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{
		f:          f,
		Mode:       cmdutil.NewEnum("", spec.Modes...),
		OS:         cmdutil.NewEnum("", spec.OSTypes...),
		OSDiskType: cmdutil.NewEnum("", spec.OSDiskTypes...),
	}
	cmd := &cobra.Command{
		Use:   "add CLUSTER POOL",
		Short: "Add a node pool to a cluster on a new branch",
		Long: `Add a node pool to a cluster's values, in place, written as cluster add writes pools (fields AKS
cannot change later are marked immutable). The flags are the keys of cluster add's --node-pool;
a pool named like a default pool in .fleetctl.yaml takes that pool's settings for flags not given.

A pool that exists is not changed: AKS cannot change a pool's VM size, OS, zones, max pods or OS
disk in place. To change one, add a new pool with the new settings, move the workloads to it
(cordon and drain the old nodes), then remove the old pool.`,
		Example: `  fleetctl nodepool add atlantic-aks gpu --vm-size Standard_NC6s_v3 --count 2 --zones 1,2
  fleetctl nodepool add atlantic-aks batch --vm-size Standard_D16s_v5 --min 0 --max 20
  fleetctl nodepool add atlantic-aks sys2 --mode System --vm-size Standard_D4s_v5 --count 3`,
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: cmdutil.CompleteClusterArgs(f, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd = cmd
			o.Cluster, o.Pool = args[0], args[1]
			return cmdutil.RunSteps(o, runF)
		},
	}
	fl := cmd.Flags()
	cmdutil.AddEnumFlag(cmd, o.Mode, "mode", "pool mode (default User, or the .fleetctl.yaml pool of the same name)")
	fl.StringVar(&o.VMSize, "vm-size", "", "Azure VM size, e.g. Standard_D8s_v5 (immutable)")
	fl.IntVar(&o.Count, "count", 0, "fixed node count")
	fl.IntVar(&o.Min, "min", 0, "autoscaling minimum node count (with --max)")
	fl.IntVar(&o.Max, "max", 0, "autoscaling maximum node count (with --min)")
	cmdutil.AddEnumFlag(cmd, o.OS, "os", "operating system (immutable)")
	fl.StringSliceVar(&o.Zones, "zones", nil, "availability zones, e.g. 1,2,3 (immutable)")
	fl.IntVar(&o.MaxPods, "max-pods", 0, "maximum pods per node, 10..250 (immutable)")
	cmdutil.AddEnumFlag(cmd, o.OSDiskType, "os-disk-type", "OS disk type (immutable)")
	fl.IntVar(&o.OSDiskSizeGB, "os-disk-size-gb", 0, "OS disk size in GB (immutable)")
	fl.StringVar(&o.MaxSurge, "max-surge", "", "extra nodes during an upgrade: a count (1) or a percentage of the pool (33%)")
	fl.StringArrayVar(&o.Labels, "node-label", nil, "node label key=value, repeatable")
	fl.StringArrayVar(&o.Taints, "node-taint", nil, "node taint key=value:Effect or key:Effect, repeatable (NoSchedule|PreferNoSchedule|NoExecute)")
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/add-pool-CLUSTER-POOL")
	cmdutil.AddSupportFlags(cmd, &o.SupportFlags)
	return cmd
}

// Complete builds the pool the flags ask for; which flags were given decides what the config's pool
// of the same name fills in and what an existing pool is compared on.
func (o *Options) Complete() error {
	fl := o.cmd.Flags()
	p := spec.NodePool{Name: o.Pool, Mode: o.Mode.String(), VMSize: o.VMSize, OSType: o.OS.String(), OSDiskType: o.OSDiskType.String()}
	given := map[string]bool{}
	for _, name := range []string{"mode", "vm-size", "count", "min", "max", "os", "zones", "max-pods", "os-disk-type", "os-disk-size-gb"} {
		given[name] = fl.Changed(name)
	}
	intp := func(flag string, v int) *int {
		if !given[flag] {
			return nil
		}
		return &v
	}
	p.Count, p.Min, p.Max = intp("count", o.Count), intp("min", o.Min), intp("max", o.Max)
	p.MaxPods, p.OSDiskSizeGB = intp("max-pods", o.MaxPods), intp("os-disk-size-gb", o.OSDiskSizeGB)
	if given["zones"] {
		p.Zones = slices.Clone(o.Zones)
		sort.Strings(p.Zones)
	}
	p.MaxSurge = o.MaxSurge
	for _, l := range o.Labels {
		k, v, err := spec.ParseLabel(l)
		if err != nil {
			return cmdutil.FlagErrorf("%s", err)
		}
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels[k] = v
	}
	p.Taints = slices.Clone(o.Taints)
	if given["count"] && (given["min"] || given["max"]) {
		return cmdutil.FlagErrorf("--count and --min/--max: give one; --count is a fixed size, --min/--max autoscaling bounds")
	}
	o.req = ops.PoolRequest{Pool: p, Given: given}
	return nil
}

// Validate checks the flags against each other; the pool is checked against the AKS rules by the
// fleet client.
func (o *Options) Validate() error { return o.WriteFlags.Validate() }

// Run plans the new pool with the fleet client and writes it.
func (o *Options) Run() error {
	return o.RunWrite(o.f, fmt.Sprintf("nodepool add %s %s", o.Cluster, o.Pool), func(c *ops.Client) (*change.Plan, error) {
		if err := o.SupportFlags.Apply(o.f, c); err != nil {
			return nil, err
		}
		return c.AddPool(o.Cluster, o.req)
	})
}
