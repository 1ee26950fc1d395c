package rules

import (
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

type clusterCase struct {
	name string
	edit func(v *spec.Values)
	want []string
}

func clusterCases() []clusterCase {
	net := func(f func(n *spec.NetworkValues)) func(v *spec.Values) {
		return func(v *spec.Values) { f(v.Network) }
	}
	return []clusterCase{
		{"valid", func(v *spec.Values) {}, nil},

		{"two system pools", func(v *spec.Values) {
			v.NodePools["sys2"] = spec.PoolValue{Mode: "System", VMSize: "Standard_D4s_v5", Count: ptr(1)}
		}, nil},

		{"system count 1000", func(v *spec.Values) { setPool(v, "system", func(p *spec.PoolValue) { p.Count = ptr(1000) }) }, nil},
		{"user count 0", func(v *spec.Values) {
			setPool(v, "work", func(p *spec.PoolValue) { p.Autoscale, p.Count = nil, ptr(0) })
		}, nil},
		{"user autoscale 0..1000", func(v *spec.Values) {
			setPool(v, "work", func(p *spec.PoolValue) { p.Autoscale = &spec.Autoscale{Min: ptr(0), Max: ptr(1000)} })
		}, nil},

		{"autoscale min above max", func(v *spec.Values) {
			setPool(v, "work", func(p *spec.PoolValue) { p.Autoscale = &spec.Autoscale{Min: ptr(5), Max: ptr(2)} })
		}, []string{validate.RuleAutoscaleMinAboveMax}},
		{"autoscale min equals max", func(v *spec.Values) {
			setPool(v, "work", func(p *spec.PoolValue) { p.Autoscale = &spec.Autoscale{Min: ptr(4), Max: ptr(4)} })
		}, nil},
		{"autoscale without max", func(v *spec.Values) {
			setPool(v, "work", func(p *spec.PoolValue) { p.Autoscale = &spec.Autoscale{Min: ptr(4)} })
		}, nil}, // the schema requires both

		{"service cidr host bits", net(func(n *spec.NetworkValues) { n.ServiceCIDR = "10.0.0.1/16" }), []string{validate.RuleCIDRHostBits}},
		{"service cidr /8", net(func(n *spec.NetworkValues) { n.ServiceCIDR = "10.0.0.0/8" }), []string{validate.RuleServiceCIDRSize}},
		{"service cidr /12", net(func(n *spec.NetworkValues) { n.ServiceCIDR = "10.0.0.0/12" }), nil},
		{"service cidr /28", net(func(n *spec.NetworkValues) { n.ServiceCIDR, n.DNSServiceIP = "10.0.0.0/28", "10.0.0.10" }), nil},
		{"service cidr /29", net(func(n *spec.NetworkValues) { n.ServiceCIDR, n.DNSServiceIP = "10.0.0.0/29", "10.0.0.5" }), []string{validate.RuleServiceCIDRSize}},
		{"service cidr unparsable", net(func(n *spec.NetworkValues) { n.ServiceCIDR = "ten-zero" }), nil},

		{"dns outside service cidr", net(func(n *spec.NetworkValues) { n.DNSServiceIP = "10.1.0.10" }), []string{validate.RuleDNSServiceIPOutside}},
		{"dns is network address", net(func(n *spec.NetworkValues) { n.DNSServiceIP = "10.0.0.0" }), []string{validate.RuleDNSServiceIPReserved}},
		{"dns is second address", net(func(n *spec.NetworkValues) { n.DNSServiceIP = "10.0.0.1" }), []string{validate.RuleDNSServiceIPReserved}},
		{"dns is third address", net(func(n *spec.NetworkValues) { n.DNSServiceIP = "10.0.0.2" }), nil},
		{"dns last address", net(func(n *spec.NetworkValues) { n.DNSServiceIP = "10.0.255.255" }), nil},
		{"dns unparsable", net(func(n *spec.NetworkValues) { n.DNSServiceIP = "ten" }), nil},
		{"service cidr without dns", net(func(n *spec.NetworkValues) { n.DNSServiceIP = "" }), []string{validate.RuleServiceDNSPair}},
		{"dns without service cidr", net(func(n *spec.NetworkValues) { n.ServiceCIDR = "" }), []string{validate.RuleServiceDNSPair}},
		{"no network", func(v *spec.Values) { v.Network = nil }, nil},

		{"pod cidr apart", net(func(n *spec.NetworkValues) { n.PodCIDR = "10.244.0.0/16" }), nil},
		{"pod cidr inside service cidr", net(func(n *spec.NetworkValues) { n.PodCIDR = "10.0.128.0/17" }), []string{validate.RulePodCIDROverlapService}},
		{"pod cidr around service cidr", net(func(n *spec.NetworkValues) { n.PodCIDR = "10.0.0.0/8" }), []string{validate.RulePodCIDROverlapService}},
		{"pod cidr host bits", net(func(n *spec.NetworkValues) { n.PodCIDR = "10.244.1.0/16" }), []string{validate.RuleCIDRHostBits}},
		{"pod cidr reserved", net(func(n *spec.NetworkValues) { n.PodCIDR = "169.254.0.0/16" }), []string{validate.RuleReservedCIDR}},
		{"service cidr reserved", net(func(n *spec.NetworkValues) { n.ServiceCIDR, n.DNSServiceIP = "172.30.0.0/16", "172.30.0.10" }), []string{validate.RuleReservedCIDR}},
		{"service cidr around reserved", net(func(n *spec.NetworkValues) { n.ServiceCIDR, n.DNSServiceIP = "172.16.0.0/12", "172.16.0.10" }), []string{validate.RuleReservedCIDR}},
		{"service cidr beside reserved", net(func(n *spec.NetworkValues) { n.ServiceCIDR, n.DNSServiceIP = "172.29.0.0/16", "172.29.0.10" }), nil},

		{"windows with kubenet", func(v *spec.Values) {
			v.Network.Plugin = "kubenet"
			v.NodePools["win"] = spec.PoolValue{Mode: "User", VMSize: "Standard_D4s_v5", OSType: "Windows", Count: ptr(1)}
		}, []string{validate.RuleWindowsNeedsAzureCNI}},
		{"windows with plugin none", func(v *spec.Values) {
			v.Network.Plugin = "none"
			v.NodePools["win"] = spec.PoolValue{Mode: "User", VMSize: "Standard_D4s_v5", OSType: "Windows", Count: ptr(1)}
		}, []string{validate.RuleWindowsNeedsAzureCNI}},
		{"windows with azure", func(v *spec.Values) {
			v.NodePools["win"] = spec.PoolValue{Mode: "User", VMSize: "Standard_D4s_v5", OSType: "Windows", Count: ptr(1)}
		}, nil},
		{"windows with default plugin", func(v *spec.Values) {
			v.Network.Plugin = ""
			v.NodePools["win"] = spec.PoolValue{Mode: "User", VMSize: "Standard_D4s_v5", OSType: "Windows", Count: ptr(1)}
		}, nil},
		{"linux with kubenet", func(v *spec.Values) { v.Network.Plugin = "kubenet" }, nil},

		{"object name 63", func(v *spec.Values) { v.Name = strings.Repeat("a", 56) }, nil},                                         // 56+1+6 ("system")
		{"object name 64", func(v *spec.Values) { v.Name = strings.Repeat("a", 57) }, []string{validate.RulePoolObjectNameLength}}, // system only; work is 62
		{"object name both pools", func(v *spec.Values) { v.Name = strings.Repeat("a", 60) }, []string{validate.RulePoolObjectNameLength, validate.RulePoolObjectNameLength}},

		{"version leading zero", func(v *spec.Values) { v.KubernetesVersion = "v1.033.2" }, []string{validate.RuleKubernetesVersion}},
		{"version without v", func(v *spec.Values) { v.KubernetesVersion = "1.37.2" }, []string{validate.RuleKubernetesVersion}},
		{"version two parts", func(v *spec.Values) { v.KubernetesVersion = "v1.37" }, []string{validate.RuleKubernetesVersion}},
		{"version overflow", func(v *spec.Values) { v.KubernetesVersion = "v1.99999999999999999999.0" }, []string{validate.RuleKubernetesVersion}},
		{"version unset", func(v *spec.Values) { v.KubernetesVersion = "" }, nil},

		{"pool version two minors behind", func(v *spec.Values) { setPoolVersion(v, "work", "v1.35.9") }, nil},
		{"pool version equal", func(v *spec.Values) { setPoolVersion(v, "work", v.KubernetesVersion) }, nil},
		{"pool version three minors behind", func(v *spec.Values) { setPoolVersion(v, "work", "v1.34.0") }, []string{validate.RulePoolVersionSkew}},
		{"pool version ahead by a patch", func(v *spec.Values) { setPoolVersion(v, "work", "v1.37.3") }, []string{validate.RulePoolVersionSkew}},
		{"pool version other major", func(v *spec.Values) { setPoolVersion(v, "work", "v0.33.2") }, []string{validate.RulePoolVersionSkew}},
		{"pool version malformed is the schema's", func(v *spec.Values) { setPoolVersion(v, "work", "1.37") }, nil},

		{"auto-upgrade none", func(v *spec.Values) { v.AutoUpgradeChannel = "none" }, nil},
		{"auto-upgrade node-image", func(v *spec.Values) { v.AutoUpgradeChannel = "node-image" }, nil},
		{"auto-upgrade patch", func(v *spec.Values) { v.AutoUpgradeChannel = "patch" }, []string{validate.RuleVersionChannel}},
		{"auto-upgrade stable", func(v *spec.Values) { v.AutoUpgradeChannel = "stable" }, []string{validate.RuleVersionChannel}},
		{"auto-upgrade rapid", func(v *spec.Values) { v.AutoUpgradeChannel = "rapid" }, []string{validate.RuleVersionChannel}},
		{"auto-upgrade unknown is the schema's", func(v *spec.Values) { v.AutoUpgradeChannel = "weekly" }, nil},
		{"LTS on Premium", func(v *spec.Values) { v.SupportPlan, v.SKUTier = "AKSLongTermSupport", "Premium" }, nil},
		{"LTS on Standard", func(v *spec.Values) { v.SupportPlan, v.SKUTier = "AKSLongTermSupport", "Standard" }, []string{validate.RuleLTSNeedsPremium}},
		{"LTS without tier", func(v *spec.Values) { v.SupportPlan, v.SKUTier = "AKSLongTermSupport", "" }, []string{validate.RuleLTSNeedsPremium}},
		{"official plan on Free", func(v *spec.Values) { v.SupportPlan, v.SKUTier = "KubernetesOfficial", "Free" }, nil},
	}
}

func TestClusterRules(t *testing.T) {
	for _, tc := range clusterCases() {
		t.Run(tc.name, func(t *testing.T) {
			v := validValues()
			tc.edit(&v)
			expectRules(t, ClusterRules(clusterOf(v)), tc.want...)
		})
	}
	// Node counts, autoscale-with-count and "at least one System pool" are the values schema's job
	// (values.schema.json): the rules do not report them a second time.
	v := validValues()
	delete(v.NodePools, "system")
	setPool(&v, "work", func(p *spec.PoolValue) { p.Count = ptr(2000) })
	expectRules(t, ClusterRules(clusterOf(v)))
}

// A finding on a path the file does not spell out points at the nearest parent the file has.
func TestPositionFallback(t *testing.T) {
	v := validValues()
	setPool(&v, "work", func(p *spec.PoolValue) { p.Autoscale = &spec.Autoscale{Min: ptr(5), Max: ptr(2)} })
	c := clusterOf(v)
	c.Pos = func(path string) (int, int) {
		if path == "nodePools.work" {
			return 12, 3
		}
		return 0, 0
	}
	got := ClusterRules(c)
	expectRules(t, got, validate.RuleAutoscaleMinAboveMax)
	if got[0].Line != 12 || got[0].Field != "nodePools.work.autoscale.min" {
		t.Errorf("fallback position: line %d field %s", got[0].Line, got[0].Field)
	}
}

func setPoolVersion(v *spec.Values, pool, version string) {
	p := v.NodePools[pool]
	p.KubernetesVersion = version
	v.NodePools[pool] = p
}
