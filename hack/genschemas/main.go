// Command genschemas writes the CRD schema bundle that pkg/schema embeds.
//
// For each pinned module it asks the go tool where the module lives in the module cache
// (`go mod download -json MODULE@VERSION`, downloading it if needed), reads every
// CustomResourceDefinition in the module's CRD folder and writes one compact JSON file per module
// into the output folder (default "bundle", relative to the working directory, which is pkg/schema
// under `go generate`). Only what validation needs is kept: group, kind, plural, scope and, per
// version, served/storage/deprecation and the OpenAPI v3 schema without descriptions. The output is
// deterministic: CRDs are sorted by group and kind, and JSON objects are written with sorted keys.
//
// Usage: go run ./hack/genschemas [-out DIR]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/fleetctl/fleetctl/pkg/schema"
)

// module is one pinned source of CRDs.
type module struct {
	Path, Version string
	// Dir is the folder, inside the module, that holds the CRD YAML files.
	Dir string
}

// modules are the pinned CRD sources. Keep them in step with the Flux and CAPI/CAPZ versions the
// product documents as supported.
var modules = []module{
	{"sigs.k8s.io/cluster-api", "v1.10.10", "config/crd/bases"},
	{"sigs.k8s.io/cluster-api-provider-azure", "v1.21.0", "config/crd/bases"},
	{"github.com/fluxcd/helm-controller", "v1.6.4", "config/crd/bases"},
	{"github.com/fluxcd/kustomize-controller", "v1.9.6", "config/crd/bases"},
	{"github.com/fluxcd/source-controller", "v1.9.6", "config/crd/bases"},
}

// The bundle format, shared with pkg/schema (which has its own copy of these types).
type (
	bundleFile struct {
		Source string      `json:"source"`
		CRDs   []bundleCRD `json:"crds"`
	}
	bundleCRD struct {
		APIVersion string     `json:"apiVersion"`
		Kind       string     `json:"kind"`
		Spec       bundleSpec `json:"spec"`
	}
	bundleSpec struct {
		Group    string          `json:"group"`
		Names    bundleNames     `json:"names"`
		Scope    string          `json:"scope"`
		Versions []bundleVersion `json:"versions"`
	}
	bundleNames struct {
		Kind   string `json:"kind"`
		Plural string `json:"plural"`
	}
	bundleVersion struct {
		Name               string        `json:"name"`
		Served             bool          `json:"served"`
		Storage            bool          `json:"storage"`
		Deprecated         bool          `json:"deprecated,omitempty"`
		DeprecationWarning *string       `json:"deprecationWarning,omitempty"`
		Schema             *bundleSchema `json:"schema,omitempty"`
	}
	bundleSchema struct {
		OpenAPIV3Schema json.RawMessage `json:"openAPIV3Schema"`
	}
)

func main() {
	out := flag.String("out", "bundle", "folder to write the bundle files into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "genschemas:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, m := range modules {
		dir, err := moduleDir(m.Path, m.Version)
		if err != nil {
			return err
		}
		b, err := bundleModule(m, filepath.Join(dir, filepath.FromSlash(m.Dir)))
		if err != nil {
			return fmt.Errorf("%s@%s: %w", m.Path, m.Version, err)
		}
		name := fileName(m.Path, m.Version)
		if err := removeStale(out, m.Path, name); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "genschemas: wrote %s (%d bytes)\n", filepath.Join(out, name), len(b))
	}
	return nil
}

// fileName is the bundle file name for a module: the module path with "/" as "_", then "@VERSION.json".
func fileName(path, version string) string {
	return strings.ReplaceAll(path, "/", "_") + "@" + version + ".json"
}

// removeStale deletes bundle files of the same module at other versions, so a version bump does
// not leave the old schemas embedded next to the new ones.
func removeStale(out, path, keep string) error {
	old, err := filepath.Glob(filepath.Join(out, strings.ReplaceAll(path, "/", "_")+"@*.json"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if filepath.Base(f) != keep {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	return nil
}

// moduleDir returns the module cache folder of path@version, downloading the module if needed.
// The go tool runs outside any module (in a temporary folder, with GOWORK off) so it never touches
// this repository's go.mod or go.sum.
func moduleDir(path, version string) (string, error) {
	tmp, err := os.MkdirTemp("", "genschemas")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "mod", "download", "-json", path+"@"+version)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var info struct {
		Dir   string
		Error string
	}
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil && runErr == nil {
		return "", fmt.Errorf("go mod download %s@%s: %w", path, version, err)
	}
	if info.Error != "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", path, version, info.Error)
	}
	if runErr != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w: %s", path, version, runErr, strings.TrimSpace(stderr.String()))
	}
	if info.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: no module folder reported", path, version)
	}
	return info.Dir, nil
}

// bundleModule reads every CRD in dir and returns the module's bundle file content.
func bundleModule(m module, dir string) ([]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var crds []bundleCRD
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		found, err := schema.ReadCRDs(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		for _, crd := range found {
			b, err := trim(crd)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.Name(), err)
			}
			crds = append(crds, b)
		}
	}
	if len(crds) == 0 {
		return nil, fmt.Errorf("no CustomResourceDefinitions in %s", m.Dir)
	}
	slices.SortFunc(crds, func(a, b bundleCRD) int {
		if c := strings.Compare(a.Spec.Group, b.Spec.Group); c != 0 {
			return c
		}
		return strings.Compare(a.Spec.Names.Kind, b.Spec.Names.Kind)
	})
	for i := 1; i < len(crds); i++ {
		if crds[i].Spec.Group == crds[i-1].Spec.Group && crds[i].Spec.Names.Kind == crds[i-1].Spec.Names.Kind {
			return nil, fmt.Errorf("two CRDs for %s %s", crds[i].Spec.Group, crds[i].Spec.Names.Kind)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(bundleFile{Source: m.Path + "@" + m.Version, CRDs: crds}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// trim keeps only what validation needs from a CRD.
func trim(crd *apiextensionsv1.CustomResourceDefinition) (bundleCRD, error) {
	s := crd.Spec
	out := bundleCRD{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition", Spec: bundleSpec{
		Group: s.Group,
		Names: bundleNames{Kind: s.Names.Kind, Plural: s.Names.Plural},
		Scope: string(s.Scope),
	}}
	if s.Group == "" || s.Names.Kind == "" {
		return out, fmt.Errorf("CRD %q has no group or kind", crd.Name)
	}
	for _, v := range s.Versions {
		bv := bundleVersion{
			Name: v.Name, Served: v.Served, Storage: v.Storage,
			Deprecated: v.Deprecated, DeprecationWarning: v.DeprecationWarning,
		}
		if v.Schema != nil && v.Schema.OpenAPIV3Schema != nil {
			props := v.Schema.OpenAPIV3Schema.DeepCopy()
			stripDocs(props)
			raw, err := marshalSorted(props)
			if err != nil {
				return out, err
			}
			bv.Schema = &bundleSchema{OpenAPIV3Schema: raw}
		}
		out.Spec.Versions = append(out.Spec.Versions, bv)
	}
	return out, nil
}

// marshalSorted encodes v as compact JSON with object keys sorted at every level, so the bytes
// depend only on the content.
func marshalSorted(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // keep numbers exactly as written
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(generic); err != nil { // maps are encoded with sorted keys
		return nil, err
	}
	return json.RawMessage(bytes.TrimRight(buf.Bytes(), "\n")), nil
}

// stripDocs removes the parts of a schema that never affect validation, defaulting or pruning:
// descriptions, titles, examples and external docs.
func stripDocs(p *apiextensionsv1.JSONSchemaProps) {
	if p == nil {
		return
	}
	p.Description = ""
	p.Title = ""
	p.Example = nil
	p.ExternalDocs = nil
	for k, c := range p.Properties {
		stripDocs(&c)
		p.Properties[k] = c
	}
	for k, c := range p.PatternProperties {
		stripDocs(&c)
		p.PatternProperties[k] = c
	}
	for k, c := range p.Definitions {
		stripDocs(&c)
		p.Definitions[k] = c
	}
	for k, d := range p.Dependencies {
		stripDocs(d.Schema)
		p.Dependencies[k] = d
	}
	for _, list := range [][]apiextensionsv1.JSONSchemaProps{p.AllOf, p.OneOf, p.AnyOf} {
		for i := range list {
			stripDocs(&list[i])
		}
	}
	stripDocs(p.Not)
	if p.Items != nil {
		stripDocs(p.Items.Schema)
		for i := range p.Items.JSONSchemas {
			stripDocs(&p.Items.JSONSchemas[i])
		}
	}
	if p.AdditionalProperties != nil {
		stripDocs(p.AdditionalProperties.Schema)
	}
	if p.AdditionalItems != nil {
		stripDocs(p.AdditionalItems.Schema)
	}
}
