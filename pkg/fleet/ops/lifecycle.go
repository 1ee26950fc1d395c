package ops

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/yamledit"
)

// ClusterSettings are the day-2 lifecycle settings of a cluster that `cluster set` changes; nil
// fields stay as they are. In Windows a nil window removes that window.
type ClusterSettings struct {
	AutoUpgradeChannel, NodeOSUpgradeChannel, SupportPlan, SKUTier *string
	Windows                                                        map[string]*spec.MaintenanceWindow
}

// SetCluster plans a change of a cluster's lifecycle settings, edited in place in the file that
// defines each value. The rules apply to the result: no version auto-upgrade channel, LTS only on
// the Premium tier, maintenance windows AKS accepts.
func (c *Client) SetCluster(cluster string, s ClusterSettings) (*change.Plan, error) {
	src, err := c.Fleet.LoadCluster(cluster)
	if err != nil {
		return nil, err
	}
	old := src.Cluster
	want := src.Want()
	want.MaintenanceWindows = maps.Clone(old.MaintenanceWindows)
	type scalar struct {
		key string
		v   *string
		dst *string
	}
	scalars := []scalar{
		{"skuTier", s.SKUTier, &want.SKUTier},
		{"autoUpgradeChannel", s.AutoUpgradeChannel, &want.AutoUpgradeChannel},
		{"nodeOSUpgradeChannel", s.NodeOSUpgradeChannel, &want.NodeOSUpgradeChannel},
		{"supportPlan", s.SupportPlan, &want.SupportPlan},
	}
	for _, sc := range scalars {
		if sc.v != nil {
			*sc.dst = *sc.v
		}
	}
	for name, w := range s.Windows {
		if w == nil {
			delete(want.MaintenanceWindows, name)
			continue
		}
		if want.MaintenanceWindows == nil {
			want.MaintenanceWindows = map[string]spec.MaintenanceWindow{}
		}
		want.MaintenanceWindows[name] = *w
	}
	if err := want.ValidateLifecycle(fmt.Sprintf("cluster %q", cluster)); err != nil {
		return nil, err
	}
	for _, sc := range scalars {
		if sc.v == nil {
			continue
		}
		after, err := lifecycleAfter(src, sc.key)
		if err != nil {
			return nil, err
		}
		if err := setString(src, []string{sc.key}, *sc.v, after); err != nil {
			return nil, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Windows)) {
		if err := setWindow(src, name, s.Windows[name]); err != nil {
			return nil, err
		}
	}
	return c.editPlan(edit{
		src: src, want: want,
		noOp:    fmt.Sprintf("%s already has these settings", cluster),
		message: setClusterMessage(old, want),
		branch:  "set-" + cluster,
		next:    "merging it changes the lifecycle settings of the AKS cluster " + cluster,
	})
}

// lifecycleOrder is where the cluster's lifecycle keys go in a values file that lacks them: in this
// order, after kubernetesVersion.
var lifecycleOrder = []string{"kubernetesVersion", "skuTier", "autoUpgradeChannel", "nodeOSUpgradeChannel", "supportPlan", "maintenanceWindows"}

// lifecycleAfter is the key a new lifecycle key is added after: the last one before it in
// lifecycleOrder that the values set.
func lifecycleAfter(src *fleet.ClusterSource, key string) (string, error) {
	i := slices.Index(lifecycleOrder, key)
	for j := i - 1; j >= 0; j-- {
		has, err := src.Has(lifecycleOrder[j])
		if err != nil {
			return "", err
		}
		if has {
			return lifecycleOrder[j], nil
		}
	}
	return "", nil
}

// setString sets a string at values path p: in place when a file sets it, else added after the
// sibling key after; an empty value removes the key.
func setString(src *fleet.ClusterSource, p []string, v, after string) error {
	if v == "" {
		return src.Delete(p...)
	}
	has, err := src.Has(p...)
	if err != nil {
		return err
	}
	if has {
		return src.SetScalar(p, v, yamledit.Str)
	}
	return src.SetNode(p, strNode(v), after)
}

// setWindow sets (or with w nil removes) maintenanceWindows.<name>.
func setWindow(src *fleet.ClusterSource, name string, w *spec.MaintenanceWindow) error {
	parent := []string{"maintenanceWindows"}
	if w == nil {
		if err := src.Delete("maintenanceWindows", name); err != nil {
			return err
		}
		if len(src.Cluster.MaintenanceWindows) == 0 {
			return src.Delete(parent...)
		}
		return nil
	}
	at := []string{"maintenanceWindows", name}
	if old, ok := src.Cluster.MaintenanceWindows[name]; ok {
		return editWindow(src, at, old, *w)
	}
	node := windowNode(*w)
	has, err := src.Has(parent...)
	if err != nil {
		return err
	}
	if !has {
		after, err := lifecycleAfter(src, parent[0])
		if err != nil {
			return err
		}
		return src.SetNode(parent, mapNode(strNode(name), node), after)
	}
	return src.SetNode(at, node, "")
}

// editWindow changes an existing window field by field, so comments on its lines stay.
func editWindow(src *fleet.ClusterSource, at []string, old, w spec.MaintenanceWindow) error {
	field := func(k string) []string { return append(slices.Clone(at), k) }
	if w.DayOfWeek != old.DayOfWeek {
		if err := src.SetScalar(field("dayOfWeek"), w.DayOfWeek, yamledit.Str); err != nil {
			return err
		}
	}
	if w.StartTime != old.StartTime {
		if err := src.SetScalar(field("startTime"), w.StartTime, yamledit.Str); err != nil {
			return err
		}
	}
	if w.DurationHours != old.DurationHours {
		if err := src.SetScalar(field("durationHours"), strconv.Itoa(w.DurationHours), yamledit.Int); err != nil {
			return err
		}
	}
	switch {
	case w.UTCOffset == old.UTCOffset:
	case w.UTCOffset == "":
		return src.Delete(field("utcOffset")...)
	case old.UTCOffset == "":
		return src.SetNode(field("utcOffset"), quotedNode(w.UTCOffset), "durationHours")
	default:
		return src.SetScalar(field("utcOffset"), w.UTCOffset, yamledit.Str)
	}
	return nil
}

func strNode(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

// quotedNode is a string written in double quotes: times such as 22:00 read as numbers in YAML 1.1.
func quotedNode(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Style: yaml.DoubleQuotedStyle}
}

func mapNode(kv ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: kv}
}

func windowNode(w spec.MaintenanceWindow) *yaml.Node {
	n := mapNode(
		strNode("dayOfWeek"), strNode(w.DayOfWeek),
		strNode("startTime"), quotedNode(w.StartTime),
		strNode("durationHours"), intNode(w.DurationHours))
	if w.UTCOffset != "" {
		n.Content = append(n.Content, strNode("utcOffset"), quotedNode(w.UTCOffset))
	}
	return n
}

// setClusterMessage is the commit message of cluster set: each setting before and after.
func setClusterMessage(old, new spec.Cluster) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Set lifecycle settings of %s\n\n", new.Name)
	row := func(what, from, to string) {
		if from == to {
			return
		}
		fmt.Fprintf(&b, "  %-33s %s -> %s\n", what+":", orDefault(from, "unset"), orDefault(to, "unset"))
	}
	row("sku tier", old.SKUTier, new.SKUTier)
	row("auto-upgrade channel", old.AutoUpgradeChannel, new.AutoUpgradeChannel)
	row("node OS upgrade channel", old.NodeOSUpgradeChannel, new.NodeOSUpgradeChannel)
	row("support plan", old.SupportPlan, new.SupportPlan)
	for _, kind := range spec.WindowKindNames {
		name := spec.WindowKinds[kind]
		ow, ok1 := old.MaintenanceWindows[name]
		nw, ok2 := new.MaintenanceWindows[name]
		from, to := "", ""
		if ok1 {
			from = ow.String()
		}
		if ok2 {
			to = nw.String()
		}
		row("maintenance window "+kind, from, to)
	}
	b.WriteString("\nMerging this makes CAPZ update the AKS cluster's settings in place; no node is replaced.\n")
	return b.String()
}

// PoolSettings are the day-2 lifecycle settings of a node pool that `nodepool set` changes: nil
// MaxSurge stays (an empty one removes it); Labels set labels, RemoveLabels remove them by key;
// Taints add taints, RemoveTaints remove them (a key:Effect or key=value:Effect taint exactly, a bare
// key every taint with that key).
type PoolSettings struct {
	MaxSurge     *string
	Labels       map[string]string
	RemoveLabels []string
	Taints       []string
	RemoveTaints []string
}

// SetPool plans a change of a node pool's surge, labels and taints, edited in place.
func (c *Client) SetPool(cluster, pool string, s PoolSettings) (*change.Plan, error) {
	src, err := c.Fleet.LoadCluster(cluster)
	if err != nil {
		return nil, err
	}
	old, err := src.Pool(pool)
	if err != nil {
		return nil, err
	}
	p := old
	if s.MaxSurge != nil {
		p.MaxSurge = *s.MaxSurge
	}
	p.Labels = maps.Clone(old.Labels)
	for _, k := range s.RemoveLabels {
		if _, ok := p.Labels[k]; !ok {
			return nil, fmt.Errorf("cluster %q: node pool %q: label %q: is not set, so it cannot be removed (labels: %s)", cluster, pool, k, labelList(old.Labels))
		}
		delete(p.Labels, k)
	}
	for k, v := range s.Labels {
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels[k] = v
	}
	p.Taints = slices.Clone(old.Taints)
	for _, t := range s.RemoveTaints {
		n := len(p.Taints)
		p.Taints = slices.DeleteFunc(p.Taints, func(have string) bool { return taintMatches(have, t) })
		if len(p.Taints) == n {
			return nil, fmt.Errorf("cluster %q: node pool %q: taint %q: no such taint, so it cannot be removed (taints: %s)", cluster, pool, t, orDefault(strings.Join(old.Taints, ", "), "none"))
		}
	}
	for _, t := range s.Taints {
		if !slices.Contains(p.Taints, t) {
			p.Taints = append(p.Taints, t)
		}
	}
	if len(p.Labels) == 0 {
		p.Labels = nil
	}
	if len(p.Taints) == 0 {
		p.Taints = nil
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
	if s.MaxSurge != nil && p.MaxSurge != old.MaxSurge {
		if err := setString(src, at("maxSurge"), p.MaxSurge, ""); err != nil {
			return nil, err
		}
	}
	if !maps.Equal(p.Labels, old.Labels) {
		if err := setLabels(src, at("nodeLabels"), old.Labels, p.Labels); err != nil {
			return nil, err
		}
	}
	if !slices.Equal(p.Taints, old.Taints) {
		if len(p.Taints) == 0 {
			err = src.Delete(at("nodeTaints")...)
		} else {
			seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for _, t := range p.Taints {
				seq.Content = append(seq.Content, strNode(t))
			}
			err = src.SetNode(at("nodeTaints"), seq, "")
		}
		if err != nil {
			return nil, err
		}
	}
	return c.editPlan(edit{
		src: src, want: want,
		noOp:    fmt.Sprintf("node pool %q of %s already has these settings", pool, cluster),
		message: setPoolMessage(cluster, old, p),
		branch:  fmt.Sprintf("set-pool-%s-%s", cluster, pool),
		next:    fmt.Sprintf("merging it changes node pool %s of %s in place", pool, cluster),
	})
}

// setLabels edits the nodeLabels mapping at p from old to labels, key by key, so comments on the
// other labels stay.
func setLabels(src *fleet.ClusterSource, p []string, old, labels map[string]string) error {
	if len(labels) == 0 {
		return src.Delete(p...)
	}
	if len(old) == 0 {
		n := mapNode()
		for _, k := range slices.Sorted(maps.Keys(labels)) {
			n.Content = append(n.Content, strNode(k), strNode(labels[k]))
		}
		return src.SetNode(p, n, "")
	}
	for _, k := range slices.Sorted(maps.Keys(old)) {
		if _, ok := labels[k]; !ok {
			if err := src.Delete(append(slices.Clone(p), k)...); err != nil {
				return err
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		at := append(slices.Clone(p), k)
		switch v, had := old[k]; {
		case !had:
			if err := src.SetNode(at, strNode(labels[k]), ""); err != nil {
				return err
			}
		case v != labels[k]:
			if err := src.SetScalar(at, labels[k], yamledit.Str); err != nil {
				return err
			}
		}
	}
	return nil
}

// taintMatches reports whether taint have is what remove names: the taint itself, its key and
// effect (key:Effect), or its key alone.
func taintMatches(have, remove string) bool {
	if have == remove {
		return true
	}
	kv, effect, _ := strings.Cut(have, ":")
	key, _, _ := strings.Cut(kv, "=")
	return remove == key || remove == key+":"+effect
}

func labelList(l map[string]string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(slices.Sorted(maps.Keys(l)), ", ")
}

// setPoolMessage is the commit message of nodepool set.
func setPoolMessage(cluster string, old, p spec.NodePool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Set lifecycle settings of node pool %s of %s\n\n", p.Name, cluster)
	row := func(what, from, to string) {
		if from != to {
			fmt.Fprintf(&b, "  %-10s %s -> %s\n", what+":", orDefault(from, "unset"), orDefault(to, "unset"))
		}
	}
	row("max surge", old.MaxSurge, p.MaxSurge)
	row("labels", labelsString(old.Labels), labelsString(p.Labels))
	row("taints", strings.Join(old.Taints, ","), strings.Join(p.Taints, ","))
	b.WriteString("\nMerging this makes CAPZ update the AKS node pool in place: AKS applies labels and taints\nto the existing nodes, and the surge to the next upgrade.\n")
	return b.String()
}

func labelsString(l map[string]string) string {
	parts := make([]string, 0, len(l))
	for _, k := range slices.Sorted(maps.Keys(l)) {
		parts = append(parts, k+"="+l[k])
	}
	return strings.Join(parts, ",")
}
