package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

func ptr(n int) *int { return &n }

// validValues is a cluster every rule accepts.
func validValues() spec.Values {
	return spec.Values{
		Name:              "atlantic-aks",
		Location:          "eastus",
		ResourceGroup:     "atlantic-aks-rg",
		KubernetesVersion: "v1.37.2",
		Network:           &spec.NetworkValues{Plugin: "azure", ServiceCIDR: "10.0.0.0/16", DNSServiceIP: "10.0.0.10"},
		Credentials:       &spec.CredentialsValues{SecretName: "aso-credentials"},
		NodePools: map[string]spec.PoolValue{
			"system": {Mode: "System", VMSize: "Standard_D4s_v5", Count: ptr(3)},
			"work":   {Mode: "User", VMSize: "Standard_D8s_v5", Autoscale: &spec.Autoscale{Min: ptr(1), Max: ptr(10)}},
		},
	}
}

func clusterOf(v spec.Values) Cluster {
	name := v.Name
	if name == "" {
		name = "unnamed"
	}
	return Cluster{Name: name, Dir: "capi/clusters/" + name, ValuesFile: "capi/clusters/" + name + "/values.yaml", Values: v}
}

// setPool changes one pool of v in place.
func setPool(v *spec.Values, name string, f func(p *spec.PoolValue)) {
	p := v.NodePools[name]
	f(&p)
	v.NodePools[name] = p
}

func ruleIDs(fs []validate.Finding) []string {
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.Rule
	}
	slices.Sort(ids)
	return ids
}

// expectRules checks the rule ids found (as a multiset) and the invariants of every finding.
func expectRules(t *testing.T, got []validate.Finding, want ...string) {
	t.Helper()
	want = slices.Clone(want)
	slices.Sort(want)
	if ids := ruleIDs(got); !slices.Equal(ids, want) {
		t.Errorf("rules = %v, want %v", ids, want)
		for _, f := range got {
			t.Logf("  %s %s %s:%d:%d %s: %s (fix: %s)", f.Severity, f.Rule, f.File, f.Line, f.Column, f.Field, f.Message, f.Fix)
		}
	}
	checkInvariants(t, got)
}

func checkInvariants(t *testing.T, got []validate.Finding) {
	t.Helper()
	sorted := slices.Clone(got)
	validate.Sort(sorted)
	if !slices.Equal(sorted, got) {
		t.Errorf("findings are not sorted")
	}
	for _, f := range got {
		if r, ok := validate.Lookup(f.Rule); !ok || r.Severity != f.Severity {
			t.Errorf("finding %s has severity %q, the registry says %q (listed: %v)", f.Rule, f.Severity, r.Severity, ok)
		}
		if f.Message == "" || f.Fix == "" || f.File == "" {
			t.Errorf("finding %s lacks message, fix or file: %+v", f.Rule, f)
		}
		if strings.Contains(f.Message, "\n") {
			t.Errorf("finding %s message has a newline: %q", f.Rule, f.Message)
		}
	}
}
