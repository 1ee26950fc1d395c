package fleet

import (
	"slices"

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
	Listed            bool        `json:"listed"`
	Location          string      `json:"location,omitempty"`
	ResourceGroup     string      `json:"resourceGroup,omitempty"`
	DNSPrefix         string      `json:"dnsPrefix,omitempty"`
	KubernetesVersion string      `json:"kubernetesVersion,omitempty"`
	SKUTier           string      `json:"skuTier,omitempty"`
	Network           NetworkInfo `json:"network"`
	NodePools         []PoolInfo  `json:"nodePools"`
	// Nodes is the fleet's node count range: the sum of fixed counts plus autoscale bounds.
	Nodes NodeRange `json:"nodes"`
	// ValuesFiles are the files the values come from, highest precedence first.
	ValuesFiles []string `json:"valuesFiles,omitempty"`
	// Error is set, and the rest mostly empty, when the folder cannot be read.
	Error string `json:"error,omitempty"`
}

// NetworkInfo is a cluster's network.
type NetworkInfo struct {
	Plugin       string `json:"plugin,omitempty"`
	Policy       string `json:"policy,omitempty"`
	ServiceCIDR  string `json:"serviceCidr,omitempty"`
	DNSServiceIP string `json:"dnsServiceIP,omitempty"`
	PodCIDR      string `json:"podCidr,omitempty"`
	OutboundType string `json:"outboundType,omitempty"`
}

// PoolInfo is one node pool. KubernetesVersion is the version the pool runs (its own or the
// cluster's); Count is set for fixed pools, Autoscale for autoscaled ones.
type PoolInfo struct {
	Name              string     `json:"name"`
	Mode              string     `json:"mode"`
	VMSize            string     `json:"vmSize"`
	OSType            string     `json:"osType"`
	KubernetesVersion string     `json:"kubernetesVersion,omitempty"`
	Count             *int       `json:"count,omitempty"`
	Autoscale         *NodeRange `json:"autoscale,omitempty"`
	Zones             []string   `json:"zones,omitempty"`
	MaxPods           *int       `json:"maxPods,omitempty"`
	OSDiskType        string     `json:"osDiskType,omitempty"`
	OSDiskSizeGB      *int       `json:"osDiskSizeGB,omitempty"`
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

// Info returns the cluster's description; listed says whether the cluster list names it.
func (s *ClusterSource) Info(listed bool) ClusterInfo {
	c := s.Cluster
	n := c.Network
	info := ClusterInfo{
		Name: s.Name, Path: s.Dir, Listed: listed, Location: c.Location, ResourceGroup: c.ResourceGroup,
		DNSPrefix: c.DNSPrefix, KubernetesVersion: c.KubernetesVersion, SKUTier: c.SKUTier,
		Network: NetworkInfo{Plugin: n.Plugin, Policy: n.Policy, ServiceCIDR: n.ServiceCIDR,
			DNSServiceIP: n.DNSServiceIP, PodCIDR: n.PodCIDR, OutboundType: n.OutboundType},
		NodePools:   []PoolInfo{},
		ValuesFiles: s.Files(),
	}
	for _, p := range c.NodePools {
		pi := PoolInfo{Name: p.Name, Mode: p.Mode, VMSize: p.VMSize, OSType: p.OSType,
			KubernetesVersion: c.PoolVersion(p), Zones: slices.Clone(p.Zones), MaxPods: p.MaxPods,
			OSDiskType: p.OSDiskType, OSDiskSizeGB: p.OSDiskSizeGB}
		if pi.OSType == "" {
			pi.OSType = "Linux"
		}
		if p.Autoscaled() {
			pi.Autoscale = &NodeRange{Min: deref(p.Min), Max: deref(p.Max)}
			info.Nodes.Min += pi.Autoscale.Min
			info.Nodes.Max += pi.Autoscale.Max
		} else {
			pi.Count = p.Count
			info.Nodes.Min += deref(p.Count)
			info.Nodes.Max += deref(p.Count)
		}
		info.NodePools = append(info.NodePools, pi)
	}
	return info
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
