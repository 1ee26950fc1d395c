package rules

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// ClusterRules checks the rules inside one cluster that values.schema.json cannot express, or
// expresses only in part: at least one System pool, node count ranges per pool mode, no count on an
// autoscaled pool, autoscale min <= max, the service CIDR's form and size, dnsServiceIP inside the
// service CIDR and not one of its first two addresses, the pod CIDR apart from the service CIDR,
// Windows pools only with Azure CNI, object names "<cluster>-<pool>" within 63 characters, and a
// well-formed Kubernetes version with pools at most two minors behind it and never ahead, no
// auto-upgrade channel that moves the version, and LTS only on the Premium tier. Values the schema rejects for their form (an unparsable CIDR, an
// unknown mode) are left to the schema. A cluster without any values (an empty or undecodable file)
// has nothing to check. Findings are sorted.
func ClusterRules(c Cluster) []validate.Finding {
	if c.empty() {
		return nil
	}
	var out []validate.Finding
	out = append(out, poolRules(c)...)
	out = append(out, networkRules(c)...)
	out = append(out, poolVersionRules(c)...)
	out = append(out, lifecycleRules(c)...)
	if v := c.Values.KubernetesVersion; v != "" {
		if _, ok := spec.ParseVersion(v); !ok {
			out = append(out, c.at(validate.RuleKubernetesVersion, "kubernetesVersion",
				fmt.Sprintf("kubernetesVersion %q is not a Kubernetes version of the form v<major>.<minor>.<patch>", v),
				"write it as v<major>.<minor>.<patch> without leading zeros, e.g. v1.37.2"))
		}
	}
	validate.Sort(out)
	return out
}

func sortedPools(pools map[string]spec.PoolValue) []string {
	names := make([]string, 0, len(pools))
	for n := range pools {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func poolRules(c Cluster) []validate.Finding {
	var out []validate.Finding
	pools := c.Values.NodePools
	names := sortedPools(pools)
	cluster := c.clusterName()
	for _, name := range names {
		p := pools[name]
		if a := p.Autoscale; a != nil {
			if a.Min != nil && a.Max != nil && *a.Min > *a.Max {
				out = append(out, c.at(validate.RuleAutoscaleMinAboveMax, poolPath(name, "autoscale.min"),
					fmt.Sprintf("node pool %q: autoscale.min %d is greater than autoscale.max %d", name, *a.Min, *a.Max),
					"lower autoscale.min or raise autoscale.max so that min <= max"))
			}
		}
		if cluster != "" && len(cluster)+1+len(name) > spec.MaxClusterNameLen {
			obj := cluster + "-" + name
			f := c.at(validate.RulePoolObjectNameLength, poolPath(name, ""),
				fmt.Sprintf("node pool %q: the object name %q has %d characters, more than %d", name, obj, len(obj), spec.MaxClusterNameLen),
				fmt.Sprintf("shorten the pool name or the cluster name so that <cluster>-<pool> has at most %d characters", spec.MaxClusterNameLen))
			f.Object = "MachinePool " + obj
			out = append(out, f)
		}
	}
	if plugin := c.network().Plugin; plugin != "" && plugin != "azure" {
		for _, name := range names {
			if pools[name].OSType != "Windows" {
				continue
			}
			out = append(out, c.at(validate.RuleWindowsNeedsAzureCNI, poolPath(name, "osType"),
				fmt.Sprintf("node pool %q runs Windows but network.plugin is %q; AKS supports Windows pools with Azure CNI (plugin azure)", name, plugin),
				"use network.plugin azure for a cluster with Windows pools (the plugin is immutable: decide before creating the cluster), or make the pool Linux"))
		}
	}
	return out
}

// parseCIDR parses an IPv4 CIDR as the schema accepts it; ok is false when it does not parse (the
// schema reports that). canonical is false when host bits are set; p is then the masked network.
func parseCIDR(s string) (p netip.Prefix, canonical, ok bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, false, false
	}
	return p.Masked(), p.Masked() == p, true
}

// reservedFix is the fix of an aks/reserved-cidr finding: the ranges to stay out of, and example.
func reservedFix(example string) string {
	ranges := make([]string, len(spec.ReservedCIDRs))
	for i, r := range spec.ReservedCIDRs {
		ranges[i] = r.String()
	}
	last := len(ranges) - 1
	return fmt.Sprintf("choose a private range outside %s and %s, e.g. %s (immutable: decide before creating the cluster)",
		strings.Join(ranges[:last], ", "), ranges[last], example)
}

func networkRules(c Cluster) []validate.Finding {
	var out []validate.Finding
	n := c.network()
	svc, svcCanonical, svcOK := parseCIDR(n.ServiceCIDR)
	if svcOK {
		if !svcCanonical {
			out = append(out, c.at(validate.RuleCIDRHostBits, "network.serviceCidr",
				fmt.Sprintf("network.serviceCidr %q has host bits set; its network is %s", n.ServiceCIDR, svc),
				fmt.Sprintf("write %s", svc)))
		}
		if r, ok := spec.ReservedOverlap(svc); ok {
			out = append(out, c.at(validate.RuleReservedCIDR, "network.serviceCidr",
				fmt.Sprintf("network.serviceCidr %s overlaps %s, which AKS reserves; AKS refuses the cluster", svc, r),
				reservedFix("10.0.0.0/16")))
		}
		if b := svc.Bits(); b < 12 || b > 28 {
			out = append(out, c.at(validate.RuleServiceCIDRSize, "network.serviceCidr",
				fmt.Sprintf("network.serviceCidr %q is a /%d; AKS takes a service CIDR from /12 to /28", n.ServiceCIDR, b),
				"choose a service CIDR between /12 and /28, e.g. 10.0.0.0/16"))
		}
	}
	switch {
	case n.ServiceCIDR != "" && n.DNSServiceIP == "":
		out = append(out, c.at(validate.RuleServiceDNSPair, "network.serviceCidr",
			fmt.Sprintf("network.serviceCidr %q is set without network.dnsServiceIP; the chart's default DNS service IP belongs to its default service CIDR", n.ServiceCIDR),
			"set network.dnsServiceIP to an address inside network.serviceCidr, e.g. its tenth address"))
	case n.ServiceCIDR == "" && n.DNSServiceIP != "":
		out = append(out, c.at(validate.RuleServiceDNSPair, "network.dnsServiceIP",
			fmt.Sprintf("network.dnsServiceIP %q is set without network.serviceCidr; it must lie inside the chart's default service CIDR", n.DNSServiceIP),
			"set network.serviceCidr too, so that the two are checked together"))
	}
	if dns, err := netip.ParseAddr(n.DNSServiceIP); err == nil && dns.Is4() && svcOK {
		switch {
		case !svc.Contains(dns):
			out = append(out, c.at(validate.RuleDNSServiceIPOutside, "network.dnsServiceIP",
				fmt.Sprintf("network.dnsServiceIP %s is outside network.serviceCidr %s", dns, svc),
				"pick an address inside network.serviceCidr (its tenth address is customary), or change both together"))
		case dns == svc.Addr() || dns == svc.Addr().Next():
			out = append(out, c.at(validate.RuleDNSServiceIPReserved, "network.dnsServiceIP",
				fmt.Sprintf("network.dnsServiceIP %s is one of the first two addresses of %s, which AKS reserves", dns, svc),
				"pick another address inside network.serviceCidr, e.g. its tenth address"))
		}
	}
	if pod, podCanonical, ok := parseCIDR(n.PodCIDR); ok {
		if !podCanonical {
			out = append(out, c.at(validate.RuleCIDRHostBits, "network.podCidr",
				fmt.Sprintf("network.podCidr %q has host bits set; its network is %s", n.PodCIDR, pod),
				fmt.Sprintf("write %s", pod)))
		}
		if r, ok := spec.ReservedOverlap(pod); ok {
			out = append(out, c.at(validate.RuleReservedCIDR, "network.podCidr",
				fmt.Sprintf("network.podCidr %s overlaps %s, which AKS reserves; AKS refuses the cluster", pod, r),
				reservedFix("192.168.0.0/16")))
		}
		if svcOK && pod.Overlaps(svc) {
			out = append(out, c.at(validate.RulePodCIDROverlapService, "network.podCidr",
				fmt.Sprintf("network.podCidr %s overlaps network.serviceCidr %s", pod, svc),
				"choose a pod CIDR apart from the service CIDR, e.g. 10.244.0.0/16 with service CIDR 10.0.0.0/16"))
		}
	}
	return out
}

// poolVersionRules checks pools with a version of their own against the control plane: never ahead,
// at most spec.MaxPoolMinorSkew minor versions behind.
func poolVersionRules(c Cluster) []validate.Finding {
	cp, ok := spec.ParseVersion(c.Values.KubernetesVersion)
	if !ok {
		return nil
	}
	var out []validate.Finding
	for _, name := range sortedPools(c.Values.NodePools) {
		pv := c.Values.NodePools[name].KubernetesVersion
		v, ok := spec.ParseVersion(pv)
		if !ok {
			continue // empty follows the cluster; a malformed one is the schema's
		}
		field := poolPath(name, "kubernetesVersion")
		switch {
		case v.Compare(cp) > 0:
			out = append(out, c.at(validate.RulePoolVersionSkew, field,
				fmt.Sprintf("node pool %q runs %s, newer than the control plane's %s", name, pv, c.Values.KubernetesVersion),
				"upgrade the control plane first (fleetctl cluster upgrade), or remove the pool's kubernetesVersion so it follows the cluster"))
		case v.MinorsBehind(cp) > spec.MaxPoolMinorSkew:
			out = append(out, c.at(validate.RulePoolVersionSkew, field,
				fmt.Sprintf("node pool %q runs %s, more than %d minor versions behind the control plane's %s", name, pv, spec.MaxPoolMinorSkew, c.Values.KubernetesVersion),
				"upgrade the pool (fleetctl cluster upgrade without --control-plane-only) before the control plane moves further"))
		}
	}
	return out
}

// lifecycleRules: CAPI owns the Kubernetes version, so the auto-upgrade channels that move it are
// refused; LTS needs the Premium tier.
func lifecycleRules(c Cluster) []validate.Finding {
	var out []validate.Finding
	v := c.Values
	if slices.Contains(spec.VersionChannels, v.AutoUpgradeChannel) {
		out = append(out, c.at(validate.RuleVersionChannel, "autoUpgradeChannel",
			fmt.Sprintf("autoUpgradeChannel %q upgrades the Kubernetes version behind CAPI, which owns it (the control plane's and the MachinePools' spec.version): the two would fight", v.AutoUpgradeChannel),
			"use none or node-image, and upgrade with fleetctl cluster upgrade"))
	}
	if v.SupportPlan == spec.LTS && v.SKUTier != "Premium" {
		tier := v.SKUTier
		if tier == "" {
			tier = "unset (Free)"
		}
		out = append(out, c.at(validate.RuleLTSNeedsPremium, "supportPlan",
			fmt.Sprintf("supportPlan %s needs skuTier Premium; skuTier is %s", spec.LTS, tier),
			"set skuTier: Premium (fleetctl cluster set "+c.clusterName()+" --tier Premium), or drop supportPlan"))
	}
	return out
}
