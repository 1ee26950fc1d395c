package fleet

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"

	"github.com/fleetctl/fleetctl/pkg/spec"
)

// InfoAPIVersion versions the shapes of `cluster list/show` and `nodepool list` output
// (docs/day2.md). Fields are only ever added within a version.
const InfoAPIVersion = "fleetctl.io/v1alpha1"

// ClusterInfo is one cluster as `fleetctl cluster list -o json|yaml` and `cluster show` print it.
type ClusterInfo struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Name       string `json:"name"`
	// Path is the repo-relative cluster folder.
	Path string `json:"path"`
	// Listed says whether capi/clusters/kustomization.yaml lists the folder (Flux applies only those).
	Listed bool `json:"listed"`
	// Labels are the cluster's labels (values.labels, on the CAPI Cluster).
	Labels            map[string]string  `json:"labels,omitempty"`
	Location          string             `json:"location,omitempty"`
	ResourceGroup     string             `json:"resourceGroup,omitempty"`
	DNSPrefix         string             `json:"dnsPrefix,omitempty"`
	KubernetesVersion string             `json:"kubernetesVersion,omitempty"`
	SKUTier           string             `json:"skuTier,omitempty"`
	Network           spec.NetworkValues `json:"network"`
	NodePools         []PoolInfo         `json:"nodePools"`
	// Nodes is the fleet's node count range: the sum of fixed counts plus autoscale bounds.
	Nodes NodeRange `json:"nodes"`
	// ValuesFiles are the files the values come from, highest precedence first.
	ValuesFiles []string `json:"valuesFiles,omitempty"`
	// Error is set, and the rest mostly empty, when the folder cannot be read.
	Error string `json:"error,omitempty"`
}

// PoolInfo is one node pool: its values entry, with the OS type defaulted to Linux and
// KubernetesVersion the version the pool runs (its own or the cluster's).
type PoolInfo struct {
	Name string `json:"name"`
	spec.PoolValue
}

// NodeRange is a min..max node count.
type NodeRange struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// ClusterList is the output of `fleetctl cluster list -o json|yaml`.
type ClusterList struct {
	APIVersion string        `json:"apiVersion"`
	Kind       string        `json:"kind"`
	Items      []ClusterInfo `json:"items"`
}

// NodePoolList is the output of `fleetctl nodepool list -o json|yaml`.
type NodePoolList struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Cluster    string     `json:"cluster"`
	Items      []PoolInfo `json:"items"`
}

// Info returns the cluster's description; listed says whether the cluster list names it. A summary
// of a folder that cannot be read gives the name, the path and the error.
func (s Summary) Info(listed bool) ClusterInfo {
	info := ClusterInfo{Name: s.Name, Path: s.Dir, Listed: listed, NodePools: []PoolInfo{}, Error: s.Err}
	if s.Err != "" {
		return info
	}
	c := s.Cluster()
	info.Location, info.ResourceGroup, info.DNSPrefix = c.Location, c.ResourceGroup, c.DNSPrefix
	info.KubernetesVersion, info.SKUTier = c.KubernetesVersion, c.SKUTier
	info.Network = c.Network
	info.Labels = c.Labels
	info.ValuesFiles = slices.Clone(s.Files)
	for _, p := range c.NodePools {
		pi := PoolInfo{Name: p.Name, PoolValue: spec.PoolValue{Mode: p.Mode, VMSize: p.VMSize, OSType: p.OSType,
			KubernetesVersion: c.PoolVersion(p), Zones: slices.Clone(p.Zones), MaxPods: p.MaxPods,
			OSDiskType: p.OSDiskType, OSDiskSizeGB: p.OSDiskSizeGB}}
		if pi.OSType == "" {
			pi.OSType = "Linux"
		}
		if p.Autoscaled() {
			pi.Autoscale = &spec.Autoscale{Min: p.Min, Max: p.Max}
			info.Nodes.Min += deref(p.Min)
			info.Nodes.Max += deref(p.Max)
		} else {
			pi.Count = p.Count
			info.Nodes.Min += deref(p.Count)
			info.Nodes.Max += deref(p.Count)
		}
		info.NodePools = append(info.NodePools, pi)
	}
	return info
}

// ClusterInfo describes one cluster; an error when its folder is missing or cannot be read.
func (f *Fleet) ClusterInfo(name string) (ClusterInfo, error) {
	if err := spec.ValidateName(name); err != nil {
		return ClusterInfo{}, err
	}
	if st, err := fs.Stat(f.FS, f.ClusterDir(name)); err != nil || !st.IsDir() {
		known, _ := f.ClusterFolders()
		return ClusterInfo{}, &NotFoundError{Name: name, Dir: f.ClusterDir(name), Known: known}
	}
	s := f.Summary(name)
	if s.Err != "" {
		return ClusterInfo{}, errors.New(s.Err)
	}
	listed, err := f.ListedClusters()
	if err != nil {
		return ClusterInfo{}, err
	}
	return s.Info(listed[name]), nil
}

// Clusters summarises every cluster folder and every listed cluster, sorted by name. A cluster that
// cannot be read is an item with Error set and a warning; so is a listed folder that is missing, and
// a folder the list does not name is a warning.
func (f *Fleet) Clusters() (items []ClusterInfo, warnings []string, err error) {
	listed, err := f.ListedClusters()
	if err != nil {
		return nil, nil, err
	}
	folders, err := f.ClusterFolders()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", f.ClustersDir(), err)
	}
	summaries := f.Summaries(folders)
	items = make([]ClusterInfo, 0, len(folders))
	seen := make(map[string]bool, len(folders))
	for i, name := range folders {
		seen[name] = true
		if !listed[name] {
			warnings = append(warnings, fmt.Sprintf("%s is not listed in %s: Flux does not apply it", f.ClusterDir(name), f.ClustersKustomization()))
		}
		s := summaries[i]
		if s.Err != "" {
			warnings = append(warnings, s.Err)
		}
		items = append(items, s.Info(listed[name]))
	}
	for name := range listed {
		if !seen[name] {
			msg := fmt.Sprintf("%s lists %s but the folder is missing", f.ClustersKustomization(), name)
			items = append(items, ClusterInfo{Name: name, Path: f.ClusterDir(name), Listed: true, NodePools: []PoolInfo{}, Error: msg})
			warnings = append(warnings, msg)
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
	sort.Strings(warnings)
	return items, warnings, nil
}

// PoolVersions returns the distinct versions the cluster's pools run, oldest first.
func PoolVersions(c spec.Cluster) []string {
	var out []string
	for _, p := range c.NodePools {
		if v := c.PoolVersion(p); !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		va, _ := spec.ParseVersion(a)
		vb, _ := spec.ParseVersion(b)
		return va.Compare(vb)
	})
	return out
}
