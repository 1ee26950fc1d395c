// Package schemabundle is the schema bundle format: the JSON files in pkg/schema/bundle that
// fleetctl embeds, one per pinned module, each holding that module's CustomResourceDefinitions
// trimmed to what validation needs (group, kind, plural, scope and, per version,
// served/storage/deprecation and the OpenAPI v3 schema without descriptions).
//
// It is the one definition of the format and of its writer: hack/genschemas (CRD files of Cluster
// API, CAPZ and Flux) and hack/asoschemas (CRDs generated from Azure Service Operator's Go types,
// in its own module) both convert CRDs with FromCRD, encode them with Encode and write them with
// WriteFile. The output is deterministic: CRDs are sorted by group and kind and JSON objects are
// written with sorted keys, so the bytes depend only on the input CRDs.
//
// The package imports only the standard library and the apiextensions.k8s.io/v1 API types, so a
// module that requires the main module for it (hack/asoschemas) builds none of the product's
// other dependencies.
package schemabundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// The bundle format. A CRD of a bundle file is a valid apiextensions.k8s.io/v1
// CustomResourceDefinition without metadata, so it also decodes into the API types.
type (
	// File is one bundle file: where its CRDs come from (module@version) and the CRDs, sorted by
	// group and kind.
	File struct {
		Source string `json:"source"`
		CRDs   []CRD  `json:"crds"`
	}
	// CRD is a CustomResourceDefinition trimmed to what validation needs.
	CRD struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Spec       Spec   `json:"spec"`
	}
	// Spec is the trimmed spec of a CRD.
	Spec struct {
		Group    string    `json:"group"`
		Names    Names     `json:"names"`
		Scope    string    `json:"scope"`
		Versions []Version `json:"versions"`
	}
	// Names are the names of a CRD's kind that validation needs.
	Names struct {
		Kind   string `json:"kind"`
		Plural string `json:"plural"`
	}
	// Version is one version of a CRD, in the CRD's order.
	Version struct {
		Name               string  `json:"name"`
		Served             bool    `json:"served"`
		Storage            bool    `json:"storage"`
		Deprecated         bool    `json:"deprecated,omitempty"`
		DeprecationWarning *string `json:"deprecationWarning,omitempty"`
		// Schema is always set by FromCRD; readers accept a version without one.
		Schema *Schema `json:"schema,omitempty"`
	}
	// Schema holds a version's OpenAPI v3 schema as compact JSON with sorted keys.
	Schema struct {
		OpenAPIV3Schema json.RawMessage `json:"openAPIV3Schema"`
	}
)

// FromCRD keeps only what validation needs from crd. It checks what the API server checks of a
// v1 CRD and the bundle relies on: a group and a kind, a schema in every version and exactly one
// storage version.
func FromCRD(crd *apiextensionsv1.CustomResourceDefinition) (CRD, error) {
	s := crd.Spec
	out := CRD{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition", Spec: Spec{
		Group: s.Group,
		Names: Names{Kind: s.Names.Kind, Plural: s.Names.Plural},
		Scope: string(s.Scope),
	}}
	if s.Group == "" || s.Names.Kind == "" {
		return out, fmt.Errorf("CRD %q has no group or kind", crd.Name)
	}
	storage := 0
	for _, v := range s.Versions {
		if v.Storage {
			storage++
		}
		if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			return out, fmt.Errorf("%s %s %s: no schema", s.Group, v.Name, s.Names.Kind)
		}
		props := v.Schema.OpenAPIV3Schema.DeepCopy()
		stripDocs(props)
		raw, err := marshalSorted(props)
		if err != nil {
			return out, err
		}
		out.Spec.Versions = append(out.Spec.Versions, Version{
			Name: v.Name, Served: v.Served, Storage: v.Storage,
			Deprecated: v.Deprecated, DeprecationWarning: v.DeprecationWarning,
			Schema: &Schema{OpenAPIV3Schema: raw},
		})
	}
	if storage != 1 {
		return out, fmt.Errorf("%s %s: %d storage versions, want 1", s.Group, s.Names.Kind, storage)
	}
	return out, nil
}

// Encode returns the content of the bundle file of modulePath@version: one line of JSON holding
// crds sorted by group and kind. No CRDs, or two for the same group and kind, is an error; crds
// itself is left as it is.
func Encode(modulePath, version string, crds []CRD) ([]byte, error) {
	if len(crds) == 0 {
		return nil, errors.New("no CustomResourceDefinitions")
	}
	sorted := slices.Clone(crds)
	slices.SortFunc(sorted, func(a, b CRD) int {
		if c := strings.Compare(a.Spec.Group, b.Spec.Group); c != 0 {
			return c
		}
		return strings.Compare(a.Spec.Names.Kind, b.Spec.Names.Kind)
	})
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Spec.Group == sorted[i-1].Spec.Group && sorted[i].Spec.Names.Kind == sorted[i-1].Spec.Names.Kind {
			return nil, fmt.Errorf("two CRDs for %s %s", sorted[i].Spec.Group, sorted[i].Spec.Names.Kind)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(File{Source: modulePath + "@" + version, CRDs: sorted}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// FileName is the bundle file name of a module: the module path with "/" as "_", then
// "@VERSION.json".
func FileName(modulePath, version string) string {
	return filePrefix(modulePath) + version + ".json"
}

func filePrefix(modulePath string) string { return strings.ReplaceAll(modulePath, "/", "_") + "@" }

// WriteFile writes data (from Encode) into dir as the bundle file of modulePath@version and
// returns its path. It first deletes the module's bundle files of other versions than those in
// keep, so a version bump does not leave the old schemas embedded by accident; a version kept on
// purpose (a previous provider set) is named in keep, and pkg/schema loads one version per module.
func WriteFile(dir, modulePath, version string, data []byte, keep ...string) (string, error) {
	name := FileName(modulePath, version)
	kept := map[string]bool{name: true}
	for _, v := range keep {
		kept[FileName(modulePath, v)] = true
	}
	old, err := filepath.Glob(filepath.Join(dir, filePrefix(modulePath)+"*.json"))
	if err != nil {
		return "", err
	}
	for _, f := range old {
		if !kept[filepath.Base(f)] {
			if err := os.Remove(f); err != nil {
				return "", err
			}
		}
	}
	file := filepath.Join(dir, name)
	return file, os.WriteFile(file, data, 0o644)
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
