package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

const listFile = "capi/clusters/kustomization.yaml"

// fc is a fleet cluster in folder dir with the given values name, resource group and CIDRs.
func fc(dir, name, rg, svc, pod string) Cluster {
	v := validValues()
	v.Name, v.ResourceGroup = name, rg
	v.Network = &spec.NetworkValues{Plugin: "azure", ServiceCIDR: svc, PodCIDR: pod}
	return Cluster{Name: dir, Dir: "capi/clusters/" + dir, ValuesFile: "capi/clusters/" + dir + "/values.yaml", Values: v}
}

type fleetCase struct {
	name     string
	clusters []Cluster
	listed   []string // nil: the clusters' folders
	folders  []string // nil: the clusters' folders
	want     []string
}

func (tc fleetCase) findings() []validate.Finding {
	var dirs []string
	for _, c := range tc.clusters {
		dirs = append(dirs, c.Name)
	}
	listed, folders := tc.listed, tc.folders
	if listed == nil {
		listed = dirs
	}
	if folders == nil {
		folders = dirs
	}
	return FleetRules(tc.clusters, listed, folders, listFile)
}

func fleetCases() []fleetCase {
	dnsPrefixed := func(c Cluster, p string) Cluster { c.Values.DNSPrefix = p; return c }
	return []fleetCase{
		{name: "distinct", clusters: []Cluster{
			fc("a", "a", "a-rg", "10.0.0.0/16", "10.244.0.0/16"),
			fc("b", "b", "b-rg", "10.1.0.0/16", "10.245.0.0/16"),
		}},
		{name: "duplicate name", clusters: []Cluster{
			fc("a", "a", "a-rg", "10.0.0.0/16", ""),
			fc("b", "a", "b-rg", "10.1.0.0/16", ""),
		}, want: []string{validate.RuleDuplicateName, validate.RuleDuplicateName, validate.RuleFolderNameMismatch}}, // the DNS prefix follows the name
		{name: "duplicate name, one dns prefix explicit", clusters: []Cluster{
			dnsPrefixed(fc("a", "a", "a-rg", "10.0.0.0/16", ""), "a"),
			fc("b", "a", "b-rg", "10.1.0.0/16", ""),
		}, want: []string{validate.RuleDuplicateName, validate.RuleDuplicateName, validate.RuleFolderNameMismatch, validate.RuleDuplicateDNSPrefix, validate.RuleDuplicateDNSPrefix}},
		{name: "duplicate resource group ignores case", clusters: []Cluster{
			fc("a", "a", "Shared-RG", "10.0.0.0/16", ""),
			fc("b", "b", "shared-rg", "10.1.0.0/16", ""),
			fc("c", "c", "c-rg", "10.2.0.0/16", ""),
		}, want: []string{validate.RuleDuplicateResourceGroup, validate.RuleDuplicateResourceGroup}},
		{name: "duplicate dns prefix", clusters: []Cluster{
			dnsPrefixed(fc("a", "a", "a-rg", "10.0.0.0/16", ""), "API"),
			dnsPrefixed(fc("b", "b", "b-rg", "10.1.0.0/16", ""), "api"),
		}, want: []string{validate.RuleDuplicateDNSPrefix, validate.RuleDuplicateDNSPrefix}},
		{name: "dns prefix equal to another cluster's name", clusters: []Cluster{
			fc("a", "a", "a-rg", "10.0.0.0/16", ""),
			dnsPrefixed(fc("b", "b", "b-rg", "10.1.0.0/16", ""), "a"),
		}, want: []string{validate.RuleDuplicateDNSPrefix, validate.RuleDuplicateDNSPrefix}},
		// A service CIDR, and an overlay pod CIDR, exist only inside their cluster: AKS gives every
		// cluster 10.0.0.0/16 unless told otherwise, and sharing one is not a finding.
		{name: "same service cidr", clusters: []Cluster{
			fc("a", "a", "a-rg", "10.0.0.0/16", ""),
			fc("b", "b", "b-rg", "10.0.0.0/16", ""),
		}},
		{name: "nested service cidrs", clusters: []Cluster{
			fc("a", "a", "a-rg", "10.0.0.0/12", ""),
			fc("b", "b", "b-rg", "10.1.0.0/16", ""),
		}},
		{name: "same pod cidr", clusters: []Cluster{
			fc("a", "a", "a-rg", "10.0.0.0/16", "10.244.0.0/16"),
			fc("b", "b", "b-rg", "10.1.0.0/16", "10.244.0.0/16"),
		}},
		{name: "unparsable cidr ignored", clusters: []Cluster{
			fc("a", "a", "a-rg", "bogus", ""),
			fc("b", "b", "b-rg", "bogus", ""),
		}},
		{name: "folder named differently", clusters: []Cluster{fc("a", "other", "a-rg", "10.0.0.0/16", "")},
			want: []string{validate.RuleFolderNameMismatch}},

		{name: "listed but missing", clusters: []Cluster{fc("a", "a", "a-rg", "10.0.0.0/16", "")},
			listed: []string{"a", "gone"}, want: []string{validate.RuleListedMissing}},
		{name: "present but not listed", clusters: []Cluster{fc("a", "a", "a-rg", "10.0.0.0/16", ""), fc("b", "b", "b-rg", "10.1.0.0/16", "")},
			listed: []string{"a"}, want: []string{validate.RuleFolderNotListed}},
		{name: "listed twice", clusters: []Cluster{fc("a", "a", "a-rg", "10.0.0.0/16", "")},
			listed: []string{"a", "./a/"}, want: []string{validate.RuleListedTwice}},
		{name: "list forms and non-folder entries", clusters: []Cluster{fc("a", "a", "a-rg", "10.0.0.0/16", ""), fc("b", "b", "b-rg", "10.1.0.0/16", "")},
			listed: []string{"./a", "b/", "namespace.yaml", "../shared", "https://example.com/x", "nested/dir"}},
		{name: "empty list", clusters: nil, listed: []string{}, folders: []string{"a"}, want: []string{validate.RuleFolderNotListed}},
	}
}

func TestFleetRules(t *testing.T) {
	for _, tc := range fleetCases() {
		t.Run(tc.name, func(t *testing.T) {
			expectRules(t, tc.findings(), tc.want...)
		})
	}
}

func TestFleetRulesMessages(t *testing.T) {
	// A large group of duplicates names three others and counts the rest.
	var many []Cluster
	for i := range 10 {
		many = append(many, fc(fmt.Sprintf("c%d", i), fmt.Sprintf("c%d", i), "shared", fmt.Sprintf("10.%d.0.0/16", i), ""))
	}
	got := FleetRules(many, nil, nil, listFile)
	n := 0
	for _, f := range got {
		if f.Rule == validate.RuleDuplicateResourceGroup {
			n++
			if !strings.Contains(f.Message, "and 6 more") {
				t.Errorf("message: %s", f.Message)
			}
		}
		if f.Rule == validate.RuleFolderNotListed && !strings.Contains(f.Fix, listFile) {
			t.Errorf("fix: %s", f.Fix)
		}
	}
	if n != 10 {
		t.Errorf("%d duplicate resource group findings, want 10", n)
	}
}

// syntheticFleet is n clusters with unique names, resource groups and service CIDRs, all sharing one
// pod CIDR, every one listed.
func syntheticFleet(n int) ([]Cluster, []string) {
	clusters := make([]Cluster, n)
	names := make([]string, n)
	for i := range n {
		name := fmt.Sprintf("cluster-%05d", i)
		names[i] = name
		svc := fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)
		clusters[i] = fc(name, name, name+"-rg", svc, "100.64.0.0/16")
	}
	return clusters, names
}

func BenchmarkFleetRules(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		clusters, names := syntheticFleet(n)
		b.Run(fmt.Sprintf("clusters=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				FleetRules(clusters, names, names, listFile)
			}
		})
	}
}
