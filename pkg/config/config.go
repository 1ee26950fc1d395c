// Package config holds the typed, versioned fleet configuration kept in a fleet repo's .fleetctl.yaml:
// the organisation's defaults for new clusters, paths, the chart reference, the branch prefix and the
// provider versions the repo targets. Loading with precedence (flags, environment) happens in the CLI
// layer; this package only knows the shape, the defaults and the strict file format.
package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/strictyaml"
	"github.com/fleetctl/fleetctl/pkg/support"
)

// APIVersion and Kind identify the config file format. A change of shape gets a new version.
const (
	APIVersion = "fleetctl.io/v1alpha1"
	Kind       = "FleetConfig"
	// FileName is the config file at the top of a fleet repo.
	FileName = ".fleetctl.yaml"
)

// Config is the whole .fleetctl.yaml.
type Config struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Defaults   Defaults  `json:"defaults"`
	Git        Git       `json:"git"`
	Chart      Chart     `json:"chart"`
	Paths      Paths     `json:"paths"`
	Providers  Providers `json:"providers"`
	Support    Support   `json:"support,omitempty"`
	Rollout    Rollout   `json:"rollout,omitempty"`
}

// Rollout is how fleet-wide changes (a selector instead of a cluster name) are split into waves
// when no flag says so.
type Rollout struct {
	// Waves is the default --waves: LABEL=VALUE,VALUE,... in order, e.g. ring=canary,early,broad.
	Waves string `json:"waves,omitempty"`
	// MaxPerWave is the default --max-per-wave: a wave with more clusters is split (0: no limit).
	MaxPerWave int `json:"maxPerWave,omitempty"`
}

// Defaults are the values a new cluster gets when a flag does not say otherwise.
type Defaults struct {
	Location          string          `json:"location"`
	KubernetesVersion string          `json:"kubernetesVersion"`
	Namespace         string          `json:"namespace"`
	NetworkPlugin     string          `json:"networkPlugin"`
	NetworkPolicy     string          `json:"networkPolicy,omitempty"`
	ServiceCIDR       string          `json:"serviceCidr"`
	SKUTier           string          `json:"skuTier"`
	CredentialsSecret string          `json:"credentialsSecret"`
	NodePools         []spec.NodePool `json:"nodePools"`
}

// Git holds the branch naming for the pull requests fleetctl prepares.
type Git struct {
	BranchPrefix string `json:"branchPrefix"`
	// BaseBranch is the branch new branches start from (and validate compares with); empty: the
	// remote's default branch (origin/HEAD), else main, else master.
	BaseBranch string `json:"baseBranch,omitempty"`
	// Push pushes the new branch after every write, as --push does.
	Push bool `json:"push"`
	// Remote is the remote a push goes to.
	Remote string `json:"remote"`
	// Provider says which forge the remote is (github, gitlab, azuredevops, gitea) when its host is
	// neither a known one nor in Hosts; FLEETCTL_GIT_PROVIDER sets it from the environment.
	Provider string `json:"provider"`
	// Hosts name the provider of self-hosted forges (GitHub Enterprise Server, GitLab, Azure
	// DevOps Server, Gitea, Forgejo) by host, or host:port.
	Hosts []ForgeHost `json:"hosts,omitempty"`
	// PR is what --pr gives every pull request unless a flag says otherwise.
	PR PRDefaults `json:"pr,omitempty"`
}

// ForgeHost is one entry of git.hosts: {host: git.example.com, provider: gitea}.
type ForgeHost struct {
	Host     string `json:"host"`
	Provider string `json:"provider"`
}

// PRDefaults are the labels, reviewers and draft state of the pull requests fleetctl opens.
type PRDefaults struct {
	Labels    []string `json:"labels,omitempty"`
	Reviewers []string `json:"reviewers,omitempty"`
	Draft     bool     `json:"draft,omitempty"`
}

// Providers of pull requests (git.provider, git.hosts).
var PRProviders = []string{"github", "gitlab", "azuredevops", "gitea"}

// Chart says where the cluster chart lives and how Flux finds it.
type Chart struct {
	// Path is the chart folder relative to the repo root, as HelmRelease spec.chart.spec.chart wants it.
	Path      string    `json:"path"`
	SourceRef SourceRef `json:"sourceRef"`
	Interval  string    `json:"interval"`
}

// SourceRef names the Flux source that holds the fleet repo.
type SourceRef struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// Paths are the repo layout. All are relative to the repo root, slash-separated.
type Paths struct {
	Clusters    string `json:"clusters"`
	Management  string `json:"management"`
	Infra       string `json:"infra"`
	FluxInstall string `json:"fluxInstall"`
	// Templates, when set, is a folder whose files override the embedded file templates of the same name.
	Templates string `json:"templates,omitempty"`
}

// Providers records the provider versions the repo's objects and schemas target: validate checks
// against the embedded CRDs of these versions (pkg/schema.For), and the chart's Cluster API objects
// against Contract.
type Providers struct {
	ClusterAPI string `json:"clusterAPI"`
	CAPZ       string `json:"capz"`
	ASO        string `json:"aso"`
	// Flux names the Flux release line whose controllers' CRDs the repo targets, e.g. v2.9.
	Flux string `json:"flux"`
	// Contract is the Cluster API contract (the cluster.x-k8s.io API version) the chart renders:
	// v1beta2 from CAPI v1.11 on, v1beta1 before. Empty means the one of ClusterAPI's version.
	Contract string `json:"contract,omitempty"`
}

// Module paths of the providers, as the schema bundle names them.
const (
	ClusterAPIModule = "sigs.k8s.io/cluster-api"
	CAPZModule       = "sigs.k8s.io/cluster-api-provider-azure"
	ASOModule        = "github.com/Azure/azure-service-operator/v2"
)

// Contracts are the Cluster API contracts fleetctl renders, oldest first.
var Contracts = []string{"v1beta1", "v1beta2"}

// SchemaPins maps each provider's module to its version, for pkg/schema.For.
func (p Providers) SchemaPins() map[string]string {
	return map[string]string{ClusterAPIModule: p.ClusterAPI, CAPZModule: p.CAPZ, ASOModule: p.ASO}
}

// CAPIContract returns the contract the fleet targets: Contract, or else the storage version of
// the pinned Cluster API (v1beta2 from v1.11, v1beta1 before; v1beta2 when no version is pinned).
func (p Providers) CAPIContract() string {
	if p.Contract != "" {
		return p.Contract
	}
	if v, ok := spec.ParseVersion(p.ClusterAPI); ok && v.Major == 1 && v.Minor < 11 {
		return "v1beta1"
	}
	return "v1beta2"
}

// validate checks the provider versions and the contract: each version is vX.Y.Z (Flux vX.Y or
// vX.Y.Z), the contract is one fleetctl renders, and CAPI serves it.
func (p Providers) validate() error {
	for _, f := range []struct{ field, v string }{
		{"providers.clusterAPI", p.ClusterAPI}, {"providers.capz", p.CAPZ}, {"providers.aso", p.ASO},
	} {
		if f.v == "" {
			continue
		}
		if _, ok := spec.ParseVersion(f.v); !ok {
			return fmt.Errorf("configuration: %s %q: must be v<major>.<minor>.<patch>, e.g. %s", f.field, f.v, defaultProviders()[f.field])
		}
	}
	if p.Flux != "" && !fluxLineRE.MatchString(p.Flux) {
		return fmt.Errorf("configuration: providers.flux %q: must be a Flux release line v<major>.<minor> or release v<major>.<minor>.<patch>, e.g. v2.9", p.Flux)
	}
	if p.Contract != "" && !slices.Contains(Contracts, p.Contract) {
		return fmt.Errorf("configuration: providers.contract %q: must be one of %s", p.Contract, strings.Join(Contracts, ", "))
	}
	if v, ok := spec.ParseVersion(p.ClusterAPI); ok && p.Contract == "v1beta2" && v.Major == 1 && v.Minor < 11 {
		return fmt.Errorf("configuration: providers.contract %q: Cluster API %s does not serve it (v1beta2 needs CAPI v1.11 or later)", p.Contract, p.ClusterAPI)
	}
	return nil
}

var fluxLineRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+(\.[0-9]+)?$`)

// defaultProviders names the default of each versioned providers field, for error messages.
func defaultProviders() map[string]string {
	p := Default().Providers
	return map[string]string{"providers.clusterAPI": p.ClusterAPI, "providers.capz": p.CAPZ, "providers.aso": p.ASO}
}

// PreviousProviders is the provider set before the current one: what fleets made before fleetctl
// moved to CAPI v1.14 target (their .fleetctl.yaml called the Flux 2.9 pins "v2.7" and named no
// contract: v1beta1, from the CAPI version). Its schemas stay embedded; `fleetctl providers upgrade` moves a fleet
// from it to Default().Providers.
func PreviousProviders() Providers {
	return Providers{ClusterAPI: "v1.10.10", CAPZ: "v1.21.0", ASO: "v2.13.0", Flux: "v2.7"}
}

// Support says which support table fleetctl checks Kubernetes versions, provider versions and VM
// sizes against (pkg/support): the embedded one unless VersionsFile replaces it.
type Support struct {
	// VersionsFile, when set, is a repo-relative file in the shape of the embedded table that
	// replaces it; the --versions-file flag overrides it.
	VersionsFile string `json:"versionsFile"`
	// VMSizes are VM sizes accepted beside the table's (sizes Azure offers that the table lacks).
	VMSizes []string `json:"vmSizes,omitempty"`
}

func intp(n int) *int { return &n }

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		APIVersion: APIVersion,
		Kind:       Kind,
		Defaults: Defaults{
			Location:          "westeurope",
			KubernetesVersion: support.Default().NewestGA(),
			Namespace:         "fleet-clusters",
			NetworkPlugin:     "azure",
			NetworkPolicy:     "calico",
			ServiceCIDR:       "10.0.0.0/16",
			SKUTier:           "Standard",
			CredentialsSecret: "aso-credentials",
			NodePools: []spec.NodePool{
				{Name: "system", Mode: "System", VMSize: "Standard_D4s_v5", OSType: "Linux", Count: intp(3), Zones: []string{"1", "2", "3"}},
				{Name: "work", Mode: "User", VMSize: "Standard_D8s_v5", OSType: "Linux", Min: intp(1), Max: intp(10), Zones: []string{"1", "2", "3"}},
			},
		},
		Git: Git{BranchPrefix: "fleetctl", Remote: "origin"},
		Chart: Chart{
			Path:      "./charts/aks-cluster",
			SourceRef: SourceRef{Kind: "GitRepository", Name: "flux-system", Namespace: "flux-system"},
			Interval:  "10m",
		},
		Paths: Paths{
			Clusters:    "capi/clusters",
			Management:  "clusters/management",
			Infra:       "./infra/base",
			FluxInstall: "./infra/flux-system",
		},
		Providers: Providers{
			ClusterAPI: "v1.14.2",
			CAPZ:       "v1.27.0",
			ASO:        "v2.18.0",
			Flux:       "v2.9",
			Contract:   "v1beta2",
		},
	}
}

// Decode reads a config file strictly: unknown fields, a wrong apiVersion or kind, and duplicate keys
// are errors naming the file.
func Decode(name string, data []byte) (Config, error) {
	var c Config
	if len(bytes.TrimSpace(data)) == 0 {
		return c, fmt.Errorf("%s: file is empty; expected apiVersion: %s and kind: %s", name, APIVersion, Kind)
	}
	if err := strictyaml.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("%s: %w", name, err)
	}
	if c.APIVersion != APIVersion || c.Kind != Kind {
		return c, fmt.Errorf("%s: apiVersion %q kind %q: must be apiVersion %s, kind %s", name, c.APIVersion, c.Kind, APIVersion, Kind)
	}
	return c, nil
}

// ToMap turns the config into the generic map viper layers precedence over.
func ToMap(c Config) (map[string]any, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	err = json.Unmarshal(b, &m)
	return m, err
}

// FromMap reads back what viper merged. Keys are matched case-insensitively because viper lower-cases
// them; unknown keys are errors.
func FromMap(m map[string]any) (Config, error) {
	var c Config
	b, err := json.Marshal(m)
	if err != nil {
		return c, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("configuration: %s", oneLine(err.Error()))
	}
	return c, nil
}

// Validate checks the values that fleetctl relies on before it uses them.
func (c Config) Validate() error {
	d := c.Defaults
	if d.KubernetesVersion != "" {
		if err := spec.ValidateVersion("defaults.kubernetesVersion", d.KubernetesVersion); err != nil {
			return fmt.Errorf("configuration: %w", err)
		}
	}
	if !spec.ClusterNameRE.MatchString(d.Namespace) || len(d.Namespace) > 63 {
		return fmt.Errorf("configuration: defaults.namespace %q: must be a DNS-1123 label", d.Namespace)
	}
	for _, p := range []struct{ field, v string }{
		{"paths.clusters", c.Paths.Clusters}, {"paths.management", c.Paths.Management},
		{"paths.infra", c.Paths.Infra}, {"paths.fluxInstall", c.Paths.FluxInstall}, {"chart.path", c.Chart.Path},
	} {
		if err := checkRelPath(p.field, p.v); err != nil {
			return err
		}
	}
	if c.Support.VersionsFile != "" {
		if err := checkRelPath("support.versionsFile", c.Support.VersionsFile); err != nil {
			return err
		}
	}
	for i, s := range c.Support.VMSizes {
		if !strings.HasPrefix(s, "Standard_") || strings.ContainsAny(s, " ,") {
			return fmt.Errorf("configuration: support.vmSizes[%d] %q: must be an Azure VM size such as Standard_D4s_v5", i, s)
		}
	}
	if c.Rollout.Waves != "" {
		if _, err := spec.ParseWaves("rollout.waves", c.Rollout.Waves); err != nil {
			return fmt.Errorf("configuration: %w", err)
		}
	}
	if c.Rollout.MaxPerWave < 0 {
		return fmt.Errorf("configuration: rollout.maxPerWave %d: must be 0 (no limit) or more", c.Rollout.MaxPerWave)
	}
	if c.Paths.Templates != "" {
		if err := checkRelPath("paths.templates", c.Paths.Templates); err != nil {
			return err
		}
	}
	known := func(p string) bool { return slices.Contains(PRProviders, p) }
	if c.Git.Provider != "" && !known(c.Git.Provider) {
		return fmt.Errorf("configuration: git.provider %q: must be one of %s", c.Git.Provider, strings.Join(PRProviders, ", "))
	}
	for i, h := range c.Git.Hosts {
		if h.Host == "" {
			return fmt.Errorf("configuration: git.hosts[%d].host: must name a host, e.g. git.example.com", i)
		}
		if !known(h.Provider) {
			return fmt.Errorf("configuration: git.hosts[%d] (%s): provider %q: must be one of %s", i, h.Host, h.Provider, strings.Join(PRProviders, ", "))
		}
	}
	if c.Git.Remote == "" {
		return fmt.Errorf("configuration: git.remote: must name a remote (default origin)")
	}
	if err := c.Providers.validate(); err != nil {
		return err
	}
	if c.Git.BranchPrefix == "" || strings.ContainsAny(c.Git.BranchPrefix, " ~^:?*[\\") {
		return fmt.Errorf("configuration: git.branchPrefix %q: must be a non-empty git ref component without spaces or ~^:?*[\\", c.Git.BranchPrefix)
	}
	return nil
}

func checkRelPath(field, p string) error {
	clean := path.Clean(strings.TrimPrefix(p, "./"))
	if p == "" || path.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(p, "\\") {
		return fmt.Errorf("configuration: %s %q: must be a relative slash path inside the repo", field, p)
	}
	return nil
}

// RepoPath turns a "./x/y" style path from the config into the repo-relative "x/y".
func RepoPath(p string) string {
	return path.Clean(strings.TrimPrefix(p, "./"))
}

// FluxPath turns a repo-relative path into the "./x/y" form Flux paths use.
func FluxPath(p string) string {
	return "./" + RepoPath(p)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
