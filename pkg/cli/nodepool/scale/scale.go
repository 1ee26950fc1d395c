// Package scale implements `fleetctl nodepool scale`.
package scale

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	yaml "go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/yamledit"
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
	cmdutil.WriteFlags

	fleet  *fleet.Fleet
	source *fleet.ClusterSource
	old    spec.NodePool
	new    spec.NodePool
}

// NewCmd returns `fleetctl nodepool scale`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "scale CLUSTER POOL (--count N | --min A --max B | --autoscale=false --count N)",
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

Counts are 1..1000 for System pools and 0..1000 for User pools.`,
		Example: `  fleetctl nodepool scale atlantic-aks system --count 5
  fleetctl nodepool scale atlantic-aks work --min 2 --max 20
  fleetctl nodepool scale atlantic-aks work --autoscale=false --count 4 --dry-run`,
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: cmdutil.CompleteClusterArgs(f, true),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd = cmd
			o.Cluster, o.Pool = args[0], args[1]
			return cmdutil.RunSteps(o, runF)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&o.Count, "count", 0, "fixed node count")
	fl.IntVar(&o.Min, "min", 0, "autoscaling minimum node count")
	fl.IntVar(&o.Max, "max", 0, "autoscaling maximum node count")
	fl.BoolVar(&o.Autoscale, "autoscale", true, "--autoscale=false with --count turns autoscaling off")
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/scale-CLUSTER-POOL")
	return cmd
}

// Complete reads the cluster and works out the pool's new sizing from the flags.
func (o *Options) Complete() error {
	if err := o.WriteFlags.Validate(); err != nil {
		return err
	}
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
	var err error
	if o.fleet, err = o.f.Fleet(); err != nil {
		return err
	}
	if o.source, err = o.fleet.LoadCluster(o.Cluster); err != nil {
		return err
	}
	if o.old, err = o.source.Pool(o.Pool); err != nil {
		return err
	}
	p := o.old
	switch {
	case count && o.old.Autoscaled() && !auto:
		return fmt.Errorf("node pool %q of %s is autoscaled (min %d, max %d): the autoscaler owns its count; give --min/--max to change the bounds, or --autoscale=false --count %d to turn autoscaling off",
			o.Pool, o.Cluster, *o.old.Min, *o.old.Max, o.Count)
	case count:
		p.Count, p.Min, p.Max = &o.Count, nil, nil
	case !o.old.Autoscaled() && !(min && max):
		return cmdutil.FlagErrorf("node pool %q of %s has a fixed count (%d): turning autoscaling on needs both --min and --max", o.Pool, o.Cluster, deref(o.old.Count))
	default:
		p.Count = nil
		if min {
			p.Min = &o.Min
		}
		if max {
			p.Max = &o.Max
		}
	}
	o.new = p
	return nil
}

// Validate checks the new sizing against the AKS rules.
func (o *Options) Validate() error {
	return o.new.Validate(fmt.Sprintf("cluster %q", o.Cluster))
}

// Run edits the values in place and commits.
func (o *Options) Run() error {
	s, pool := o.source, []string{"nodePools", o.Pool}
	want := s.Want()
	for i, p := range want.NodePools {
		if p.Name == o.Pool {
			want.NodePools[i] = o.new
		}
	}
	at := func(k ...string) []string { return append(append([]string{}, pool...), k...) }
	var err error
	switch {
	case o.old.Autoscaled() && o.new.Autoscaled():
		if err = s.SetScalar(at("autoscale", "min"), strconv.Itoa(*o.new.Min), yamledit.Int); err == nil {
			err = s.SetScalar(at("autoscale", "max"), strconv.Itoa(*o.new.Max), yamledit.Int)
		}
	case !o.old.Autoscaled() && !o.new.Autoscaled():
		err = s.SetScalar(at("count"), strconv.Itoa(*o.new.Count), yamledit.Int)
	case o.new.Autoscaled():
		if err = s.SetNode(at("autoscale"), boundsNode(*o.new.Min, *o.new.Max), "count"); err == nil {
			err = s.Delete(at("count")...)
		}
	default:
		if err = s.SetNode(at("count"), intNode(*o.new.Count), "autoscale"); err == nil {
			err = s.Delete(at("autoscale")...)
		}
	}
	if err != nil {
		return err
	}
	return o.WriteFlags.ApplyEdit(o.f, cmdutil.Edit{
		Fleet: o.fleet, Source: s, Want: want,
		NoOp:    fmt.Sprintf("node pool %q of %s already has %s", o.Pool, o.Cluster, sizing(o.old)),
		Message: Message(o.Cluster, o.old, o.new, s.Changes()),
		Branch:  fmt.Sprintf("scale-%s-%s", o.Cluster, o.Pool),
		Next:    fmt.Sprintf("merging it resizes node pool %s of %s", o.Pool, o.Cluster),
	})
}

// Message is the commit message of a scale: old and new sizing, and what merging does.
func Message(cluster string, old, new spec.NodePool, changes []fsx.Change) string {
	var b strings.Builder
	to := sizing(new)
	if old.Autoscaled() == new.Autoscaled() {
		to = to[strings.IndexByte(to, ' ')+1:] // "count 3 -> 5", "autoscale 1-10 -> 1-20"
	}
	fmt.Fprintf(&b, "Scale node pool %s of %s: %s -> %s\n\n", old.Name, cluster, sizing(old), to)
	fmt.Fprintf(&b, "  before: %s\n  after:  %s\n\n", sizing(old), sizing(new))
	switch {
	case !old.Autoscaled() && new.Autoscaled():
		fmt.Fprintf(&b, "Turns the AKS cluster autoscaler on. The count leaves the values: the autoscaler owns it,\nCAPZ writes it back to the MachinePool, and CAPI reads the bounds from its annotations.\n")
	case old.Autoscaled() && !new.Autoscaled():
		fmt.Fprintf(&b, "Turns the AKS cluster autoscaler off; the pool keeps %d nodes.\n", *new.Count)
	case new.Autoscaled():
		fmt.Fprintf(&b, "The AKS cluster autoscaler keeps the node count within the new bounds.\n")
	default:
		fmt.Fprintf(&b, "Merging this resizes the AKS node pool to %d nodes.\n", *new.Count)
	}
	for _, c := range changes {
		fmt.Fprintf(&b, "\nEdited in place: %s", c.Path)
	}
	b.WriteString("\n")
	return b.String()
}

func sizing(p spec.NodePool) string {
	if p.Autoscaled() {
		return fmt.Sprintf("autoscale %d-%d", deref(p.Min), deref(p.Max))
	}
	return fmt.Sprintf("count %d", deref(p.Count))
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func intNode(n int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(n)}
}

func boundsNode(min, max int) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "min"}, intNode(min),
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "max"}, intNode(max),
	}}
}
