package ops

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/yamledit"
)

// Sizing is a requested pool size: Count for a fixed size, Min and/or Max for autoscaling bounds.
// Autoscale false with Count turns autoscaling off. Unset fields are nil.
type Sizing struct {
	Count, Min, Max *int
	Autoscale       *bool
}

// ScalePool plans a new size for a node pool, edited in place in the file that defines it.
func (c *Client) ScalePool(cluster, pool string, sz Sizing) (*change.Plan, error) {
	src, err := c.Fleet.LoadCluster(cluster)
	if err != nil {
		return nil, err
	}
	old, err := src.Pool(pool)
	if err != nil {
		return nil, err
	}
	p := old
	offAsked := sz.Autoscale != nil && !*sz.Autoscale
	switch {
	case sz.Count != nil && old.Autoscaled() && !offAsked:
		return nil, fmt.Errorf("node pool %q of %s is autoscaled (min %d, max %d): the autoscaler owns its count; give --min/--max to change the bounds, or --autoscale=false --count %d to turn autoscaling off",
			pool, cluster, *old.Min, *old.Max, *sz.Count)
	case sz.Count != nil:
		p.Count, p.Min, p.Max = sz.Count, nil, nil
	case !old.Autoscaled() && (sz.Min == nil || sz.Max == nil):
		return nil, fmt.Errorf("node pool %q of %s has a fixed count (%d): turning autoscaling on needs both --min and --max", pool, cluster, deref(old.Count))
	default:
		p.Count = nil
		if sz.Min != nil {
			p.Min = sz.Min
		}
		if sz.Max != nil {
			p.Max = sz.Max
		}
	}
	if err := p.Validate(fmt.Sprintf("cluster %q", cluster)); err != nil {
		return nil, err
	}
	want := src.Want()
	for i, wp := range want.NodePools {
		if wp.Name == pool {
			want.NodePools[i] = p
		}
	}
	at := func(k ...string) []string { return append([]string{"nodePools", pool}, k...) }
	switch {
	case old.Autoscaled() && p.Autoscaled():
		if err = src.SetScalar(at("autoscale", "min"), strconv.Itoa(*p.Min), yamledit.Int); err == nil {
			err = src.SetScalar(at("autoscale", "max"), strconv.Itoa(*p.Max), yamledit.Int)
		}
	case !old.Autoscaled() && !p.Autoscaled():
		err = src.SetScalar(at("count"), strconv.Itoa(*p.Count), yamledit.Int)
	case p.Autoscaled():
		if err = src.SetNode(at("autoscale"), boundsNode(*p.Min, *p.Max), "count"); err == nil {
			err = src.Delete(at("count")...)
		}
	default:
		if err = src.SetNode(at("count"), intNode(*p.Count), "autoscale"); err == nil {
			err = src.Delete(at("autoscale")...)
		}
	}
	if err != nil {
		return nil, err
	}
	return c.editPlan(edit{
		src: src, want: want,
		noOp:    fmt.Sprintf("node pool %q of %s already has %s", pool, cluster, DescribeSize(old)),
		message: scaleMessage(cluster, old, p, src.Changes()),
		branch:  fmt.Sprintf("scale-%s-%s", cluster, pool),
		next:    fmt.Sprintf("merging it resizes node pool %s of %s", pool, cluster),
	})
}

// scaleMessage is the commit message of a scale: old and new sizing, and what merging does.
func scaleMessage(cluster string, old, p spec.NodePool, changes []fsx.Change) string {
	var b strings.Builder
	to := DescribeSize(p)
	if old.Autoscaled() == p.Autoscaled() {
		to = to[strings.IndexByte(to, ' ')+1:] // "count 3 -> 5", "autoscale 1-10 -> 1-20"
	}
	fmt.Fprintf(&b, "Scale node pool %s of %s: %s -> %s\n\n", old.Name, cluster, DescribeSize(old), to)
	fmt.Fprintf(&b, "  before: %s\n  after:  %s\n\n", DescribeSize(old), DescribeSize(p))
	switch {
	case !old.Autoscaled() && p.Autoscaled():
		fmt.Fprintf(&b, "Turns the AKS cluster autoscaler on. The count leaves the values: the autoscaler owns it,\nCAPZ writes it back to the MachinePool, and CAPI reads the bounds from its annotations.\n")
	case old.Autoscaled() && !p.Autoscaled():
		fmt.Fprintf(&b, "Turns the AKS cluster autoscaler off; the pool keeps %d nodes.\n", *p.Count)
	case p.Autoscaled():
		fmt.Fprintf(&b, "The AKS cluster autoscaler keeps the node count within the new bounds.\n")
	default:
		fmt.Fprintf(&b, "Merging this resizes the AKS node pool to %d nodes.\n", *p.Count)
	}
	for _, ch := range changes {
		fmt.Fprintf(&b, "\nEdited in place: %s", ch.Path)
	}
	b.WriteString("\n")
	return b.String()
}

// DescribeSize describes a pool's size: "count 3" or "autoscale 1-10".
func DescribeSize(p spec.NodePool) string {
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

// PoolRequest is a pool to add: the settings asked for, and which of them were given (by their
// --node-pool key names: "vm-size", "count", ...). Settings not given come from the configuration's
// default pool of the same name.
type PoolRequest struct {
	Pool  spec.NodePool
	Given map[string]bool
}

// ImmutableError says a pool exists with a setting AKS cannot change in place.
type ImmutableError struct {
	Cluster, Pool, Field, Old, New string
}

func (e *ImmutableError) Error() string {
	old := e.Old
	if old == "" {
		old = "unset"
	}
	return fmt.Sprintf("node pool %q of %s exists with %s %s: AKS cannot change %s in place (asked: %s); add a new pool with it (fleetctl nodepool add %s NEWPOOL --%s %s ...), move the workloads to it (cordon and drain the nodes of %q), then fleetctl nodepool remove %s %s",
		e.Pool, e.Cluster, e.Field, old, e.Field, e.New, e.Cluster, e.Field, e.New, e.Pool, e.Cluster, e.Pool)
}

// AddPool plans a new node pool, added in place to the cluster's values as cluster add writes
// pools. A pool that exists is not changed: asking it for another immutable setting is refused with
// the way out.
func (c *Client) AddPool(cluster string, req PoolRequest) (*change.Plan, error) {
	src, err := c.Fleet.LoadCluster(cluster)
	if err != nil {
		return nil, err
	}
	p := req.Pool
	if d, ok := c.Fleet.DefaultPool(p.Name); ok {
		p = p.MergeDefaults(d)
	}
	if p.Mode == "" {
		p.Mode = "User"
	}
	noop := &change.Plan{Touched: []string{src.Dir}, Clusters: []string{cluster}, Branch: c.branch(fmt.Sprintf("add-pool-%s-%s", cluster, p.Name)),
		NoOp: fmt.Sprintf("node pool %q of %s exists with these settings", p.Name, cluster)}
	if old, ok := src.Cluster.Pool(p.Name); ok {
		return noop, existingPool(cluster, old, p, req.Given)
	}
	scope := fmt.Sprintf("cluster %q", cluster)
	if p.VMSize == "" {
		return nil, fmt.Errorf("%s: node pool %q: --vm-size is required (no pool of that name in .fleetctl.yaml to take it from)", scope, p.Name)
	}
	if p.Count == nil && !p.Autoscaled() {
		return nil, fmt.Errorf("%s: node pool %q: give --count N, or --min A --max B for autoscaling", scope, p.Name)
	}
	if err := p.Validate(scope); err != nil {
		return nil, err
	}
	if err := c.Support.vmSize(fmt.Sprintf("%s: node pool %q", scope, p.Name), p.VMSize); err != nil {
		return nil, err
	}
	if name := cluster + "-" + p.Name; len(name) > spec.MaxClusterNameLen {
		return nil, fmt.Errorf("%s: node pool %q: object name %q is %d characters; CAPI object names <cluster>-<pool> must be at most %d", scope, p.Name, name, len(name), spec.MaxClusterNameLen)
	}
	want := src.Want()
	want.NodePools = append(want.NodePools, p)
	node, err := c.Fleet.PoolNode(src.Cluster, p)
	if err != nil {
		return nil, err
	}
	if err := src.SetNode([]string{"nodePools", p.Name}, node, ""); err != nil {
		return nil, err
	}
	return c.editPlan(edit{
		src: src, want: want,
		message: fmt.Sprintf("Add node pool %s to %s\n\n  %s\n\nMerging this creates the AKS node pool %s (MachinePool %s-%s).\n",
			p.Name, cluster, fleet.DescribePool(p), p.Name, cluster, p.Name),
		branch: fmt.Sprintf("add-pool-%s-%s", cluster, p.Name),
		next:   fmt.Sprintf("merging it creates node pool %s in %s", p.Name, cluster),
	})
}

// existingPool explains why an existing pool is not changed; nil when it already has what was asked.
func existingPool(cluster string, old, asked spec.NodePool, given map[string]bool) error {
	type field struct{ key, old, new string }
	var immutable []field
	check := func(key, oldV, newV string) {
		if given[key] && oldV != newV {
			immutable = append(immutable, field{key, oldV, newV})
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
		return &ImmutableError{Cluster: cluster, Pool: old.Name, Field: f.key, Old: f.old, New: f.new}
	}
	if given["count"] || given["min"] || given["max"] {
		return fmt.Errorf("node pool %q of %s exists; change its size with fleetctl nodepool scale %s %s", old.Name, cluster, cluster, old.Name)
	}
	if given["mode"] && old.Mode != asked.Mode {
		return fmt.Errorf("node pool %q of %s exists with mode %s; fleetctl does not change a pool's mode: add a pool with mode %s instead", old.Name, cluster, old.Mode, asked.Mode)
	}
	return nil
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
	return strconv.Itoa(*p)
}

// RemovePool plans the removal of a node pool from the cluster's values. The last System pool is
// never removed: AKS needs one.
func (c *Client) RemovePool(cluster, pool string) (*change.Plan, error) {
	src, err := c.Fleet.LoadCluster(cluster)
	if err != nil {
		return nil, err
	}
	p, err := src.Pool(pool)
	if err != nil {
		return nil, err
	}
	if p.Mode == "System" && !slices.ContainsFunc(src.Cluster.NodePools, func(o spec.NodePool) bool { return o.Name != pool && o.Mode == "System" }) {
		return nil, fmt.Errorf("node pool %q is the last System pool of %s and AKS needs one: add another System pool first (fleetctl nodepool add %s NEWPOOL --mode System --vm-size ... --count 3), let it become ready, then remove %q",
			pool, cluster, cluster, pool)
	}
	want := src.Want()
	want.NodePools = slices.DeleteFunc(want.NodePools, func(o spec.NodePool) bool { return o.Name == pool })
	if err := src.Delete("nodePools", pool); err != nil {
		return nil, err
	}
	return c.editPlan(edit{
		src: src, want: want,
		message: fmt.Sprintf("Remove node pool %s from %s\n\n  %s\n\nMerging this deletes the AKS node pool %s and its nodes; their pods are rescheduled\non the other pools.\n",
			pool, cluster, fleet.DescribePool(p), pool),
		branch: fmt.Sprintf("remove-pool-%s-%s", cluster, pool),
		next:   fmt.Sprintf("merging it deletes node pool %s of %s and its nodes", pool, cluster),
	})
}
