package fleetplan

import (
	"errors"
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/chart"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/validate"
	"github.com/fleetctl/fleetctl/pkg/validate/rules"
)

// clusterSide is one cluster on one side: applied when its folder exists and the list names it.
type clusterSide struct {
	src     *fleet.ClusterSource
	applied bool
	objects []chart.Object
	err     error // the folder does not read or the chart does not render
}

func readCluster(name string, s *side) clusterSide {
	var cs clusterSide
	src, err := s.f.LoadCluster(name)
	if err != nil {
		var nf *fleet.NotFoundError
		if !errors.As(err, &nf) {
			cs.err = err
		}
		return cs
	}
	cs.src = src
	cs.applied = s.listed[name]
	if !cs.applied {
		return cs
	}
	ch, err := s.loadChart()
	if err != nil {
		cs.err = err
		return cs
	}
	cs.objects, cs.err = ch.Render(src.Effective(), name, s.f.Config.Defaults.Namespace)
	return cs
}

// planCluster compares one cluster on both sides.
func planCluster(name string, base, head *side) (*Cluster, error) {
	b, h := readCluster(name, base), readCluster(name, head)
	c := &Cluster{Name: name, Changes: []Change{}, Objects: []ObjectChange{}}
	model := func(cs clusterSide) spec.Cluster { return cs.src.Cluster }
	switch {
	case h.applied:
		c.ResourceGroup, c.Location = model(h).ResourceGroup, model(h).Location
	case b.applied:
		c.ResourceGroup, c.Location = model(b).ResourceGroup, model(b).Location
	}
	if h.applied && h.err != nil {
		return nil, fmt.Errorf("cluster %s: %w (fleetctl validate says more)", name, h.err)
	}
	if b.applied && b.err != nil {
		return nil, fmt.Errorf("cluster %s at the base: %w", name, b.err)
	}
	switch {
	case !b.applied && h.applied:
		c.add(Change{Action: Create, Subject: "cluster", Description: describeNew(model(h))})
	case b.applied && !h.applied:
		why := "its folder is removed"
		if h.src != nil {
			why = "it is no longer listed in " + head.f.ClustersKustomization() + ", so Flux prunes it"
		}
		rg := model(b).ResourceGroup
		c.add(Change{Action: Destroy, Subject: "cluster",
			Description: fmt.Sprintf("AKS cluster %s is DELETED with its resource group %s and everything in it", name, rg),
			Reason:      why})
	case b.applied && h.applied:
		diffCluster(c, b, h)
	default:
		return nil, nil // applied on neither side
	}
	c.Objects = diffObjects(b.objects, h.objects)
	// The folder's own objects as Flux applies them (the HelmRelease, for one): the generated
	// values ConfigMap is left out, its content is what the rendered objects above show.
	folder := diffObjectSets(folderObjects(name, base, b), folderObjects(name, head, h))
	c.Objects = append(c.Objects, folder...)
	if len(c.Changes) == 0 && len(c.Objects) > 0 {
		c.add(Change{Action: Update, Subject: "objects", Description: plural(len(c.Objects), "object changes", "objects change") + " in place (see the objects)"})
	}
	return c, nil
}

func (c *Cluster) add(ch Change) {
	c.Changes = append(c.Changes, ch)
	c.Action = Worse(c.Action, ch.Action)
}

func describeNew(m spec.Cluster) string {
	var pools []string
	for _, p := range m.NodePools {
		pools = append(pools, fmt.Sprintf("%s (%s, %s)", p.Name, or(p.Mode, "User"), poolSize(p)))
	}
	return fmt.Sprintf("AKS cluster %s is created in resource group %s (%s), Kubernetes %s, tier %s; node pools: %s",
		m.Name, m.ResourceGroup, m.Location, m.KubernetesVersion, or(m.SKUTier, "Free"), strings.Join(pools, ", "))
}

func poolSize(p spec.NodePool) string {
	vm := or(p.VMSize, "default size")
	if p.Autoscaled() {
		return fmt.Sprintf("autoscale %s × %s", bounds(p), vm)
	}
	return fmt.Sprintf("%s × %s", intOr(p.Count, "?"), vm)
}

func bounds(p spec.NodePool) string { return intOr(p.Min, "?") + "–" + intOr(p.Max, "?") }

func intOr(p *int, def string) string {
	if p == nil {
		return def
	}
	return strconv.Itoa(*p)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// diffCluster classes the changes of a cluster applied on both sides. What AKS cannot do in place
// comes from the same rules validate uses (rules.Changes); what it can is read from the values.
func diffCluster(c *Cluster, b, h clusterSide) {
	bm, hm := b.src.Cluster, h.src.Cluster
	explained := map[string]bool{} // values paths a replace already covers
	for _, fd := range rules.Changes(rules.Cluster{Name: c.Name, Values: b.src.Values}, rules.Cluster{Name: c.Name, Values: h.src.Values}) {
		subject := "cluster"
		if pool, _, ok := strings.Cut(strings.TrimPrefix(fd.Field, "nodePools."), "."); ok && strings.HasPrefix(fd.Field, "nodePools.") {
			subject = "node pool " + pool
		}
		explained[fd.Field] = true
		action := Replace
		desc := fd.Message
		switch fd.Rule {
		case validate.RuleChangeRenamed:
			desc = "the cluster is renamed: the old cluster is deleted and a new one created"
		case validate.RuleChangeImmutablePool:
			desc = strings.TrimPrefix(desc, fmt.Sprintf("node pool %q: ", strings.TrimPrefix(subject, "node pool ")))
		}
		c.add(Change{Action: action, Subject: subject, Description: desc, Reason: fd.Fix})
	}

	// Kubernetes version: the control plane first, then every pool that follows it.
	bv, okB := spec.ParseVersion(bm.KubernetesVersion)
	hv, okH := spec.ParseVersion(hm.KubernetesVersion)
	if okB && okH && hv.Compare(bv) > 0 && !explained["kubernetesVersion"] {
		var rolls []string
		for _, p := range hm.NodePools {
			old, existed := pool(bm, p.Name)
			if !existed || p.KubernetesVersion != "" {
				continue // a new pool starts at the version; a lagging pool keeps its own
			}
			if old.KubernetesVersion != "" && old.KubernetesVersion == hm.KubernetesVersion {
				continue // the pool was already at the new version
			}
			rolls = append(rolls, fmt.Sprintf("%s (%s)", p.Name, surge(p, h.objects)))
		}
		desc := fmt.Sprintf("Kubernetes upgrade %s → %s: the control plane first", bm.KubernetesVersion, hm.KubernetesVersion)
		if len(rolls) > 0 {
			joined := strings.Join(rolls, ", ")
			desc += ", then node pools " + strings.ReplaceAll(joined, defaultSurge, "") + ", one pool after the other, nodes replaced batch by batch"
			if strings.Contains(joined, defaultSurge) {
				desc += "; where a pool sets no maxSurge, AKS's default of one surge node applies"
			}
		} else {
			desc += "; no node pool follows it in this change"
		}
		c.add(Change{Action: Rolling, Subject: "control plane", Description: desc})
	}

	if b, h := or(bm.SKUTier, "Free"), or(hm.SKUTier, "Free"); b != h {
		c.add(Change{Action: Update, Subject: "cluster", Description: fmt.Sprintf("tier %s → %s", b, h)})
	}

	// Node pools.
	for _, p := range bm.NodePools {
		if _, ok := pool(hm, p.Name); !ok {
			c.add(Change{Action: Destroy, Subject: "node pool " + p.Name,
				Description: fmt.Sprintf("node pool %s is removed: its nodes (%s) are drained and deleted", p.Name, poolSize(p))})
		}
	}
	for _, p := range hm.NodePools {
		old, ok := pool(bm, p.Name)
		subject := "node pool " + p.Name
		if !ok {
			c.add(Change{Action: Create, Subject: subject, Description: fmt.Sprintf("node pool %s is added: %s, %s", p.Name, or(p.Mode, "User"), poolSize(p))})
			continue
		}
		switch {
		case old.Autoscaled() && p.Autoscaled():
			if bounds(old) != bounds(p) {
				c.add(Change{Action: Update, Subject: subject, Description: fmt.Sprintf("autoscale %s → %s", bounds(old), bounds(p))})
			}
		case old.Autoscaled():
			c.add(Change{Action: Update, Subject: subject, Description: fmt.Sprintf("autoscale %s → fixed count %s", bounds(old), intOr(p.Count, "?"))})
		case p.Autoscaled():
			c.add(Change{Action: Update, Subject: subject, Description: fmt.Sprintf("fixed count %s → autoscale %s", intOr(old.Count, "?"), bounds(p))})
		case intOr(old.Count, "?") != intOr(p.Count, "?"):
			c.add(Change{Action: Update, Subject: subject, Description: fmt.Sprintf("scaled %s → %s", intOr(old.Count, "?"), intOr(p.Count, "?"))})
		}
		if or(old.Mode, "User") != or(p.Mode, "User") && !explained[path.Join("nodePools", p.Name, "mode")] {
			c.add(Change{Action: Update, Subject: subject, Description: fmt.Sprintf("mode %s → %s", or(old.Mode, "User"), or(p.Mode, "User"))})
		}
		// A pool's own version (a pool upgraded after the control plane).
		ov, nv := or(old.KubernetesVersion, bm.KubernetesVersion), or(p.KubernetesVersion, hm.KubernetesVersion)
		if ov != nv && p.KubernetesVersion != "" {
			c.add(Change{Action: Rolling, Subject: subject, Description: fmt.Sprintf("Kubernetes %s → %s, nodes replaced batch by batch (%s)", ov, nv, surgeText(p, h.objects))})
		} else if ov != nv && old.KubernetesVersion != "" && p.KubernetesVersion == "" && bm.KubernetesVersion == hm.KubernetesVersion {
			c.add(Change{Action: Rolling, Subject: subject, Description: fmt.Sprintf("Kubernetes %s → %s (catches up with the control plane), nodes replaced batch by batch (%s)", ov, nv, surgeText(p, h.objects))})
		}
	}
}

func pool(c spec.Cluster, name string) (spec.NodePool, bool) {
	for _, p := range c.NodePools {
		if p.Name == name {
			return p, true
		}
	}
	return spec.NodePool{}, false
}

// defaultSurge marks a pool without maxSurge; the description explains it once.
const defaultSurge = "*"

// surge says how many extra nodes rolling a pool adds: the agent pool's upgradeSettings.maxSurge as
// rendered, else AKS's default of one node.
func surge(p spec.NodePool, objs []chart.Object) string {
	max := ""
	for _, o := range objs {
		if o.Kind != "AzureASOManagedMachinePool" {
			continue
		}
		for _, r := range nestedSlice(o.Object, "spec", "resources") {
			rm, _ := r.(map[string]any)
			if rm["kind"] != "ManagedClustersAgentPool" || nestedString(rm, "spec", "azureName") != p.Name {
				continue
			}
			switch v := nested(rm, "spec", "upgradeSettings", "maxSurge").(type) {
			case string:
				max = v
			case float64, int64, int:
				max = fmt.Sprint(v)
			}
		}
	}
	nodes := "autoscaled " + bounds(p)
	count := 0
	if p.Count != nil && !p.Autoscaled() {
		count = *p.Count
		nodes = plural(count, "node", "nodes")
	}
	switch {
	case max == "":
		return nodes + ", +1 surge node at a time" + defaultSurge
	case strings.HasSuffix(max, "%"):
		pct, err := strconv.ParseFloat(strings.TrimSuffix(max, "%"), 64)
		if err == nil && count > 0 {
			n := int(math.Max(1, math.Ceil(float64(count)*pct/100)))
			return fmt.Sprintf("%s, +%s at a time (maxSurge %s)", nodes, plural(n, "surge node", "surge nodes"), max)
		}
		return fmt.Sprintf("%s, maxSurge %s of the pool", nodes, max)
	default:
		return fmt.Sprintf("%s, +%s surge nodes at a time (maxSurge %s)", nodes, max, max)
	}
}

// surgeText is surge with the default spelled out.
func surgeText(p spec.NodePool, objs []chart.Object) string {
	return strings.ReplaceAll(surge(p, objs), defaultSurge, ", AKS's default as no maxSurge is set")
}

func nested(obj map[string]any, keys ...string) any {
	var cur any = obj
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func nestedString(obj map[string]any, keys ...string) string {
	s, _ := nested(obj, keys...).(string)
	return s
}

func nestedSlice(obj map[string]any, keys ...string) []any {
	s, _ := nested(obj, keys...).([]any)
	return s
}

// folderObjects builds a cluster's folder as Flux applies it, when the cluster is applied on that
// side; the hash-suffixed values ConfigMap is dropped.
func folderObjects(name string, s *side, cs clusterSide) []object {
	if !cs.applied {
		return nil
	}
	objs, _, err := buildDir(s.f.FS, s.f.ClusterDir(name))
	if err != nil {
		return nil // the chart above is the plan; validate reports a folder that does not build
	}
	out := objs[:0]
	for _, o := range objs {
		values := fleet.ValuesConfigMapName(name)
		if o.kind == "ConfigMap" && strings.HasPrefix(o.name, values) {
			continue
		}
		// A reference to it carries its content hash, which changes with every value: the
		// values' effect is in the rendered objects, so the reference is compared without it.
		for _, v := range nestedSlice(o.body, "spec", "valuesFrom") {
			if m, ok := v.(map[string]any); ok {
				if n, _ := m["name"].(string); strings.HasPrefix(n, values+"-") {
					m["name"] = values
				}
			}
		}
		out = append(out, o)
	}
	return out
}
