package rules

import (
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

type changeCase struct {
	name string
	base func(v *spec.Values) // applied to both base and head, before head's edit
	head func(v *spec.Values)
	want []string
}

func changeCases() []changeCase {
	none := func(v *spec.Values) {}
	pool := func(name string, f func(p *spec.PoolValue)) func(v *spec.Values) {
		return func(v *spec.Values) { setPool(v, name, f) }
	}
	both := func(fs ...func(v *spec.Values)) func(v *spec.Values) {
		return func(v *spec.Values) {
			for _, f := range fs {
				f(v)
			}
		}
	}
	return []changeCase{
		{"unchanged", none, none, nil},
		{"mutable changes", none, both(
			pool("system", func(p *spec.PoolValue) { p.Count = ptr(5) }),
			pool("work", func(p *spec.PoolValue) { p.Autoscale = &spec.Autoscale{Min: ptr(0), Max: ptr(50)} }),
			func(v *spec.Values) { v.SKUTier = "Standard"; v.KubernetesVersion = "v1.37.9" },
		), nil},

		{"location", none, func(v *spec.Values) { v.Location = "westeurope" }, []string{validate.RuleChangeImmutableCluster}},
		{"resource group", none, func(v *spec.Values) { v.ResourceGroup = "other-rg" }, []string{validate.RuleChangeImmutableCluster}},
		{"dns prefix set to the name", none, func(v *spec.Values) { v.DNSPrefix = "atlantic-aks" }, nil},
		{"dns prefix changed", none, func(v *spec.Values) { v.DNSPrefix = "atlantic" }, []string{validate.RuleChangeImmutableCluster}},
		{"renamed", none, func(v *spec.Values) { v.Name = "pacific-aks" },
			[]string{validate.RuleChangeRenamed, validate.RuleChangeImmutableCluster}}, // the DNS prefix follows the name
		{"renamed with fixed dns prefix", func(v *spec.Values) { v.DNSPrefix = "api" }, func(v *spec.Values) { v.Name = "pacific-aks" },
			[]string{validate.RuleChangeRenamed}},
		{"network plugin", none, func(v *spec.Values) { v.Network.Plugin = "kubenet" }, []string{validate.RuleChangeImmutableCluster}},
		{"network policy", none, func(v *spec.Values) { v.Network.Policy = "calico" }, []string{validate.RuleChangeImmutableDefault}},
		{"network policy switched", func(v *spec.Values) { v.Network.Policy = "azure" }, func(v *spec.Values) { v.Network.Policy = "cilium" },
			[]string{validate.RuleChangeImmutableCluster}},
		{"service cidr", none, func(v *spec.Values) { v.Network.ServiceCIDR = "10.1.0.0/16"; v.Network.DNSServiceIP = "10.1.0.10" },
			[]string{validate.RuleChangeImmutableCluster, validate.RuleChangeImmutableCluster}},
		{"service cidr same network", none, func(v *spec.Values) { v.Network.ServiceCIDR = "10.0.0.1/16" }, nil},
		{"pod cidr", func(v *spec.Values) { v.Network.PodCIDR = "10.244.0.0/16" }, func(v *spec.Values) { v.Network.PodCIDR = "10.245.0.0/16" },
			[]string{validate.RuleChangeImmutableCluster}},
		{"outbound type", func(v *spec.Values) { v.Network.OutboundType = "loadBalancer" }, func(v *spec.Values) { v.Network.OutboundType = "userDefinedRouting" },
			[]string{validate.RuleChangeImmutableCluster}},
		{"plugin back to the default", none, func(v *spec.Values) { v.Network.Plugin = "" }, []string{validate.RuleChangeImmutableDefault}},
		{"network dropped", none, func(v *spec.Values) { v.Network = nil },
			[]string{validate.RuleChangeImmutableDefault, validate.RuleChangeImmutableDefault, validate.RuleChangeImmutableDefault}},

		{"downgrade", none, func(v *spec.Values) { v.KubernetesVersion = "v1.37.1" }, []string{validate.RuleChangeDowngrade}},
		{"minor downgrade", none, func(v *spec.Values) { v.KubernetesVersion = "v1.36.9" }, []string{validate.RuleChangeDowngrade}},
		{"next minor", none, func(v *spec.Values) { v.KubernetesVersion = "v1.38.0" }, nil},
		{"skip a minor", none, func(v *spec.Values) { v.KubernetesVersion = "v1.39.0" }, []string{validate.RuleChangeMinorSkip}},
		{"major", none, func(v *spec.Values) { v.KubernetesVersion = "v2.0.0" }, []string{validate.RuleChangeMinorSkip}},
		{"malformed version", none, func(v *spec.Values) { v.KubernetesVersion = "latest" }, nil},

		{"vm size", none, pool("work", func(p *spec.PoolValue) { p.VMSize = "Standard_D16s_v5" }), []string{validate.RuleChangeImmutablePool}},
		{"os type explicit linux", none, pool("work", func(p *spec.PoolValue) { p.OSType = "Linux" }), nil},
		{"os type windows", none, pool("work", func(p *spec.PoolValue) { p.OSType = "Windows" }), []string{validate.RuleChangeImmutablePool}},
		{"zones reordered", pool("work", func(p *spec.PoolValue) { p.Zones = []string{"1", "2", "3"} }),
			pool("work", func(p *spec.PoolValue) { p.Zones = []string{"3", "1", "2"} }), nil},
		{"zones added", none, pool("work", func(p *spec.PoolValue) { p.Zones = []string{"1"} }), []string{validate.RuleChangeImmutablePool}},
		{"max pods set", none, pool("work", func(p *spec.PoolValue) { p.MaxPods = ptr(30) }), []string{validate.RuleChangeImmutableDefault}},
		{"max pods changed", pool("work", func(p *spec.PoolValue) { p.MaxPods = ptr(30) }),
			pool("work", func(p *spec.PoolValue) { p.MaxPods = ptr(110) }), []string{validate.RuleChangeImmutablePool}},
		{"os disk type", pool("work", func(p *spec.PoolValue) { p.OSDiskType = "Managed" }),
			pool("work", func(p *spec.PoolValue) { p.OSDiskType = "Ephemeral" }), []string{validate.RuleChangeImmutablePool}},
		{"os disk size 0 is unset", pool("work", func(p *spec.PoolValue) { p.OSDiskSizeGB = ptr(0) }),
			pool("work", func(p *spec.PoolValue) { p.OSDiskSizeGB = nil }), nil},
		{"os disk size", pool("work", func(p *spec.PoolValue) { p.OSDiskSizeGB = ptr(128) }),
			pool("work", func(p *spec.PoolValue) { p.OSDiskSizeGB = ptr(256) }), []string{validate.RuleChangeImmutablePool}},
		{"pool replaced", none, func(v *spec.Values) {
			p := v.NodePools["work"]
			delete(v.NodePools, "work")
			p.VMSize = "Standard_D16s_v5"
			v.NodePools["work2"] = p
		}, nil},

		{"last system pool removed", none, func(v *spec.Values) { delete(v.NodePools, "system") }, []string{validate.RuleChangeLastSystemGone}},
		{"last system pool to user", none, pool("system", func(p *spec.PoolValue) { p.Mode = "User" }), []string{validate.RuleChangeLastSystemToUser}},
		{"one of two system pools removed", func(v *spec.Values) {
			v.NodePools["sys2"] = spec.PoolValue{Mode: "System", VMSize: "Standard_D4s_v5", Count: ptr(1)}
		}, func(v *spec.Values) { delete(v.NodePools, "system") }, nil},
		{"both system pools removed", func(v *spec.Values) {
			v.NodePools["sys2"] = spec.PoolValue{Mode: "System", VMSize: "Standard_D4s_v5", Count: ptr(1)}
		}, func(v *spec.Values) { delete(v.NodePools, "system"); delete(v.NodePools, "sys2") },
			[]string{validate.RuleChangeLastSystemGone, validate.RuleChangeLastSystemGone}},
		{"system pool replaced in one change", none, func(v *spec.Values) {
			delete(v.NodePools, "system")
			v.NodePools["system2"] = spec.PoolValue{Mode: "System", VMSize: "Standard_D8s_v5", Count: ptr(3)}
		}, []string{validate.RuleChangeSystemReplaced}},
		{"user pool promoted while system demoted", none, both(
			pool("system", func(p *spec.PoolValue) { p.Mode = "User" }),
			pool("work", func(p *spec.PoolValue) { p.Mode = "System" }),
		), []string{validate.RuleChangeSystemReplaced}},
		{"no system pool before", func(v *spec.Values) { delete(v.NodePools, "system") }, none, nil},
		{"head without values", none, func(v *spec.Values) { *v = spec.Values{} }, nil},
	}
}

func (tc changeCase) pair() (Cluster, Cluster) {
	b, h := validValues(), validValues()
	tc.base(&b)
	tc.base(&h)
	tc.head(&h)
	base := clusterOf(b)
	head := clusterOf(h)
	head.Name, head.Dir, head.ValuesFile = base.Name, base.Dir, base.ValuesFile
	return base, head
}

func TestChanges(t *testing.T) {
	for _, tc := range changeCases() {
		t.Run(tc.name, func(t *testing.T) {
			base, head := tc.pair()
			got := Changes(base, head)
			expectRules(t, got, tc.want...)
			for _, f := range got {
				if f.File != head.ValuesFile || f.Field == "" {
					t.Errorf("finding lacks file or field: %+v", f)
				}
			}
		})
	}
}

func TestChangesMessages(t *testing.T) {
	b, h := validValues(), validValues()
	setPool(&h, "work", func(p *spec.PoolValue) { p.VMSize = "Standard_D16s_v5" })
	h.KubernetesVersion = "v1.39.1"
	head := clusterOf(h)
	pos := map[string][2]int{"kubernetesVersion": {5, 20}, "nodePools.work": {12, 3}, "nodePools.work.vmSize": {14, 13}}
	head.Pos = func(p string) (int, int) { return pos[p][0], pos[p][1] }
	got := Changes(clusterOf(b), head)
	expectRules(t, got, validate.RuleChangeMinorSkip, validate.RuleChangeImmutablePool)
	for _, f := range got {
		switch f.Rule {
		case validate.RuleChangeImmutablePool:
			if f.Line != 14 || f.Field != "nodePools.work.vmSize" ||
				!strings.Contains(f.Message, "Standard_D8s_v5") || !strings.Contains(f.Message, "Standard_D16s_v5") ||
				!strings.Contains(f.Fix, "add a new pool") {
				t.Errorf("%+v", f)
			}
		case validate.RuleChangeMinorSkip:
			if f.Line != 5 || !strings.Contains(f.Message, "v1.37.2") || !strings.Contains(f.Fix, "v1.38") {
				t.Errorf("%+v", f)
			}
		}
	}

	// A removed pool points at the nearest key that is still in the file.
	h = validValues()
	delete(h.NodePools, "system")
	head = clusterOf(h)
	head.Pos = func(p string) (int, int) {
		if p == "nodePools" {
			return 10, 1
		}
		return 0, 0
	}
	got = Changes(clusterOf(validValues()), head)
	expectRules(t, got, validate.RuleChangeLastSystemGone)
	if got[0].Line != 10 || got[0].Field != "nodePools.system" || !strings.Contains(got[0].Message, `"system"`) {
		t.Errorf("%+v", got[0])
	}
}
