package rules

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// FleetRules checks the fleet as a whole, in one pass over the compact facts: cluster names,
// resource groups and DNS prefixes unique (case-insensitive, as Azure compares names), cluster
// folders named after their clusters, service and pod CIDRs of different clusters apart (warnings:
// only clusters that will be peered must not overlap, and that is not known here), and the cluster
// list in listFile (the entries of its resources, as written) against the cluster folders present.
// Entries of the list that are not cluster folders (files, remote or nested paths) are ignored.
// It runs in O(n log n) for n clusters. Findings are sorted.
func FleetRules(clusters []Cluster, listed []string, folders []string, listFile string) []validate.Finding {
	var out []validate.Finding
	out = append(out, uniqueRule(clusters, validate.RuleDuplicateName, "name", "cluster name",
		func(c Cluster) string { return c.clusterName() }, nil,
		"rename one of the clusters; cluster names (and so every object name) must be unique in the fleet")...)
	out = append(out, uniqueRule(clusters, validate.RuleDuplicateResourceGroup, "resourceGroup", "resource group",
		func(c Cluster) string { return c.Values.ResourceGroup }, nil,
		"give each cluster its own resource group: the cluster owns it, and deleting one cluster deletes the group with everything in it")...)
	out = append(out, uniqueRule(clusters, validate.RuleDuplicateDNSPrefix, "dnsPrefix", "DNS prefix",
		func(c Cluster) string { return c.dnsPrefix() },
		// Clusters that share a name and leave dnsPrefix to default to it are reported as duplicate names.
		func(c Cluster) bool { return c.Values.DNSPrefix == "" },
		"set a distinct dnsPrefix (it defaults to the cluster name); AKS accepts duplicates but the API server names become hard to tell apart")...)
	for _, c := range clusters {
		if c.Dir == "" || c.Values.Name == "" {
			continue
		}
		if dir := path.Base(c.Dir); dir != c.Values.Name {
			out = append(out, c.at(validate.RuleFolderNameMismatch, "name",
				fmt.Sprintf("cluster %q lives in folder %q", c.Values.Name, dir),
				"keep folder and name the same: rename the folder (and its entry in the cluster list) or the cluster"))
		}
	}
	out = append(out, listRules(listed, folders, listFile)...)
	validate.Sort(out)
	return out
}

// uniqueRule reports every cluster whose key (compared case-insensitively) another cluster shares.
// A group whose every member is derived (derived returns true) is left out: another rule reports it.
func uniqueRule(clusters []Cluster, rule, field, what string, key func(Cluster) string, derived func(Cluster) bool, fix string) []validate.Finding {
	// One map from key to the first cluster using it; only keys used twice get a list.
	first := make(map[string]int, len(clusters))
	groups := map[string][]int{}
	for i, c := range clusters {
		k := key(c)
		if k == "" {
			continue
		}
		lk := strings.ToLower(k)
		j, dup := first[lk]
		switch {
		case !dup:
			first[lk] = i
		case groups[lk] == nil:
			groups[lk] = []int{j, i}
		default:
			groups[lk] = append(groups[lk], i)
		}
	}
	var out []validate.Finding
	for _, idx := range groups {
		if derived != nil && !slices.ContainsFunc(idx, func(i int) bool { return !derived(clusters[i]) }) {
			continue
		}
		slices.SortFunc(idx, func(a, b int) int {
			return cmp.Or(cmp.Compare(clusters[a].Name, clusters[b].Name), cmp.Compare(clusters[a].ValuesFile, clusters[b].ValuesFile))
		})
		for _, i := range idx {
			c := clusters[i]
			// Name at most three others, so a large group costs O(group) and not O(group²).
			others := make([]string, 0, 3)
			for _, j := range idx {
				if len(others) == 3 {
					break
				}
				if j != i {
					others = append(others, clusters[j].label())
				}
			}
			msg := fmt.Sprintf("%s %q is also used by %s", what, key(c), strings.Join(others, ", "))
			if more := len(idx) - 1 - len(others); more > 0 {
				msg += fmt.Sprintf(" and %d more", more)
			}
			out = append(out, c.at(rule, field, msg, fix))
		}
	}
	return out
}

func listRules(listed, folders []string, listFile string) []validate.Finding {
	var out []validate.Finding
	present := make(map[string]bool, len(folders))
	for _, f := range folders {
		present[f] = true
	}
	seen := make(map[string]bool, len(listed))
	for _, e := range listed {
		name := fleet.ListedFolder(e)
		if name == "" {
			continue
		}
		var f validate.Finding
		switch {
		case seen[name]:
			f = newFinding(validate.RuleListedTwice, listFile, "resources",
				fmt.Sprintf("cluster %q is listed more than once; kustomize rejects the same resource twice", name),
				"remove the repeated entry")
		case !present[name]:
			f = newFinding(validate.RuleListedMissing, listFile, "resources",
				fmt.Sprintf("cluster %q is listed but its folder %s does not exist; Flux fails to build the list", name, path.Join(path.Dir(listFile), name)),
				"restore the folder, or remove the entry if the cluster is meant to go")
		}
		if f.Rule != "" {
			f.Cluster = name
			out = append(out, f)
		}
		seen[name] = true
	}
	sorted := slices.Clone(folders)
	slices.Sort(sorted)
	for _, f := range slices.Compact(sorted) {
		if !seen[f] {
			fd := newFinding(validate.RuleFolderNotListed, listFile, "resources",
				fmt.Sprintf("cluster folder %s is not listed, so Flux never applies it", path.Join(path.Dir(listFile), f)),
				fmt.Sprintf("add %q to resources in %s (fleetctl cluster add does this), or remove the folder", f, listFile))
			fd.Cluster = f
			out = append(out, fd)
		}
	}
	return out
}
