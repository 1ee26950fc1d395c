package spec

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Cluster is everything fleetctl needs to write one cluster folder. Field names follow the cluster
// chart's values (see templates/chart/aks-cluster/values.yaml).
type Cluster struct {
	Name              string
	Location          string
	ResourceGroup     string
	DNSPrefix         string
	KubernetesVersion string
	SKUTier           string
	Network           Network
	NodePools         []NodePool
	// CredentialsSecret names the Secret (made out of band) that ASO reads Azure credentials from.
	CredentialsSecret string
	Flux              Flux
	// Lifecycle (see lifecycle.go): empty leaves each to AKS.
	AutoUpgradeChannel   string
	NodeOSUpgradeChannel string
	SupportPlan          string
	// MaintenanceWindows are keyed by MaintenanceConfiguration name (WindowDefault, ...).
	MaintenanceWindows map[string]MaintenanceWindow
	// Labels go on the CAPI Cluster; selectors (-l) and waves read them.
	Labels map[string]string
}

// Flux says where the remote Kustomizations on the new cluster read from.
type Flux struct {
	SourceKind      string
	SourceName      string
	SourceNamespace string
	FluxPath        string
	InfraPath       string
	Interval        string
}

// Network holds the cluster's network choices. ServiceCIDR and PodCIDR go to the CAPI Cluster (CAPZ
// copies them to AKS); the rest goes to the managed cluster's network profile.
//
// It is the chart's values.network shape itself: the model and the values file hold the same
// fields.
type Network = NetworkValues

// NodePool is one AKS agent pool. Name is the Azure pool name; the Kubernetes objects are named
// "<cluster>-<pool>". Exactly one of Count or (Min, Max) is set.
type NodePool struct {
	Name         string   `json:"name"`
	Mode         string   `json:"mode,omitempty"`
	VMSize       string   `json:"vmSize,omitempty"`
	OSType       string   `json:"osType,omitempty"`
	Count        *int     `json:"count,omitempty"`
	Min          *int     `json:"min,omitempty"`
	Max          *int     `json:"max,omitempty"`
	Zones        []string `json:"zones,omitempty"`
	MaxPods      *int     `json:"maxPods,omitempty"`
	OSDiskType   string   `json:"osDiskType,omitempty"`
	OSDiskSizeGB *int     `json:"osDiskSizeGB,omitempty"`
	// KubernetesVersion is set only while the pool lags the control plane (after an upgrade of the
	// control plane alone); empty follows the cluster's version.
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// MaxSurge is the upgrade surge, a count ("1") or a percentage ("33%"); empty is AKS's default.
	MaxSurge string            `json:"maxSurge,omitempty"`
	Labels   map[string]string `json:"nodeLabels,omitempty"`
	Taints   []string          `json:"nodeTaints,omitempty"`
}

// Autoscaled reports whether the cluster autoscaler owns the pool's node count.
func (p NodePool) Autoscaled() bool { return p.Min != nil || p.Max != nil }

// Enumerations from AKS and the CAPZ webhooks.
var (
	Modes         = []string{"System", "User"}
	OSTypes       = []string{"Linux", "Windows"}
	OSDiskTypes   = []string{"Ephemeral", "Managed"}
	Plugins       = []string{"azure", "kubenet", "none"}
	Policies      = []string{"azure", "calico", "cilium"}
	OutboundTypes = []string{"loadBalancer", "managedNATGateway", "userAssignedNATGateway", "userDefinedRouting"}
	SKUTiers      = []string{"Free", "Standard", "Premium"}
	Zones         = []string{"1", "2", "3"}
)

// Rules as regular expressions, exported so help texts and docs quote the exact rule.
var (
	ClusterNameRE   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	DNSPrefixRE     = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]{0,52}[a-zA-Z0-9]$`)
	LinuxPoolRE     = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)
	WindowsPoolRE   = regexp.MustCompile(`^[a-z][a-z0-9]{0,5}$`)
	VersionRE       = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)
	LocationRE      = regexp.MustCompile(`^[a-z][a-z0-9]{1,39}$`)
	ResourceGroupRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9._]{0,88}[-a-z0-9_])?$`)
	VMSizeRE        = regexp.MustCompile(`^Standard_[A-Za-z0-9_]{1,60}$`)
	SubdomainRE     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	FluxPathRE      = regexp.MustCompile(`^\./[A-Za-z0-9_./-]*$`)
	DurationRE      = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`)
)

// Limits from AKS.
const (
	MaxClusterNameLen = 63
	MaxNodes          = 1000
	MinMaxPods        = 10
	MaxMaxPods        = 250
	MinOSDiskGB       = 30
	MaxOSDiskGB       = 2048
)

// ValidateName checks a cluster name on its own (used before anything else touches the repo, since the
// name becomes a folder and object names).
func ValidateName(name string) error {
	scope := ""
	switch {
	case name == "":
		return fieldErr(scope, "cluster name", name, "must not be empty")
	case len(name) > MaxClusterNameLen:
		return fieldErr(scope, "cluster name", name, fmt.Sprintf("must be at most %d characters (DNS-1123 label)", MaxClusterNameLen))
	case !ClusterNameRE.MatchString(name):
		return fieldErr(scope, "cluster name", name, "must be a DNS-1123 label: lower case letters, digits and '-', starting and ending with a letter or digit")
	case strings.Contains(name, "microsoft") || strings.Contains(name, "windows"):
		return fieldErr(scope, "cluster name", name, `must not contain "microsoft" or "windows" (reserved by AKS)`)
	}
	return nil
}

// ValidateVersion checks a Kubernetes version string: v<major>.<minor>.<patch>.
func ValidateVersion(field, v string) error {
	if !VersionRE.MatchString(v) {
		return fieldErr("", field, v, "must be v<major>.<minor>.<patch>, e.g. v1.37.2")
	}
	return nil
}

// Validate checks every field of the cluster against the AKS rules and returns the first broken rule as
// a one-line *FieldError. Defaults must have been applied first (see Complete).
func (c *Cluster) Validate() error {
	if err := ValidateName(c.Name); err != nil {
		return err
	}
	scope := fmt.Sprintf("cluster %q", c.Name)
	if !LocationRE.MatchString(c.Location) {
		return fieldErr(scope, "location", c.Location, "must be an Azure region name such as eastus or westeurope (lower case letters and digits)")
	}
	if !ResourceGroupRE.MatchString(c.ResourceGroup) {
		return fieldErr(scope, "resource group", c.ResourceGroup, "must be 1-90 lower case letters, digits, '-', '_' or '.', not ending with '.' (Azure resource group and Kubernetes object name)")
	}
	if !DNSPrefixRE.MatchString(c.DNSPrefix) {
		return fieldErr(scope, "dns prefix", c.DNSPrefix, "must match "+DNSPrefixRE.String()+" (2-54 letters, digits or '-')")
	}
	if !VersionRE.MatchString(c.KubernetesVersion) {
		return fieldErr(scope, "kubernetes version", c.KubernetesVersion, "must be v<major>.<minor>.<patch>, e.g. v1.37.2")
	}
	if err := oneOf(scope, "sku tier", c.SKUTier, SKUTiers, true); err != nil {
		return err
	}
	if err := c.Network.validate(scope); err != nil {
		return err
	}
	if err := c.ValidateLifecycle(scope); err != nil {
		return err
	}
	if err := ValidateLabels(scope, c.Labels); err != nil {
		return err
	}
	if len(c.CredentialsSecret) > 253 || !SubdomainRE.MatchString(c.CredentialsSecret) {
		return fieldErr(scope, "credentials secret", c.CredentialsSecret, "must be a Kubernetes Secret name (DNS-1123 subdomain)")
	}
	if err := c.Flux.validate(scope); err != nil {
		return err
	}
	if err := ValidatePools(scope, c.NodePools); err != nil {
		return err
	}
	for _, p := range c.NodePools {
		if p.KubernetesVersion != "" {
			if err := CheckPoolSkew(fmt.Sprintf("%s: node pool %q", scope, p.Name), p.KubernetesVersion, c.KubernetesVersion); err != nil {
				return err
			}
		}
	}
	return nil
}

// Pool returns the pool of that name.
func (c *Cluster) Pool(name string) (NodePool, bool) {
	for _, p := range c.NodePools {
		if p.Name == name {
			return p, true
		}
	}
	return NodePool{}, false
}

// PoolVersion is the Kubernetes version a pool runs: its own, or the cluster's.
func (c *Cluster) PoolVersion(p NodePool) string {
	if p.KubernetesVersion != "" {
		return p.KubernetesVersion
	}
	return c.KubernetesVersion
}

func (f Flux) validate(scope string) error {
	for _, p := range []struct{ field, v string }{{"flux path", f.FluxPath}, {"infra path", f.InfraPath}} {
		if !FluxPathRE.MatchString(p.v) || strings.Contains(p.v, "..") {
			return fieldErr(scope, p.field, p.v, "must be a path inside the repo starting with ./, e.g. ./infra/base")
		}
	}
	if !DurationRE.MatchString(f.Interval) {
		return fieldErr(scope, "flux interval", f.Interval, "must be a duration such as 10m or 1h30m")
	}
	if f.SourceKind == "" || f.SourceName == "" {
		return fieldErr(scope, "flux source", f.SourceKind+"/"+f.SourceName, "needs a kind and a name (chart.sourceRef in .fleetctl.yaml)")
	}
	return nil
}

func (n Network) validate(scope string) error {
	if err := oneOf(scope, "network plugin", n.Plugin, Plugins, false); err != nil {
		return err
	}
	if err := oneOf(scope, "network policy", n.Policy, Policies, true); err != nil {
		return err
	}
	if err := oneOf(scope, "outbound type", n.OutboundType, OutboundTypes, true); err != nil {
		return err
	}
	svc, err := ParseCIDR(scope, "service cidr", n.ServiceCIDR)
	if err != nil {
		return err
	}
	if svc.Bits() > 28 || svc.Bits() < 12 {
		return fieldErr(scope, "service cidr", n.ServiceCIDR, "prefix length must be between /12 and /28 (AKS)")
	}
	if r, ok := ReservedOverlap(svc); ok {
		return fieldErr(scope, "service cidr", n.ServiceCIDR, fmt.Sprintf("must not overlap %s, which AKS reserves", r))
	}
	dns, err := netip.ParseAddr(n.DNSServiceIP)
	if err != nil || !dns.Is4() {
		return fieldErr(scope, "dns service ip", n.DNSServiceIP, "must be an IPv4 address")
	}
	if !svc.Contains(dns) {
		return fieldErr(scope, "dns service ip", n.DNSServiceIP, fmt.Sprintf("must be inside the service cidr %s", svc))
	}
	if dns == svc.Addr() || dns == svc.Addr().Next() {
		return fieldErr(scope, "dns service ip", n.DNSServiceIP, fmt.Sprintf("must not be the first or second address of %s (reserved)", svc))
	}
	if n.PodCIDR != "" {
		pod, err := ParseCIDR(scope, "pod cidr", n.PodCIDR)
		if err != nil {
			return err
		}
		if pod.Overlaps(svc) {
			return fieldErr(scope, "pod cidr", n.PodCIDR, fmt.Sprintf("must not overlap the service cidr %s", svc))
		}
		if r, ok := ReservedOverlap(pod); ok {
			return fieldErr(scope, "pod cidr", n.PodCIDR, fmt.Sprintf("must not overlap %s, which AKS reserves", r))
		}
	}
	return nil
}

// ReservedCIDRs are the ranges AKS refuses for a cluster's service CIDR and pod CIDR (link-local,
// the ranges AKS keeps for its own components, and the documentation range), from the AKS
// networking docs ("Configure Azure CNI Overlay networking", "Use kubenet networking").
var ReservedCIDRs = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.30.0.0/16"),
	netip.MustParsePrefix("172.31.0.0/16"),
	netip.MustParsePrefix("192.0.2.0/24"),
}

// ReservedOverlap is the reserved range p overlaps, if any.
func ReservedOverlap(p netip.Prefix) (netip.Prefix, bool) {
	for _, r := range ReservedCIDRs {
		if p.Overlaps(r) {
			return r, true
		}
	}
	return netip.Prefix{}, false
}

// ParseCIDR parses an IPv4 CIDR that must be written in canonical form (10.0.0.0/16, not 10.0.0.1/16).
func ParseCIDR(scope, field, s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fieldErr(scope, field, s, "must be an IPv4 CIDR such as 10.0.0.0/16")
	}
	if p.Masked() != p {
		return netip.Prefix{}, fieldErr(scope, field, s, fmt.Sprintf("has host bits set; the network is %s", p.Masked()))
	}
	return p, nil
}

// DefaultDNSServiceIP is the tenth address of the service CIDR, as AKS picks for 10.0.0.0/16.
func DefaultDNSServiceIP(serviceCIDR string) (string, error) {
	p, err := ParseCIDR("", "service cidr", serviceCIDR)
	if err != nil {
		return "", err
	}
	a := p.Addr()
	for range 10 {
		a = a.Next()
	}
	if !p.Contains(a) {
		return "", fieldErr("", "service cidr", serviceCIDR, "is too small to hold a DNS service IP")
	}
	return a.String(), nil
}

// ValidatePools checks the node pools of one cluster: each pool on its own, unique names, and at least
// one System pool.
func ValidatePools(scope string, pools []NodePool) error {
	if len(pools) == 0 {
		return fieldErr(scope, "node pools", "", "at least one node pool is required")
	}
	seen := map[string]bool{}
	system := false
	for _, p := range pools {
		if err := p.Validate(scope); err != nil {
			return err
		}
		if seen[p.Name] {
			return fieldErr(scope, "node pool name", p.Name, "is given twice; pool names must be unique within a cluster")
		}
		seen[p.Name] = true
		system = system || p.Mode == "System"
	}
	if !system {
		return fieldErr(scope, "node pools", poolNames(pools), "a cluster needs at least one pool with mode=System")
	}
	return nil
}

func poolNames(pools []NodePool) string {
	names := make([]string, len(pools))
	for i, p := range pools {
		names[i] = p.Name
	}
	return strings.Join(names, ",")
}

// Validate checks one node pool against the AKS rules.
func (p NodePool) Validate(clusterScope string) error {
	scope := fmt.Sprintf("node pool %q", p.Name)
	if clusterScope != "" {
		scope = clusterScope + ": " + scope
	}
	if err := oneOf(scope, "os", p.OSType, OSTypes, true); err != nil {
		return err
	}
	if p.OSType == "Windows" {
		if !WindowsPoolRE.MatchString(p.Name) {
			return fieldErr(scope, "name", p.Name, "must match "+WindowsPoolRE.String()+" (AKS Windows pools: at most 6 characters)")
		}
	} else if !LinuxPoolRE.MatchString(p.Name) {
		return fieldErr(scope, "name", p.Name, "must match "+LinuxPoolRE.String()+" (AKS Linux pools)")
	}
	if err := oneOf(scope, "mode", p.Mode, Modes, false); err != nil {
		return err
	}
	if p.Mode == "System" && p.OSType == "Windows" {
		return fieldErr(scope, "os", p.OSType, "a System pool must run Linux")
	}
	if !VMSizeRE.MatchString(p.VMSize) {
		return fieldErr(scope, "vm-size", p.VMSize, "must be an Azure VM size such as Standard_D4s_v5")
	}
	lo := 0
	if p.Mode == "System" {
		lo = 1
	}
	switch {
	case p.Autoscaled():
		if p.Count != nil {
			return fieldErr(scope, "count", strconv.Itoa(*p.Count), "must not be set with min/max: the autoscaler owns the count of an autoscaled pool")
		}
		if p.Min == nil || p.Max == nil {
			return fieldErr(scope, "min/max", fmtOpt(p.Min)+"/"+fmtOpt(p.Max), "autoscaling needs both min and max")
		}
		if err := inRange(scope, "min", *p.Min, lo, MaxNodes, p.Mode); err != nil {
			return err
		}
		if err := inRange(scope, "max", *p.Max, lo, MaxNodes, p.Mode); err != nil {
			return err
		}
		if *p.Min > *p.Max {
			return fieldErr(scope, "min", strconv.Itoa(*p.Min), fmt.Sprintf("must not be greater than max (%d)", *p.Max))
		}
	case p.Count == nil:
		return fieldErr(scope, "count", "", "is required (or min and max for autoscaling)")
	default:
		if err := inRange(scope, "count", *p.Count, lo, MaxNodes, p.Mode); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, z := range p.Zones {
		if err := oneOf(scope, "zones", z, Zones, false); err != nil {
			return err
		}
		if seen[z] {
			return fieldErr(scope, "zones", z, "is given twice")
		}
		seen[z] = true
	}
	if p.MaxPods != nil && (*p.MaxPods < MinMaxPods || *p.MaxPods > MaxMaxPods) {
		return fieldErr(scope, "max-pods", strconv.Itoa(*p.MaxPods), fmt.Sprintf("must be between %d and %d", MinMaxPods, MaxMaxPods))
	}
	if err := oneOf(scope, "os-disk-type", p.OSDiskType, OSDiskTypes, true); err != nil {
		return err
	}
	if p.OSDiskSizeGB != nil && (*p.OSDiskSizeGB < MinOSDiskGB || *p.OSDiskSizeGB > MaxOSDiskGB) {
		return fieldErr(scope, "os-disk-size-gb", strconv.Itoa(*p.OSDiskSizeGB), fmt.Sprintf("must be between %d and %d", MinOSDiskGB, MaxOSDiskGB))
	}
	return p.validateLifecycle(scope)
}

func inRange(scope, field string, v, lo, hi int, mode string) error {
	if v < lo || v > hi {
		return fieldErr(scope, field, strconv.Itoa(v), fmt.Sprintf("must be between %d and %d for a %s pool", lo, hi, mode))
	}
	return nil
}

func fmtOpt(p *int) string {
	if p == nil {
		return "unset"
	}
	return strconv.Itoa(*p)
}

func oneOf(scope, field, v string, allowed []string, optional bool) error {
	if v == "" && optional {
		return nil
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fieldErr(scope, field, v, "must be one of "+strings.Join(allowed, "|"))
}
