package rules

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// Changes compares a cluster's values at the base revision with the current ones and reports what
// AKS cannot apply: changes to immutable cluster and node pool fields, a renamed cluster, Kubernetes
// downgrades and skipped minor versions, and losing the last System pool. Each finding says the way
// out. Findings point at head's values file.
//
// An empty field means the chart default. Where that default matters and is not known here (the
// values as written), a change between the default and an explicit value is a warning. A pool's own
// kubernetesVersion is checked against the control plane by ClusterRules. When either side has no values at all (an empty or
// undecodable file), there is nothing to compare.
func Changes(base, head Cluster) []validate.Finding {
	if base.empty() || head.empty() {
		return nil
	}
	var out []validate.Finding
	if b, h := base.Values.Name, head.Values.Name; b != "" && h != "" && b != h {
		out = append(out, head.at(validate.RuleChangeRenamed, "name",
			fmt.Sprintf("the cluster name changes from %q to %q; every object is named after it, so this deletes cluster %q and creates a new one", b, h, b),
			fmt.Sprintf("restore name %q; to rename, add a new cluster with the new name, move the workloads, then remove this one", b)))
	}
	out = append(out, clusterFieldChanges(base, head)...)
	out = append(out, versionChanges(base, head)...)
	out = append(out, poolChanges(base, head)...)
	out = append(out, systemPoolChanges(base, head)...)
	validate.Sort(out)
	return out
}

// immutable compares one immutable field at values path field, named label in the message. Values
// are already normalized; "" means unset.
func immutable(head Cluster, rule, field, label, b, h, fix string) []validate.Finding {
	switch {
	case b == h:
		return nil
	case b == "" || h == "":
		show := func(v string) string {
			if v == "" {
				return "the chart default"
			}
			return strconv.Quote(v)
		}
		return []validate.Finding{head.at(validate.RuleChangeImmutableDefault, field,
			fmt.Sprintf("%s goes from %s to %s; AKS cannot change it in place, so this fails unless the chart default is the same value", label, show(b), show(h)),
			"write the value the cluster was created with explicitly; "+fix)}
	}
	return []validate.Finding{head.at(rule, field,
		fmt.Sprintf("%s changes from %q to %q; AKS cannot change it in place", label, b, h), fix)}
}

func canonicalCIDR(s string) string {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked().String()
	}
	return s
}

func canonicalAddr(s string) string {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.String()
	}
	return s
}

func clusterFieldChanges(base, head Cluster) []validate.Finding {
	const newCluster = "revert it; to change it, add a new cluster with the new value (a new folder), move the workloads, then remove this cluster"
	bn, hn := base.network(), head.network()
	fields := []struct{ field, b, h, fix string }{
		{"location", base.Values.Location, head.Values.Location, newCluster},
		{"resourceGroup", base.Values.ResourceGroup, head.Values.ResourceGroup,
			"revert it: the ASO ResourceGroup object is named after it, so a new name replaces the object, and deleting the old one can delete the Azure group with the cluster in it; to move, add a new cluster, move the workloads, then remove this one"},
		{"dnsPrefix", base.dnsPrefix(), head.dnsPrefix(), newCluster + " (an empty dnsPrefix means the cluster name)"},
		{"network.plugin", bn.Plugin, hn.Plugin, newCluster},
		{"network.policy", bn.Policy, hn.Policy, newCluster},
		{"network.serviceCidr", canonicalCIDR(bn.ServiceCIDR), canonicalCIDR(hn.ServiceCIDR), newCluster},
		{"network.dnsServiceIP", canonicalAddr(bn.DNSServiceIP), canonicalAddr(hn.DNSServiceIP), newCluster},
		{"network.podCidr", canonicalCIDR(bn.PodCIDR), canonicalCIDR(hn.PodCIDR), newCluster},
		{"network.outboundType", bn.OutboundType, hn.OutboundType, newCluster},
	}
	var out []validate.Finding
	for _, f := range fields {
		out = append(out, immutable(head, validate.RuleChangeImmutableCluster, f.field, f.field, f.b, f.h, f.fix)...)
	}
	return out
}

func versionChanges(base, head Cluster) []validate.Finding {
	bs, hs := base.Values.KubernetesVersion, head.Values.KubernetesVersion
	b, okB := spec.ParseVersion(bs)
	h, okH := spec.ParseVersion(hs)
	if !okB || !okH {
		return nil // a malformed version is a ClusterRules finding
	}
	switch {
	case h.Compare(b) < 0:
		return []validate.Finding{head.at(validate.RuleChangeDowngrade, "kubernetesVersion",
			fmt.Sprintf("kubernetesVersion goes down from %s to %s; AKS does not downgrade", bs, hs),
			fmt.Sprintf("restore %s or a later version; an older version needs a new cluster", bs))}
	case h.MinorsBehind(b) < -1:
		next := fmt.Sprintf("v%d.%d", b.Major, b.Minor+1)
		return []validate.Finding{head.at(validate.RuleChangeMinorSkip, "kubernetesVersion",
			fmt.Sprintf("kubernetesVersion goes from %s to %s, skipping minor versions; AKS upgrades one minor version at a time", bs, hs),
			fmt.Sprintf("upgrade to a %s patch release first, let the upgrade finish, then continue one minor version per change", next))}
	}
	return nil
}

func intValue(p *int, zeroIsUnset bool) string {
	if p == nil || (zeroIsUnset && *p == 0) {
		return ""
	}
	return strconv.Itoa(*p)
}

func zonesValue(z []string) string {
	if len(z) == 0 {
		return "none"
	}
	s := slices.Clone(z)
	slices.Sort(s)
	return strings.Join(slices.Compact(s), ",")
}

func osType(s string) string {
	if s == "" {
		return "Linux" // AKS's default, and the chart writes no osType when none is given
	}
	return s
}

func poolChanges(base, head Cluster) []validate.Finding {
	var out []validate.Finding
	for _, name := range sortedPools(base.Values.NodePools) {
		h, ok := head.Values.NodePools[name]
		if !ok {
			continue
		}
		b := base.Values.NodePools[name]
		fix := fmt.Sprintf("revert it; to change it, add a new pool with the new value, move the workloads to it (cordon and drain the nodes of %q), then remove pool %q", name, name)
		fields := []struct{ field, b, h string }{
			{"vmSize", b.VMSize, h.VMSize},
			{"osType", osType(b.OSType), osType(h.OSType)},
			{"zones", zonesValue(b.Zones), zonesValue(h.Zones)},
			{"maxPods", intValue(b.MaxPods, false), intValue(h.MaxPods, false)},
			{"osDiskType", b.OSDiskType, h.OSDiskType},
			{"osDiskSizeGB", intValue(b.OSDiskSizeGB, true), intValue(h.OSDiskSizeGB, true)},
		}
		for _, f := range fields {
			for _, fd := range immutable(head, validate.RuleChangeImmutablePool, poolPath(name, f.field), f.field, f.b, f.h, fix) {
				fd.Message = fmt.Sprintf("node pool %q: %s", name, fd.Message)
				out = append(out, fd)
			}
		}
	}
	return out
}

func systemPools(v spec.Values) []string {
	var out []string
	for _, name := range sortedPools(v.NodePools) {
		if v.NodePools[name].Mode == "System" {
			out = append(out, name)
		}
	}
	return out
}

func systemPoolChanges(base, head Cluster) []validate.Finding {
	baseSys := systemPools(base.Values)
	if len(baseSys) == 0 {
		return nil
	}
	for _, name := range baseSys {
		if head.Values.NodePools[name].Mode == "System" {
			return nil // an existing System pool stays
		}
	}
	headSys := systemPools(head.Values)
	var out []validate.Finding
	if len(headSys) > 0 {
		return []validate.Finding{head.at(validate.RuleChangeSystemReplaced, poolPath(headSys[0], "mode"),
			fmt.Sprintf("every System pool (%s) is removed or turned into User while %s become System in the same change; the old pool may go before the new one is ready, and AKS refuses to remove the last System pool",
				strings.Join(baseSys, ", "), strings.Join(headSys, ", ")),
			fmt.Sprintf("split the change: add System pool %s first and let it become ready, then remove or convert %s in a later change", headSys[0], strings.Join(baseSys, ", ")))}
	}
	for _, name := range baseSys {
		if p, ok := head.Values.NodePools[name]; ok {
			out = append(out, head.at(validate.RuleChangeLastSystemToUser, poolPath(name, "mode"),
				fmt.Sprintf("node pool %q is turned from System into mode %q and no System pool is left; AKS needs one", name, p.Mode),
				"keep mode System; to move system pods, add another System pool first, let it become ready, then change this one in a later change"))
			continue
		}
		out = append(out, head.at(validate.RuleChangeLastSystemGone, poolPath(name, ""),
			fmt.Sprintf("System pool %q is removed and no System pool is left; AKS refuses to remove the last one", name),
			"keep the pool; to replace it, add another System pool first, let it become ready, then remove this one in a later change"))
	}
	return out
}
