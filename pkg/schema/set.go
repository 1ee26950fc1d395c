package schema

import (
	"bytes"
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

var (
	defaultOnce    sync.Once
	defaultKinds   map[groupKind]*kindEntry
	defaultSources []string
	defaultErr     error
)

// Default returns a new Set holding the embedded bundle. The bundle is parsed once per process;
// every Set returned shares its (lazily built, read-only) validators, and AddDir on one Set does not
// affect the others.
func Default() (*Set, error) {
	defaultOnce.Do(func() {
		defaultKinds, defaultSources, defaultErr = loadBundle(bundleFS)
	})
	if defaultErr != nil {
		return nil, defaultErr
	}
	return &Set{kinds: maps.Clone(defaultKinds), sources: slices.Clone(defaultSources)}, nil
}

// loadBundle parses every bundle/*.json file, in name order. A kind defined in two files is an
// error: bundle files must not overlap.
func loadBundle(fsys embed.FS) (map[groupKind]*kindEntry, []string, error) {
	names, err := fsys.ReadDir("bundle")
	if err != nil {
		return nil, nil, err
	}
	kinds := map[groupKind]*kindEntry{}
	var sources []string
	for _, n := range names { // ReadDir sorts by name
		if n.IsDir() || path.Ext(n.Name()) != ".json" {
			continue
		}
		b, err := fsys.ReadFile("bundle/" + n.Name())
		if err != nil {
			return nil, nil, err
		}
		var f schemabundle.File
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, nil, fmt.Errorf("schema bundle %s: %w", n.Name(), err)
		}
		if f.Source == "" {
			f.Source = strings.TrimSuffix(n.Name(), ".json")
		}
		sources = append(sources, f.Source)
		for i := range f.CRDs {
			e, err := entryFromBundle(&f.CRDs[i], f.Source)
			if err != nil {
				return nil, nil, fmt.Errorf("schema bundle %s: %w", n.Name(), err)
			}
			k := groupKind{e.group, e.kind}
			if old, ok := kinds[k]; ok {
				return nil, nil, fmt.Errorf("schema bundle %s: %s %s is also in %s", n.Name(), e.group, e.kind, old.source)
			}
			kinds[k] = e
		}
	}
	return kinds, sources, nil
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
	"helm.toolkit.fluxcd.io":          {"v2alpha1": "v2", "v2beta1": "v2", "v2beta2": "v2"},
	"kustomize.toolkit.fluxcd.io":     {"v1alpha1": "v1", "v1beta1": "v1", "v1beta2": "v1"},
	"source.toolkit.fluxcd.io":        {"v1alpha1": "v1", "v1beta1": "v1", "v1beta2": "v1"},
	"cluster.x-k8s.io":                {"v1alpha2": "v1beta1", "v1alpha3": "v1beta1", "v1alpha4": "v1beta1"},
	"infrastructure.cluster.x-k8s.io": {"v1alpha2": "v1beta1", "v1alpha3": "v1beta1", "v1alpha4": "v1beta1"},
	"addons.cluster.x-k8s.io":         {"v1alpha3": "v1beta1", "v1alpha4": "v1beta1"},

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
