// Package add implements `fleetctl nodepool add`.
package add

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// flagKeys maps each pool flag to its --node-pool key of `cluster add`.
var flagKeys = []struct{ flag, key, usage string }{
	{"mode", "mode", "System or User (default User, or the .fleetctl.yaml pool of the same name)"},
	{"vm-size", "vm-size", "Azure VM size, e.g. Standard_D8s_v5 (immutable)"},
	{"count", "count", "fixed node count"},
	{"min", "min", "autoscaling minimum node count (with --max)"},
	{"max", "max", "autoscaling maximum node count (with --min)"},
	{"os", "os", "Linux or Windows (immutable)"},
	{"zones", "zones", "availability zones, e.g. 1,2,3 (immutable)"},
	{"max-pods", "max-pods", "maximum pods per node, 10..250 (immutable)"},
	{"os-disk-type", "os-disk-type", "Ephemeral or Managed (immutable)"},
	{"os-disk-size-gb", "os-disk-size-gb", "OS disk size in GB (immutable)"},
}

// Options of `fleetctl nodepool add`.
type Options struct {
	f   *cmdutil.Factory
	cmd *cobra.Command

	Cluster string
	Pool    string
	values  map[string]*string
	cmdutil.WriteFlags

	fleet  *fleet.Fleet
	source *fleet.ClusterSource
	pool   spec.NodePool
	exists bool
}

// NewCmd returns `fleetctl nodepool add`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f, values: map[string]*string{}}
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
	for _, k := range flagKeys {
		o.values[k.flag] = cmd.Flags().String(k.flag, "", k.usage)
	}
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/add-pool-CLUSTER-POOL")
	return cmd
}

// Complete builds the pool from the flags and the config's pool of the same name.
func (o *Options) Complete() error {
	if err := o.WriteFlags.Validate(); err != nil {
		return err
	}
	parts := []string{"name=" + o.Pool}
	for _, k := range flagKeys {
		if o.cmd.Flags().Changed(k.flag) {
			parts = append(parts, k.key+"="+*o.values[k.flag])
		}
	}
	p, err := spec.ParseNodePool(strings.Join(parts, ","))
	if err != nil {
		return cmdutil.FlagErrorf("%s", strings.Replace(err.Error(), fmt.Sprintf("--node-pool %q: ", strings.Join(parts, ",")), "", 1))
	}
	if o.fleet, err = o.f.Fleet(); err != nil {
		return err
	}
	if o.source, err = o.fleet.LoadCluster(o.Cluster); err != nil {
		return err
	}
	if d, ok := o.fleet.DefaultPool(o.Pool); ok {
		p = p.MergeDefaults(d)
	}
	if p.Mode == "" {
		p.Mode = "User"
	}
	if old, ok := o.source.Cluster.Pool(o.Pool); ok {
		o.exists = true
		return o.existing(old, p)
	}
	o.pool = p
	return nil
}

// existing explains why an existing pool is not changed: with the way out for immutable fields.
func (o *Options) existing(old, asked spec.NodePool) error {
	fl := o.cmd.Flags()
	type field struct{ flag, old, new string }
	var immutable []field
	check := func(flag, oldV, newV string) {
		if fl.Changed(flag) && oldV != newV {
			immutable = append(immutable, field{flag, oldV, newV})
		}
	}
	check("vm-size", old.VMSize, asked.VMSize)
	check("os", orDefault(old.OSType, "Linux"), orDefault(asked.OSType, "Linux"))
	check("zones", strings.Join(old.Zones, ","), strings.Join(asked.Zones, ","))
	check("max-pods", intStr(old.MaxPods), intStr(asked.MaxPods))
	check("os-disk-type", old.OSDiskType, asked.OSDiskType)
	check("os-disk-size-gb", intStr(old.OSDiskSizeGB), intStr(asked.OSDiskSizeGB))
	if len(immutable) > 0 {
		f := immutable[0]
		return fmt.Errorf("node pool %q of %s exists with %s %s: AKS cannot change %s in place (asked: %s); add a new pool with it (fleetctl nodepool add %s NEWPOOL --%s %s ...), move the workloads to it (cordon and drain the nodes of %q), then fleetctl nodepool remove %s %s",
			o.Pool, o.Cluster, f.flag, orDefault(f.old, "unset"), f.flag, f.new, o.Cluster, f.flag, f.new, o.Pool, o.Cluster, o.Pool)
	}
	if fl.Changed("count") || fl.Changed("min") || fl.Changed("max") {
		return fmt.Errorf("node pool %q of %s exists; change its size with fleetctl nodepool scale %s %s", o.Pool, o.Cluster, o.Cluster, o.Pool)
	}
	if fl.Changed("mode") && old.Mode != asked.Mode {
		return fmt.Errorf("node pool %q of %s exists with mode %s; fleetctl does not change a pool's mode: add a pool with mode %s instead", o.Pool, o.Cluster, old.Mode, asked.Mode)
	}
	return nil
}

// Validate checks the new pool against the AKS rules, on its own and within the cluster.
func (o *Options) Validate() error {
	if o.exists {
		return nil
	}
	scope := fmt.Sprintf("cluster %q", o.Cluster)
	if o.pool.VMSize == "" {
		return cmdutil.FlagErrorf("%s: node pool %q: --vm-size is required (no pool of that name in .fleetctl.yaml to take it from)", scope, o.Pool)
	}
	if o.pool.Count == nil && !o.pool.Autoscaled() {
		return cmdutil.FlagErrorf("%s: node pool %q: give --count N, or --min A --max B for autoscaling", scope, o.Pool)
	}
	if err := o.pool.Validate(scope); err != nil {
		return err
	}
	if name := o.Cluster + "-" + o.Pool; len(name) > spec.MaxClusterNameLen {
		return fmt.Errorf("%s: node pool %q: object name %q is %d characters; CAPI object names <cluster>-<pool> must be at most %d", scope, o.Pool, name, len(name), spec.MaxClusterNameLen)
	}
	return nil
}

// Run adds the pool to the values in place and commits.
func (o *Options) Run() error {
	if o.exists {
		fmt.Fprintf(o.f.IO.Out, "nothing to change: node pool %q of %s exists with these settings\n", o.Pool, o.Cluster)
		return nil
	}
	s := o.source
	want := s.Want()
	want.NodePools = append(want.NodePools, o.pool)
	node, err := o.fleet.PoolNode(s.Cluster, o.pool)
	if err != nil {
		return err
	}
	if err := s.SetNode([]string{"nodePools", o.Pool}, node, ""); err != nil {
		return err
	}
	return o.WriteFlags.ApplyEdit(o.f, cmdutil.Edit{
		Fleet: o.fleet, Source: s, Want: want,
		Message: fmt.Sprintf("Add node pool %s to %s\n\n  %s\n\nMerging this creates the AKS node pool %s (MachinePool %s-%s).\n",
			o.Pool, o.Cluster, fleet.DescribePool(o.pool), o.Pool, o.Cluster, o.Pool),
		Branch: fmt.Sprintf("add-pool-%s-%s", o.Cluster, o.Pool),
		Next:   fmt.Sprintf("merging it creates node pool %s in %s", o.Pool, o.Cluster),
	})
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func intStr(p *int) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}
