package spec

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/strictyaml"
)

// Values is the cluster chart's values shape (charts/aks-cluster/values.yaml). fleetctl reads a
// user's --values file into it strictly, so a key the chart does not know is an error, not a silent
// no-op.
type Values struct {
	Name              string               `json:"name,omitempty"`
	Labels            map[string]string    `json:"labels,omitempty"`
	Location          string               `json:"location,omitempty"`
	ResourceGroup     string               `json:"resourceGroup,omitempty"`
	DNSPrefix         string               `json:"dnsPrefix,omitempty"`
	KubernetesVersion string               `json:"kubernetesVersion,omitempty"`
	SKUTier           string               `json:"skuTier,omitempty"`
	Network           *NetworkValues       `json:"network,omitempty"`
	Credentials       *CredentialsValues   `json:"credentials,omitempty"`
	Flux              *FluxValues          `json:"flux,omitempty"`
	NodePools         map[string]PoolValue `json:"nodePools,omitempty"`
	// Lifecycle.
	AutoUpgradeChannel   string                       `json:"autoUpgradeChannel,omitempty"`
	NodeOSUpgradeChannel string                       `json:"nodeOSUpgradeChannel,omitempty"`
	SupportPlan          string                       `json:"supportPlan,omitempty"`
	MaintenanceWindows   map[string]MaintenanceWindow `json:"maintenanceWindows,omitempty"`
}

// NetworkValues is values.network.
type NetworkValues struct {
	Plugin       string `json:"plugin,omitempty"`
	Policy       string `json:"policy,omitempty"`
	ServiceCIDR  string `json:"serviceCidr,omitempty"`
	DNSServiceIP string `json:"dnsServiceIP,omitempty"`
	PodCIDR      string `json:"podCidr,omitempty"`
	OutboundType string `json:"outboundType,omitempty"`
}

// CredentialsValues is values.credentials: only the name of a Secret made out of band.
type CredentialsValues struct {
	SecretName string `json:"secretName,omitempty"`
}

// FluxValues is values.flux: how the remote Kustomizations find their source and paths.
type FluxValues struct {
	SourceRef *SourceRefValues `json:"sourceRef,omitempty"`
	FluxPath  string           `json:"fluxPath,omitempty"`
	InfraPath string           `json:"infraPath,omitempty"`
	Interval  string           `json:"interval,omitempty"`
}

// SourceRefValues names a Flux source.
type SourceRefValues struct {
	Kind      string `json:"kind,omitempty"`
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

// PoolValue is one entry of values.nodePools (the key is the pool name).
type PoolValue struct {
	Mode         string     `json:"mode,omitempty"`
	VMSize       string     `json:"vmSize,omitempty"`
	OSType       string     `json:"osType,omitempty"`
	Count        *int       `json:"count,omitempty"`
	Zones        []string   `json:"zones,omitempty"`
	MaxPods      *int       `json:"maxPods,omitempty"`
	OSDiskType   string     `json:"osDiskType,omitempty"`
	OSDiskSizeGB *int       `json:"osDiskSizeGB,omitempty"`
	Autoscale    *Autoscale `json:"autoscale,omitempty"`
	// KubernetesVersion is the pool's own version while it lags the cluster's.
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// Lifecycle: upgrade surge, node labels and taints.
	MaxSurge   string            `json:"maxSurge,omitempty"`
	NodeLabels map[string]string `json:"nodeLabels,omitempty"`
	NodeTaints []string          `json:"nodeTaints,omitempty"`
}

// Autoscale is a pool's autoscaler bounds.
type Autoscale struct {
	Min *int `json:"min,omitempty"`
	Max *int `json:"max,omitempty"`
}

// DecodeValues reads a values file strictly. name is used in error messages.
func DecodeValues(name string, data []byte) (Values, error) {
	var v Values
	if len(bytes.TrimSpace(data)) == 0 {
		return v, nil
	}
	if err := strictyaml.Unmarshal(data, &v); err != nil {
		if strings.Contains(err.Error(), "unknown field") {
			return v, fmt.Errorf("%s: %w (keys must be ones the cluster chart knows)", name, err)
		}
		return v, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}

// Overlay sets on c every field v sets. Pools in v are merged into c's pools by name (added when new).
func (c *Cluster) Overlay(v Values) {
	set := func(dst *string, src string) {
		if src != "" {
			*dst = src
		}
	}
	set(&c.Name, v.Name)
	set(&c.Location, v.Location)
	set(&c.ResourceGroup, v.ResourceGroup)
	set(&c.DNSPrefix, v.DNSPrefix)
	set(&c.KubernetesVersion, v.KubernetesVersion)
	set(&c.SKUTier, v.SKUTier)
	set(&c.AutoUpgradeChannel, v.AutoUpgradeChannel)
	set(&c.NodeOSUpgradeChannel, v.NodeOSUpgradeChannel)
	set(&c.SupportPlan, v.SupportPlan)
	for k, val := range v.Labels {
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		c.Labels[k] = val
	}
	for name, w := range v.MaintenanceWindows {
		if c.MaintenanceWindows == nil {
			c.MaintenanceWindows = map[string]MaintenanceWindow{}
		}
		c.MaintenanceWindows[name] = w
	}
	if n := v.Network; n != nil {
		set(&c.Network.Plugin, n.Plugin)
		set(&c.Network.Policy, n.Policy)
		set(&c.Network.ServiceCIDR, n.ServiceCIDR)
		set(&c.Network.DNSServiceIP, n.DNSServiceIP)
		set(&c.Network.PodCIDR, n.PodCIDR)
		set(&c.Network.OutboundType, n.OutboundType)
	}
	if v.Credentials != nil {
		set(&c.CredentialsSecret, v.Credentials.SecretName)
	}
	if f := v.Flux; f != nil {
		set(&c.Flux.FluxPath, f.FluxPath)
		set(&c.Flux.InfraPath, f.InfraPath)
		set(&c.Flux.Interval, f.Interval)
		if s := f.SourceRef; s != nil {
			set(&c.Flux.SourceKind, s.Kind)
			set(&c.Flux.SourceName, s.Name)
			set(&c.Flux.SourceNamespace, s.Namespace)
		}
	}
	names := make([]string, 0, len(v.NodePools))
	for name := range v.NodePools {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		pv := v.NodePools[name]
		p := NodePool{Name: name, Mode: pv.Mode, VMSize: pv.VMSize, OSType: pv.OSType, Count: pv.Count,
			Zones: pv.Zones, MaxPods: pv.MaxPods, OSDiskType: pv.OSDiskType, OSDiskSizeGB: pv.OSDiskSizeGB,
			KubernetesVersion: pv.KubernetesVersion, MaxSurge: pv.MaxSurge, Labels: pv.NodeLabels, Taints: pv.NodeTaints}
		if pv.Autoscale != nil {
			p.Min, p.Max = pv.Autoscale.Min, pv.Autoscale.Max
		}
		c.SetPool(p)
	}
}

// SetPool merges p into the pool of the same name (p's set fields win) or appends it.
func (c *Cluster) SetPool(p NodePool) {
	for i, old := range c.NodePools {
		if old.Name == p.Name {
			c.NodePools[i] = p.MergeDefaults(old)
			return
		}
	}
	c.NodePools = append(c.NodePools, p)
}
