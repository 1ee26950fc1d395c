package validate

// The registry of every rule fleetctl validate reports: its id, severity and what it checks. Rule
// ids are stable (SARIF consumers and suppressions key on them); the SARIF rule metadata and the
// rule table of docs/validate.md are generated from this list, and a test checks that every
// finding the engine can emit names a rule listed here with the severity it has here.

// Rule describes one rule.
type Rule struct {
	ID       string
	Severity Severity
	// Summary says in one sentence what the rule checks.
	Summary string
	// Write is true for a rule a write command (cluster add, nodepool add, ...) reports on the
	// clusters it changes, shown by pkg/cli's TestDryRunAndRealRunReportAlike on the validation
	// corpus, where its dry run and its real run report it alike. (A defect a write meets while
	// reading a cluster, such as values that do not parse, refuses the write before any check.)
	Write bool
}

// Rule ids.
const (
	RuleYAMLRead         = "yaml/read"
	RuleYAMLSyntax       = "yaml/syntax"
	RuleYAMLDuplicateKey = "yaml/duplicate-key"
	RuleYAMLNotAnObject  = "yaml/not-an-object"
	RuleYAMLMissingName  = "yaml/missing-name"
	RuleConfigInvalid    = "config/invalid"

	RuleKustomizeBuild      = "kustomize/build"
	RuleKustomizeDeprecated = "kustomize/deprecated"

	RuleFluxUnreferenced     = "flux/unreferenced"
	RuleFluxSourceNotLocal   = "flux/source-not-local"
	RuleFluxSource           = "flux/source"
	RuleFluxPathNotFound     = "flux/path-not-found"
	RuleFluxSubstitute       = "flux/substitute"
	RuleFluxSubstituteSource = "flux/substitute-source-not-local"
	RuleHelmNotRendered      = "helm/not-rendered"
	RuleToolMessage          = "tool/message"

	RuleSchemaDeprecatedVersion = "schema/deprecated-version"
	RuleSchemaRemovedVersion    = "schema/removed-version"
	RuleSchemaUnknownKind       = "schema/unknown-kind"

	RuleChartLoad     = "chart/load"
	RuleChartRender   = "chart/render"
	RuleChartShape    = "chart/shape"
	RuleValuesInvalid = "values/invalid"
	RuleValuesSchema  = "values/schema"

	RuleClusterList = "fleet/cluster-list"

	RuleChangeClusterUnlisted = "change/cluster-unlisted"
	RuleChangeClusterRemoved  = "change/cluster-removed"

	RuleAutoscaleMinAboveMax  = "aks/autoscale-min-above-max"
	RuleCIDRHostBits          = "aks/cidr-host-bits"
	RuleServiceCIDRSize       = "aks/service-cidr-size"
	RuleDNSServiceIPOutside   = "aks/dns-service-ip-outside-service-cidr"
	RuleDNSServiceIPReserved  = "aks/dns-service-ip-reserved"
	RuleServiceDNSPair        = "aks/service-cidr-dns-ip-pair"
	RulePodCIDROverlapService = "aks/pod-cidr-overlaps-service-cidr"
	RuleReservedCIDR          = "aks/reserved-cidr"
	RuleWindowsNeedsAzureCNI  = "aks/windows-needs-azure-cni"
	RulePoolObjectNameLength  = "aks/pool-object-name-too-long"
	RuleKubernetesVersion     = "aks/kubernetes-version-format"
	RulePoolVersionSkew       = "aks/pool-version-skew"
	RuleVersionSupportEnding  = "aks/kubernetes-version-support-ending"
	RuleVersionUnsupported    = "aks/kubernetes-version-unsupported"
	RuleVMSizeUnknown         = "aks/vm-size-unknown"
	RuleProviderEnding        = "providers/support-ending"
	RuleProviderUnsupported   = "providers/unsupported"
	RuleVersionChannel        = "aks/auto-upgrade-version-channel"
	RuleLTSNeedsPremium       = "aks/lts-needs-premium"

	RuleDuplicateName          = "fleet/duplicate-cluster-name"
	RuleDuplicateResourceGroup = "fleet/duplicate-resource-group"
	RuleDuplicateDNSPrefix     = "fleet/duplicate-dns-prefix"
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
	RuleSecretPattern      = "secret/credential-pattern"
	RuleSecretURLCreds     = "secret/url-credentials"
	RuleSecretPasswordKey  = "secret/password-field"
	RuleSecretSOPS         = "secret/sops-unencrypted"

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

// SchemaRule is the rule id of a schema violation of type typ (pkg/schema's FieldError.Type):
// "schema/unknown-field", "schema/enum", ...
func SchemaRule(typ string) string { return "schema/" + typ }

// Rules lists every rule, grouped as docs/validate.md shows them.
var Rules = []Rule{
	{RuleYAMLRead, Error, "A file of the repo cannot be read.", false},
	{RuleYAMLSyntax, Error, "A YAML file does not parse.", false},
	{RuleYAMLDuplicateKey, Error, "A YAML mapping sets the same key twice; strict decoders (the API server, Flux) reject it.", true},
	{RuleYAMLNotAnObject, Error, "A YAML document in a folder Flux applies has no apiVersion and kind.", false},
	{RuleYAMLMissingName, Error, "A Kubernetes object has no metadata.name.", true},
	{RuleConfigInvalid, Error, ".fleetctl.yaml is not a valid FleetConfig (apiVersion, kind, known keys only).", false},

	{RuleKustomizeBuild, Error, "A kustomization does not build as kustomize-controller builds it, or a cluster's valuesFrom does not follow its generated values ConfigMap.", true},
	{RuleKustomizeDeprecated, Warning, "A kustomization uses a field kustomize deprecates (patchesStrategicMerge, commonLabels, bases, vars, ...).", false},

	{RuleFluxUnreferenced, Info, "No Flux Kustomization applies a YAML file, so it is not checked as objects (a warning with --strict).", false},
	{RuleFluxSourceNotLocal, Info, "A Flux Kustomization's source is not this repository (another GitRepository, an OCIRepository, a Bucket), so it is not built offline.", false},
	{RuleFluxSource, Error, "An ArtifactGenerator's copy rules cannot lay out the artifact a Flux Kustomization builds from.", false},
	{RuleFluxPathNotFound, Error, "A Flux Kustomization's spec.path is not a folder of its source.", false},
	{RuleFluxSubstitute, Error, "postBuild substitution fails: a variable is not set and has no default (kustomize-controller substitutes strictly), a name is invalid, or the result is not YAML.", false},
	{RuleFluxSubstituteSource, Info, "A postBuild substituteFrom ConfigMap or Secret is not in the repository, so its variables are not checked offline.", false},
	{RuleToolMessage, Info, "kustomize or Helm printed a message while building or rendering (kustomize's deprecation warnings are kustomize/deprecated instead).", false},
	{RuleHelmNotRendered, Info, "A HelmRelease's chart (from a HelmRepository or OCIRepository) or values are not in the repository, so it is not rendered offline.", false},

	{SchemaRule("unknown-field"), Error, "An object has a field its CRD schema does not know; the API server rejects it.", true},
	{SchemaRule("required"), Error, "A field the CRD schema requires is missing.", false},
	{SchemaRule("enum"), Error, "A value is not one the CRD schema allows.", true},
	{SchemaRule("type"), Error, "A value has the wrong JSON type for its field.", false},
	{SchemaRule("format"), Error, "A value does not have its field's format (integer size, date-time, ...).", false},
	{SchemaRule("pattern"), Error, "A string does not match its field's pattern.", true},
	{SchemaRule("range"), Error, "A number is outside its field's minimum, maximum or multiple.", false},
	{SchemaRule("length"), Error, "A string is shorter or longer than its field allows.", false},
	{SchemaRule("items"), Error, "A list has fewer or more items than its field allows.", false},
	{SchemaRule("properties"), Error, "A mapping has fewer or more keys than its field allows.", false},
	{SchemaRule("unique"), Error, "A list that must hold unique items has duplicates.", false},
	{SchemaRule("duplicate"), Error, "A list-map or set holds the same key twice.", false},
	{SchemaRule("forbidden"), Error, "A field is set where the CRD schema forbids it.", false},
	{SchemaRule("invalid"), Error, "A value is invalid for its field.", false},
	{SchemaRule("cel"), Error, "An x-kubernetes-validations (CEL) rule of the CRD fails.", true},
	{SchemaRule("schema"), Error, "The CRD schema of a kind cannot be used to validate it.", false},
	{SchemaRule("internal"), Error, "The validator failed on an object.", false},
	{RuleSchemaDeprecatedVersion, Warning, "An object uses a deprecated API version of its CRD.", false},
	{RuleSchemaRemovedVersion, Error, "An object uses an API version that is no longer served; the finding names the current one.", true},
	{RuleSchemaUnknownKind, Warning, "No schema is known for a kind, so it is not validated (an error with --strict).", false},

	{RuleValuesInvalid, Error, "A cluster's values are not in the chart's values shape (unknown keys, wrong types).", false},
	{RuleValuesSchema, Error, "A cluster's values break the chart's values.schema.json.", true},
	{RuleChartLoad, Error, "The cluster chart cannot be loaded.", false},
	{RuleChartRender, Error, "The cluster chart does not render with a cluster's values.", false},
	{RuleChartShape, Error, "The rendered chart lacks an object fleetctl expects (a CAPI Cluster, a MachinePool per pool, ...).", true},

	{RuleAutoscaleMinAboveMax, Error, "Autoscale min must not be greater than max.", true},
	{RuleCIDRHostBits, Error, "A CIDR must be written as its network address (10.0.0.0/16, not 10.0.0.1/16).", false},
	{RuleServiceCIDRSize, Error, "The service CIDR prefix length must be between /12 and /28.", false},
	{RuleDNSServiceIPOutside, Error, "network.dnsServiceIP must be inside network.serviceCidr.", true},
	{RuleDNSServiceIPReserved, Error, "network.dnsServiceIP must not be the first or second address of the service CIDR.", false},
	{RuleServiceDNSPair, Warning, "network.serviceCidr and network.dnsServiceIP should be set together; the chart default of the other one may not fit.", false},
	{RulePodCIDROverlapService, Error, "network.podCidr must not overlap network.serviceCidr.", true},
	{RuleReservedCIDR, Error, "network.serviceCidr and network.podCidr must not overlap the ranges AKS reserves (169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, 192.0.2.0/24).", true},
	{RuleWindowsNeedsAzureCNI, Warning, "Windows node pools need network plugin azure (kubenet does not support them).", false},
	{RulePoolObjectNameLength, Error, "The object name <cluster>-<pool> of each node pool must be at most 63 characters.", false},
	{RuleKubernetesVersion, Error, "kubernetesVersion must be v<major>.<minor>.<patch> without leading zeros.", false},
	{RulePoolVersionSkew, Error, "A node pool's own kubernetesVersion is newer than the control plane's or more than two minor versions behind it.", false},
	{RuleVersionSupportEnding, Warning, "The cluster's or a node pool's Kubernetes minor leaves AKS standard support within 60 days (support table, see providers.md).", false},
	{RuleVersionUnsupported, Error, "The cluster's or a node pool's Kubernetes minor is out of AKS standard support, not yet GA, or not in the support table.", false},
	{RuleVMSizeUnknown, Error, "A node pool's vmSize is not in the table of known AKS VM sizes (extend it with support.vmSizes).", false},
	{RuleProviderEnding, Warning, "A provider .fleetctl.yaml pins (Cluster API, CAPZ, ASO, Flux) leaves support within 60 days (support table, see providers.md).", false},
	{RuleProviderUnsupported, Error, "A provider .fleetctl.yaml pins is past the end of support its project documents (support table, see providers.md).", false},
	{RuleVersionChannel, Error, "autoUpgradeChannel is patch, stable or rapid: AKS would upgrade the Kubernetes version behind CAPI, which owns it (use none or node-image, and fleetctl cluster upgrade).", true},
	{RuleLTSNeedsPremium, Error, "supportPlan AKSLongTermSupport (LTS) needs skuTier Premium.", true},

	{RuleDuplicateName, Error, "Cluster names must be unique across the fleet (case-insensitive).", false},
	{RuleDuplicateResourceGroup, Error, "Each cluster owns its resource group: no two clusters may share one (case-insensitive).", true},
	{RuleDuplicateDNSPrefix, Warning, "DNS prefixes should be unique across the fleet (case-insensitive).", true},
	{RuleFolderNameMismatch, Warning, "A cluster folder should be named after the cluster (values name).", false},
	{RuleListedMissing, Error, "A cluster listed in capi/clusters/kustomization.yaml has no folder.", true},
	{RuleFolderNotListed, Error, "A cluster folder is not listed in capi/clusters/kustomization.yaml, so Flux never applies it.", true},
	{RuleListedTwice, Error, "A cluster is listed twice in capi/clusters/kustomization.yaml.", false},

	{RuleSecretObject, Error, "A Kubernetes Secret with data or stringData is committed in plain text.", true},
	{RuleSecretClientSecret, Error, "An Azure client secret is committed.", true},
	{RuleSecretPrivateKey, Error, "A private key (-----BEGIN ... PRIVATE KEY-----) is committed.", false},
	{RuleSecretConnString, Error, "An Azure connection string with an account or shared access key is committed.", false},
	{RuleSecretSAS, Error, "An Azure SAS token (sig=) is committed.", false},
	{RuleSecretKubeconfig, Error, "A kubeconfig with client-key-data, a token or a password is committed.", false},
	{RuleSecretPattern, Error, "A value has the shape of a known credential (GitHub, GitLab, Slack, AWS, ... token; patterns from gitleaks).", false},
	{RuleSecretURLCreds, Error, "A URL carries a password (scheme://user:password@host).", false},
	{RuleSecretPasswordKey, Error, "A password-like key (password, token, secret, apiKey, ...) has a literal value instead of a reference or placeholder.", false},
	{RuleSecretSOPS, Error, "A file that .sops.yaml creation_rules say must be encrypted is committed without SOPS encryption.", false},

	{RuleChangeImmutableCluster, Error, "A cluster field AKS cannot change in place (location, resource group, DNS prefix, network) is changed.", false},
	{RuleChangeImmutablePool, Error, "A node pool field AKS cannot change in place (VM size, OS, zones, max pods, OS disk) is changed.", false},
	{RuleChangeImmutableDefault, Warning, "An immutable field goes from the chart default to an explicit value or back; AKS rejects it unless the values match.", false},
	{RuleChangeRenamed, Error, "The cluster name is changed, which replaces the cluster.", false},
	{RuleChangeDowngrade, Error, "kubernetesVersion is lowered; AKS does not downgrade.", false},
	{RuleChangeMinorSkip, Error, "kubernetesVersion skips a minor version; AKS upgrades one minor version at a time.", false},
	{RuleChangeLastSystemGone, Error, "The last System node pool is removed.", false},
	{RuleChangeLastSystemToUser, Error, "The last System node pool is turned into a User pool.", false},
	{RuleChangeSystemReplaced, Warning, "Every System pool is replaced by a new one in the same change; the old one may go before the new one is ready.", false},

	{RuleClusterList, Error, "The list of cluster folders (capi/clusters/kustomization.yaml) is missing or not a kustomization with resources.", false},
	{RuleChangeClusterUnlisted, Error, "A cluster is no longer listed while its folder is still there: Flux prunes it, which deletes the AKS cluster.", false},
	{RuleChangeClusterRemoved, Warning, "A cluster folder is removed: merging deletes the AKS cluster.", false},
}

var byID = func() map[string]Rule {
	m := make(map[string]Rule, len(Rules))
	for _, r := range Rules {
		m[r.ID] = r
	}
	return m
}()

// Lookup returns the rule with that id.
func Lookup(id string) (Rule, bool) {
	r, ok := byID[id]
	return r, ok
}

// SeverityOf is the registered severity of a rule (Error for an id that is not registered, which a
// test forbids).
func SeverityOf(id string) Severity {
	if r, ok := byID[id]; ok {
		return r.Severity
	}
	return Error
}
