// Package rules holds the checks of `fleetctl validate` that work on compact facts rather than on
// files: the AKS rules inside one cluster that the chart's values.schema.json cannot express, the
// rules across the clusters of a fleet, the scan for committed secrets, and the comparison of a
// cluster's values with the base revision. Every function is pure: no disk, no git.
package rules

import (
	"reflect"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// Cluster is the compact fact sheet of one cluster folder, built from its values.yaml.
type Cluster struct {
	// Name is the cluster's name as the fleet knows it (the folder name).
	Name string
	// Dir is the repo-relative cluster folder, e.g. capi/clusters/atlantic-aks.
	Dir string
	// ValuesFile is the repo-relative values file every finding about the cluster points at.
	ValuesFile string
	// Values are the cluster's values as written; an empty field means "not set here, the chart
	// default applies".
	Values spec.Values
	// Pos returns the 1-based position of a values path such as "nodePools.work.count", or 0, 0 when
	// the path is not in the file. May be nil.
	Pos func(path string) (line, col int)
	// Effective, when set, are the values the chart gets when they are not values.yaml alone (the
	// HelmRelease's spec.values merged over it); nil means values.yaml as written.
	Effective map[string]any
}

// RuleInfo describes one rule id this package emits (SARIF rule metadata and docs).
type RuleInfo struct {
	ID       string
	Severity validate.Severity
	Summary  string
}

// Rule ids. They are stable: SARIF consumers and suppressions key on them.
const (
	RuleAutoscaleMinAboveMax  = "aks/autoscale-min-above-max"
	RuleCIDRHostBits          = "aks/cidr-host-bits"
	RuleServiceCIDRSize       = "aks/service-cidr-size"
	RuleDNSServiceIPOutside   = "aks/dns-service-ip-outside-service-cidr"
	RuleDNSServiceIPReserved  = "aks/dns-service-ip-reserved"
	RuleServiceDNSPair        = "aks/service-cidr-dns-ip-pair"
	RulePodCIDROverlapService = "aks/pod-cidr-overlaps-service-cidr"
	RuleWindowsNeedsAzureCNI  = "aks/windows-needs-azure-cni"
	RulePoolObjectNameLength  = "aks/pool-object-name-too-long"
	RuleKubernetesVersion     = "aks/kubernetes-version-format"
	RulePoolVersionSkew       = "aks/pool-version-skew"

	RuleDuplicateName          = "fleet/duplicate-cluster-name"
	RuleDuplicateResourceGroup = "fleet/duplicate-resource-group"
	RuleDuplicateDNSPrefix     = "fleet/duplicate-dns-prefix"
	RuleCIDROverlap            = "fleet/cidr-overlap"
	RuleFolderNameMismatch     = "fleet/folder-name-mismatch"
	RuleListedMissing          = "fleet/listed-folder-missing"
	RuleFolderNotListed        = "fleet/folder-not-listed"
	RuleListedTwice            = "fleet/listed-twice"

	RuleSecretObject       = "secret/kubernetes-secret"
	RuleSecretClientSecret = "secret/azure-client-secret"
	RuleSecretPrivateKey   = "secret/private-key"
	RuleSecretConnString   = "secret/connection-string-key"
	RuleSecretSAS          = "secret/sas-token"
	RuleSecretKubeconfig   = "secret/kubeconfig-credential"

	RuleChangeImmutableCluster = "change/immutable-cluster-field"
	RuleChangeImmutablePool    = "change/immutable-pool-field"
	RuleChangeImmutableDefault = "change/immutable-field-default"
	RuleChangeRenamed          = "change/cluster-renamed"
	RuleChangeDowngrade        = "change/kubernetes-downgrade"
	RuleChangeMinorSkip        = "change/kubernetes-minor-skip"
	RuleChangeLastSystemGone   = "change/last-system-pool-removed"
	RuleChangeLastSystemToUser = "change/last-system-pool-to-user"
	RuleChangeSystemReplaced   = "change/system-pool-replaced"
)

// All describes every rule id this package emits.
var All = []RuleInfo{
	{RuleAutoscaleMinAboveMax, validate.Error, "Autoscale min must not be greater than max."},
	{RuleCIDRHostBits, validate.Error, "A CIDR must be written as its network address (10.0.0.0/16, not 10.0.0.1/16)."},
	{RuleServiceCIDRSize, validate.Error, "The service CIDR prefix length must be between /12 and /28."},
	{RuleDNSServiceIPOutside, validate.Error, "network.dnsServiceIP must be inside network.serviceCidr."},
	{RuleDNSServiceIPReserved, validate.Error, "network.dnsServiceIP must not be the first or second address of the service CIDR."},
	{RuleServiceDNSPair, validate.Warning, "network.serviceCidr and network.dnsServiceIP should be set together; the chart default of the other one may not fit."},
	{RulePodCIDROverlapService, validate.Error, "network.podCidr must not overlap network.serviceCidr."},
	{RuleWindowsNeedsAzureCNI, validate.Warning, "Windows node pools need network plugin azure (kubenet does not support them)."},
	{RulePoolObjectNameLength, validate.Error, "The object name <cluster>-<pool> of each node pool must be at most 63 characters."},
	{RuleKubernetesVersion, validate.Error, "kubernetesVersion must be v<major>.<minor>.<patch> without leading zeros."},
	{RulePoolVersionSkew, validate.Error, "A node pool's own kubernetesVersion is newer than the control plane's or more than two minor versions behind it."},

	{RuleDuplicateName, validate.Error, "Cluster names must be unique across the fleet (case-insensitive)."},
	{RuleDuplicateResourceGroup, validate.Error, "Each cluster owns its resource group: no two clusters may share one (case-insensitive)."},
	{RuleDuplicateDNSPrefix, validate.Warning, "DNS prefixes should be unique across the fleet (case-insensitive)."},
	{RuleCIDROverlap, validate.Warning, "Service and pod CIDRs of different clusters overlap; clusters that will be peered must not overlap."},
	{RuleFolderNameMismatch, validate.Warning, "A cluster folder should be named after the cluster (values name)."},
	{RuleListedMissing, validate.Error, "A cluster listed in capi/clusters/kustomization.yaml has no folder."},
	{RuleFolderNotListed, validate.Error, "A cluster folder is not listed in capi/clusters/kustomization.yaml, so Flux never applies it."},
	{RuleListedTwice, validate.Error, "A cluster is listed twice in capi/clusters/kustomization.yaml."},

	{RuleSecretObject, validate.Error, "A Kubernetes Secret with data or stringData is committed in plain text."},
	{RuleSecretClientSecret, validate.Error, "An Azure client secret is committed."},
	{RuleSecretPrivateKey, validate.Error, "A private key (-----BEGIN ... PRIVATE KEY-----) is committed."},
	{RuleSecretConnString, validate.Error, "An Azure connection string with an account or shared access key is committed."},
	{RuleSecretSAS, validate.Error, "An Azure SAS token (sig=) is committed."},
	{RuleSecretKubeconfig, validate.Error, "A kubeconfig with client-key-data, a token or a password is committed."},

	{RuleChangeImmutableCluster, validate.Error, "A cluster field AKS cannot change in place (location, resource group, DNS prefix, network) is changed."},
	{RuleChangeImmutablePool, validate.Error, "A node pool field AKS cannot change in place (VM size, OS, zones, max pods, OS disk) is changed."},
	{RuleChangeImmutableDefault, validate.Warning, "An immutable field goes from the chart default to an explicit value or back; AKS rejects it unless the values match."},
	{RuleChangeRenamed, validate.Error, "The cluster name is changed, which replaces the cluster."},
	{RuleChangeDowngrade, validate.Error, "kubernetesVersion is lowered; AKS does not downgrade."},
	{RuleChangeMinorSkip, validate.Error, "kubernetesVersion skips a minor version; AKS upgrades one minor version at a time."},
	{RuleChangeLastSystemGone, validate.Error, "The last System node pool is removed."},
	{RuleChangeLastSystemToUser, validate.Error, "The last System node pool is turned into a User pool."},
	{RuleChangeSystemReplaced, validate.Warning, "Every System pool is replaced by a new one in the same change; the old one may go before the new one is ready."},
}

var severityOf = func() map[string]validate.Severity {
	m := make(map[string]validate.Severity, len(All))
	for _, r := range All {
		m[r.ID] = r.Severity
	}
	return m
}()

// newFinding builds a finding with the rule's severity from All.
func newFinding(rule, file, field, msg, fix string) validate.Finding {
	return validate.Finding{Severity: severityOf[rule], Rule: rule, File: file, Field: field, Message: msg, Fix: fix}
}

// at is newFinding positioned at field in c's values file. When the field itself is not in the file
// (a default, a removed key), the nearest enclosing key that is gives the position.
func (c Cluster) at(rule, field, msg, fix string) validate.Finding {
	f := newFinding(rule, c.ValuesFile, field, msg, fix)
	f.Cluster = c.Name
	f.Line, f.Column = c.position(field)
	return f
}

func (c Cluster) position(field string) (int, int) {
	if c.Pos == nil {
		return 0, 0
	}
	for p := field; p != ""; {
		if l, col := c.Pos(p); l > 0 {
			return l, col
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0, 0
}

// empty reports a cluster without values: its file is empty or could not be decoded.
func (c Cluster) empty() bool { return reflect.ValueOf(c.Values).IsZero() }

// clusterName is the name the chart derives object names from: values.name, else the folder name.
func (c Cluster) clusterName() string {
	if c.Values.Name != "" {
		return c.Values.Name
	}
	return c.Name
}

// label names the cluster in messages about other clusters: its folder, else its name.
func (c Cluster) label() string {
	switch {
	case c.Dir != "":
		return c.Dir
	case c.Name != "":
		return c.Name
	}
	return c.ValuesFile
}

// dnsPrefix is the effective DNS prefix: the chart uses the cluster name when dnsPrefix is empty.
func (c Cluster) dnsPrefix() string {
	if c.Values.DNSPrefix != "" {
		return c.Values.DNSPrefix
	}
	return c.clusterName()
}

func (c Cluster) network() spec.NetworkValues {
	if c.Values.Network == nil {
		return spec.NetworkValues{}
	}
	return *c.Values.Network
}

func poolPath(pool, field string) string {
	if field == "" {
		return "nodePools." + pool
	}
	return "nodePools." + pool + "." + field
}
