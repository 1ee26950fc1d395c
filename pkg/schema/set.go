package schema

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	k8sschema "k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/fleetctl/fleetctl/pkg/schemabundle"
)

//go:embed bundle/*.json
var bundleFS embed.FS

// Set is a collection of CRD schemas, keyed by group and kind. Lookup is safe for concurrent use;
// AddDir may be called at any time but is meant for setup, before validation starts.
type Set struct {
	mu      sync.RWMutex
	kinds   map[groupKind]*kindEntry
	sources []string
}

type groupKind struct{ group, kind string }

// kindEntry is one CRD: a group and kind with its versions.
type kindEntry struct {
	group, kind, plural string
	namespaced          bool
	source              string
	versions            []*Validator // in the CRD's order
}

// bundled is one embedded bundle file, parsed on first use. Every Set made from it shares its
// (lazily built, read-only) validators.
type bundled struct {
	name, module, version string

	once    sync.Once
	kinds   map[groupKind]*kindEntry
	source  string
	loadErr error
}

var (
	bundleOnce  sync.Once
	bundleFiles []*bundled // sorted by module path, then version
	bundleErr   error
)

// embedded lists the bundle files by module and version (read from the names, nothing parsed).
func embedded() ([]*bundled, error) {
	bundleOnce.Do(func() {
		names, err := bundleFS.ReadDir("bundle")
		if err != nil {
			bundleErr = err
			return
		}
		for _, n := range names {
			if n.IsDir() || path.Ext(n.Name()) != ".json" {
				continue
			}
			stem := strings.TrimSuffix(n.Name(), ".json")
			i := strings.LastIndex(stem, "@")
			if i < 0 {
				bundleErr = fmt.Errorf("schema bundle %s: name is not MODULE@VERSION.json", n.Name())
				return
			}
			bundleFiles = append(bundleFiles, &bundled{name: n.Name(), module: strings.ReplaceAll(stem[:i], "_", "/"), version: stem[i+1:]})
		}
		slices.SortFunc(bundleFiles, func(a, b *bundled) int {
			if c := strings.Compare(a.module, b.module); c != 0 {
				return c
			}
			return compareVersions(a.version, b.version)
		})
	})
	return bundleFiles, bundleErr
}

func (b *bundled) load() (map[groupKind]*kindEntry, string, error) {
	b.once.Do(func() {
		b.kinds, b.source, b.loadErr = loadBundleFile(bundleFS, b.name)
	})
	return b.kinds, b.source, b.loadErr
}

// Embedded returns, for each module the bundle holds schemas of, the versions embedded, oldest
// first.
func Embedded() (map[string][]string, error) {
	files, err := embedded()
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, f := range files {
		out[f.module] = append(out[f.module], f.version)
	}
	return out, nil
}

// Default returns a new Set holding the embedded bundle of the newest version of every module: the
// current provider set. AddDir on one Set does not affect the others.
func Default() (*Set, error) { return For(nil) }

// For returns a new Set holding, for each module of the embedded bundle, the version pins names
// (module path to version): the exact version when it is embedded, else the newest embedded patch of
// the same minor. A module pins does not name gets its newest embedded version. A pinned version
// with no embedded schemas of its minor is an error that lists the embedded ones; a pin of a module
// the bundle does not know is ignored (it has no CRDs to check against).
func For(pins map[string]string) (*Set, error) {
	files, err := embedded()
	if err != nil {
		return nil, err
	}
	chosen := map[string]*bundled{}
	for _, f := range files {
		want, pinned := pins[f.module]
		switch {
		case !pinned || want == "":
			chosen[f.module] = f // files are sorted oldest first: the newest wins
		case f.version == want:
			chosen[f.module] = f
		case sameMinor(f.version, want) && (chosen[f.module] == nil || chosen[f.module].version != want):
			chosen[f.module] = f
		}
	}
	for module, want := range pins {
		if want == "" || chosen[module] != nil {
			continue
		}
		var have []string
		for _, f := range files {
			if f.module == module {
				have = append(have, f.version)
			}
		}
		if len(have) > 0 {
			return nil, fmt.Errorf("%s %s: no schemas of that minor version are embedded (embedded: %s); pin one of those or add the CRDs with --schema-dir", module, want, strings.Join(have, ", "))
		}
	}
	set := &Set{kinds: map[groupKind]*kindEntry{}}
	for _, f := range files { // in file order, so Sources is stable
		if chosen[f.module] != f {
			continue
		}
		kinds, source, err := f.load()
		if err != nil {
			return nil, err
		}
		for k, e := range kinds {
			if old, ok := set.kinds[k]; ok {
				return nil, fmt.Errorf("schema bundle %s: %s %s is also in %s", f.name, e.group, e.kind, old.source)
			}
			set.kinds[k] = e
		}
		set.sources = append(set.sources, source)
	}
	return set, nil
}

// sameMinor reports whether two vMAJOR.MINOR[.PATCH] versions share major and minor.
func sameMinor(a, b string) bool {
	ma, mb := majorMinor(a), majorMinor(b)
	return ma != "" && ma == mb
}

func majorMinor(v string) string {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return ""
	}
	return parts[0] + "." + parts[1]
}

// compareVersions orders vMAJOR.MINOR.PATCH versions numerically, falling back to the strings.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(strings.TrimPrefix(a, "v"), "."), strings.Split(strings.TrimPrefix(b, "v"), ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		if ea != nil || eb != nil {
			if c := strings.Compare(pa[i], pb[i]); c != 0 {
				return c
			}
			continue
		}
		if na != nb {
			return cmp.Compare(na, nb)
		}
	}
	return cmp.Compare(len(pa), len(pb))
}

// loadBundleFile parses one bundle file. A kind defined twice in it is an error.
func loadBundleFile(fsys embed.FS, name string) (map[groupKind]*kindEntry, string, error) {
	b, err := fsys.ReadFile("bundle/" + name)
	if err != nil {
		return nil, "", err
	}
	var f schemabundle.File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, "", fmt.Errorf("schema bundle %s: %w", name, err)
	}
	if f.Source == "" {
		f.Source = strings.TrimSuffix(name, ".json")
	}
	kinds := map[groupKind]*kindEntry{}
	for i := range f.CRDs {
		e, err := entryFromBundle(&f.CRDs[i], f.Source)
		if err != nil {
			return nil, "", fmt.Errorf("schema bundle %s: %w", name, err)
		}
		k := groupKind{e.group, e.kind}
		if _, ok := kinds[k]; ok {
			return nil, "", fmt.Errorf("schema bundle %s: %s %s is defined twice", name, e.group, e.kind)
		}
		kinds[k] = e
	}
	return kinds, f.Source, nil
}

func entryFromBundle(c *schemabundle.CRD, source string) (*kindEntry, error) {
	s := &c.Spec
	if s.Group == "" || s.Names.Kind == "" {
		return nil, errors.New("CRD without group or kind")
	}
	e := &kindEntry{group: s.Group, kind: s.Names.Kind, plural: s.Names.Plural,
		namespaced: s.Scope != "Cluster", source: source}
	for _, v := range s.Versions {
		var raw json.RawMessage
		if v.Schema != nil {
			raw = v.Schema.OpenAPIV3Schema
		}
		e.versions = append(e.versions, newValidator(e, v.Name, v.Served, v.Storage, v.Deprecated, v.DeprecationWarning, raw))
	}
	return e, nil
}

// Sources lists where the schemas come from: the module@version of each bundle file, then each
// folder added with AddDir, in the order added.
func (s *Set) Sources() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.sources)
}

// AddDir reads the CustomResourceDefinitions (apiextensions.k8s.io/v1) in the YAML and JSON files
// of dir (not its subfolders; multi-document YAML is fine, other objects are skipped) and adds
// them to the set. A CRD for a group and kind the set already has replaces it, every version.
// Each schema must be structural, as the API server requires.
func (s *Set) AddDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	added := map[groupKind]*kindEntry{}
	for _, de := range entries {
		ext := strings.ToLower(filepath.Ext(de.Name()))
		if de.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		file := filepath.Join(dir, de.Name())
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		crds, err := ReadCRDs(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		for _, crd := range crds {
			e, err := entryFromCRD(crd, dir)
			if err != nil {
				return fmt.Errorf("%s: CRD %s: %w", file, crd.Name, err)
			}
			k := groupKind{e.group, e.kind}
			if _, dup := added[k]; dup {
				return fmt.Errorf("%s: a second CRD for %s %s", file, e.group, e.kind)
			}
			added[k] = e
		}
	}
	if len(added) == 0 {
		return fmt.Errorf("no apiextensions.k8s.io/v1 CustomResourceDefinition in %s", dir)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kinds == nil {
		s.kinds = map[groupKind]*kindEntry{}
	}
	maps.Copy(s.kinds, added)
	s.sources = append(s.sources, dir)
	return nil
}

// ReadCRDs decodes every apiextensions.k8s.io/v1 CustomResourceDefinition in a YAML (possibly
// multi-document) or JSON stream, skipping other objects. The bundle generator reads CRDs with it too.
func ReadCRDs(r io.Reader) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	var out []*apiextensionsv1.CustomResourceDefinition
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		var head struct{ APIVersion, Kind string }
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) || json.Unmarshal(raw, &head) != nil || head.Kind != "CustomResourceDefinition" {
			continue
		}
		if head.APIVersion != "apiextensions.k8s.io/v1" {
			return nil, fmt.Errorf("CustomResourceDefinition with apiVersion %q: only apiextensions.k8s.io/v1 is supported", head.APIVersion)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := json.Unmarshal(raw, crd); err != nil {
			return nil, err
		}
		out = append(out, crd)
	}
}

func entryFromCRD(crd *apiextensionsv1.CustomResourceDefinition, source string) (*kindEntry, error) {
	sp := crd.Spec
	if sp.Group == "" || sp.Names.Kind == "" {
		return nil, errors.New("no spec.group or spec.names.kind")
	}
	e := &kindEntry{group: sp.Group, kind: sp.Names.Kind, plural: sp.Names.Plural,
		namespaced: sp.Scope != apiextensionsv1.ClusterScoped, source: source}
	for _, v := range sp.Versions {
		var raw json.RawMessage
		if v.Schema != nil && v.Schema.OpenAPIV3Schema != nil {
			b, err := json.Marshal(v.Schema.OpenAPIV3Schema)
			if err != nil {
				return nil, err
			}
			raw = b
		}
		val := newValidator(e, v.Name, v.Served, v.Storage, v.Deprecated, v.DeprecationWarning, raw)
		if v.Served {
			if err := checkStructural(raw); err != nil {
				return nil, fmt.Errorf("version %s: %w", v.Name, err)
			}
		}
		e.versions = append(e.versions, val)
	}
	if len(e.versions) == 0 {
		return nil, errors.New("no spec.versions")
	}
	return e, nil
}

// Status says what Lookup found.
type Status int

const (
	// Unknown: no CRD for the group and kind (a typo, a built-in kind, or a CRD the set lacks).
	Unknown Status = iota
	// Found: the version is served; Lookup.Validator validates the object.
	Found
	// NotServed: the CRD exists but does not serve this version (listed with served: false, or
	// not listed at all).
	NotServed
	// Removed: a well-known version that upstream removed from its CRDs (e.g.
	// helm.toolkit.fluxcd.io/v2beta1).
	Removed
)

func (s Status) String() string {
	switch s {
	case Found:
		return "found"
	case NotServed:
		return "not-served"
	case Removed:
		return "removed"
	default:
		return "unknown"
	}
}

// Lookup is the answer of Set.Lookup.
type Lookup struct {
	Status     Status
	APIVersion string
	Kind       string
	// Validator is set when Status is Found.
	Validator *Validator
	// Replacement is the apiVersion to use instead, for NotServed and Removed: the removed-version
	// table's target when the CRD serves it, else the CRD's storage version, else its first served
	// version. Empty when the CRD serves no version at all.
	Replacement string
	// Deprecated is set for a served version the CRD marks deprecated; Warning is then the
	// warning the API server returns.
	Deprecated bool
	Warning    string
	// Source is where the CRD comes from (module@version, or a --schema-dir folder).
	Source string
	// listed is set when the CRD lists the version (as not served).
	listed bool
}

// Message describes the result in one line, for findings: empty for Found unless deprecated.
func (l Lookup) Message() string {
	gvk := l.APIVersion + " " + l.Kind
	switch l.Status {
	case Found:
		return l.Warning
	case Unknown:
		return fmt.Sprintf("no schema for %s", gvk)
	}
	var b strings.Builder
	if l.Status == Removed || l.listed {
		b.WriteString(gvk + " is no longer served")
	} else {
		b.WriteString(gvk + " is not a served version")
	}
	if l.Replacement != "" {
		b.WriteString("; use " + l.Replacement)
	}
	return b.String()
}

// removedVersions lists versions that upstream dropped from its CRDs altogether, by group, with
// the version that replaces them. Versions a CRD still lists as not served need no entry. A target
// the kind's CRD does not serve (or "") means the CRD's preferred version: that is how a group whose
// kinds moved to different versions is written.
var removedVersions = map[string]map[string]string{
	"helm.toolkit.fluxcd.io":      {"v2alpha1": "v2", "v2beta1": "v2", "v2beta2": "v2"},
	"kustomize.toolkit.fluxcd.io": {"v1alpha1": "v1", "v1beta1": "v1", "v1beta2": "v1"},
	"source.toolkit.fluxcd.io":    {"v1alpha1": "v1", "v1beta1": "v1", "v1beta2": "v1"},
	// Cluster API: the target is the CRD's storage version, v1beta1 up to CAPI v1.10 and v1beta2
	// from v1.11 (CAPI v1.14 no longer lists v1alpha3/v1alpha4 at all); CAPZ stores v1beta1.
	"cluster.x-k8s.io":                {"v1alpha2": "", "v1alpha3": "", "v1alpha4": ""},
	"infrastructure.cluster.x-k8s.io": {"v1alpha2": "", "v1alpha3": "", "v1alpha4": ""},
	"addons.cluster.x-k8s.io":         {"v1alpha3": "", "v1alpha4": ""},

	// notification-controller: v1alpha1 went in v0.1.0, v1beta1 in v1.7.0, v1beta2 in v1.9.0
	// (Flux 2.9). Its CRDs serve only Alert and Provider v1beta3 and Receiver v1, so the target is
	// each CRD's own storage version.
	"notification.toolkit.fluxcd.io": {"v1alpha1": "", "v1beta1": "", "v1beta2": ""},
	// image-reflector/image-automation-controller: v1alpha1 and v1alpha2 went in v0.23/v0.27,
	// v1beta1 in v1.0.0, v1beta2 in v1.2.0 (Flux 2.9); ImageRepository, ImagePolicy and
	// ImageUpdateAutomation serve only v1.
	"image.toolkit.fluxcd.io": {"v1alpha1": "v1", "v1alpha2": "v1", "v1beta1": "v1", "v1beta2": "v1"},
	// source.extensions.fluxcd.io (source-watcher's ArtifactGenerator) has only ever had v1beta1.
}

// Lookup finds the schema of apiVersion and kind. Kinds are case-sensitive, as in the API server.
func (s *Set) Lookup(apiVersion, kind string) Lookup {
	l := Lookup{Status: Unknown, APIVersion: apiVersion, Kind: kind}
	gv, err := k8sschema.ParseGroupVersion(apiVersion)
	if err != nil || gv.Version == "" {
		return l
	}
	s.mu.RLock()
	e := s.kinds[groupKind{gv.Group, kind}]
	s.mu.RUnlock()
	if e == nil {
		return l
	}
	l.Source = e.source
	for _, v := range e.versions {
		if v.gvk.Version != gv.Version {
			continue
		}
		if v.served {
			l.Status, l.Validator = Found, v
			l.Deprecated, l.Warning = v.deprecated, v.warning()
			return l
		}
		l.listed = true
	}
	l.Status = NotServed
	preferred := e.preferredVersion()
	if target, ok := removedVersions[gv.Group][gv.Version]; ok && !l.listed {
		l.Status = Removed
		if e.serves(target) {
			preferred = target
		}
	}
	if preferred != "" {
		l.Replacement = k8sschema.GroupVersion{Group: gv.Group, Version: preferred}.String()
	}
	return l
}

// preferredVersion is the storage version if served, else the first served version. Azure Service
// Operator stores "<version>storage" hub versions that users never write: for those, the served
// version of the same name without the suffix is the one to recommend.
func (e *kindEntry) preferredVersion() string {
	first := ""
	for _, v := range e.versions {
		if !v.served {
			continue
		}
		if v.storage {
			if base, ok := strings.CutSuffix(v.gvk.Version, "storage"); ok && e.serves(base) {
				return base
			}
			return v.gvk.Version
		}
		if first == "" {
			first = v.gvk.Version
		}
	}
	return first
}

func (e *kindEntry) serves(version string) bool {
	for _, v := range e.versions {
		if v.gvk.Version == version && v.served {
			return true
		}
	}
	return false
}

// Kinds lists the apiVersion and kind of every served version in the set, sorted; for listings
// and tests.
func (s *Set) Kinds() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, e := range s.kinds {
		for _, v := range e.versions {
			if v.served {
				out = append(out, v.gvk.GroupVersion().String()+" "+e.kind)
			}
		}
	}
	sort.Strings(out)
	return out
}
