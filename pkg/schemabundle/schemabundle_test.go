package schemabundle

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

func crd(group, kind string, versions ...apiextensionsv1.CustomResourceDefinitionVersion) *apiextensionsv1.CustomResourceDefinition {
	c := &apiextensionsv1.CustomResourceDefinition{}
	c.Name = strings.ToLower(kind) + "s." + group
	c.Spec.Group, c.Spec.Names.Kind, c.Spec.Names.Plural = group, kind, strings.ToLower(kind)+"s"
	c.Spec.Scope = apiextensionsv1.NamespaceScoped
	c.Spec.Versions = versions
	return c
}

func version(name string, storage bool, schema *apiextensionsv1.JSONSchemaProps) apiextensionsv1.CustomResourceDefinitionVersion {
	v := apiextensionsv1.CustomResourceDefinitionVersion{Name: name, Served: true, Storage: storage}
	if schema != nil {
		v.Schema = &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: schema}
	}
	return v
}

func TestFromCRD(t *testing.T) {
	in := &apiextensionsv1.JSONSchemaProps{Type: "object", Description: "d", Title: "t",
		Properties: map[string]apiextensionsv1.JSONSchemaProps{
			// A property named like a documentation keyword stays; its description goes.
			"description": {Type: "string", Description: "d"},
			"b":           {Type: "array", Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &apiextensionsv1.JSONSchemaProps{Type: "string", Description: "d"}}},
		}}
	got, err := FromCRD(crd("example.com", "Gadget", version("v1", true, in)))
	if err != nil {
		t.Fatal(err)
	}
	if in.Description != "d" {
		t.Error("FromCRD changed its input")
	}
	const want = `{"properties":{"b":{"items":{"type":"string"},"type":"array"},"description":{"type":"string"}},"type":"object"}`
	if s := string(got.Spec.Versions[0].Schema.OpenAPIV3Schema); s != want {
		t.Errorf("schema\n got %s\nwant %s", s, want)
	}
	if got.APIVersion != "apiextensions.k8s.io/v1" || got.Kind != "CustomResourceDefinition" || got.Spec.Scope != "Namespaced" || got.Spec.Names.Plural != "gadgets" {
		t.Errorf("CRD %+v", got)
	}

	obj := &apiextensionsv1.JSONSchemaProps{Type: "object"}
	for _, tc := range []struct {
		crd  *apiextensionsv1.CustomResourceDefinition
		want string
	}{
		{crd("", "Gadget", version("v1", true, obj)), `CRD "gadgets." has no group or kind`},
		{crd("example.com", "Gadget", version("v1", true, nil)), "example.com v1 Gadget: no schema"},
		{crd("example.com", "Gadget", version("v1", false, obj)), "example.com Gadget: 0 storage versions, want 1"},
		{crd("example.com", "Gadget", version("v1", true, obj), version("v2", true, obj)), "example.com Gadget: 2 storage versions, want 1"},
	} {
		if _, err := FromCRD(tc.crd); err == nil || err.Error() != tc.want {
			t.Errorf("error %v, want %s", err, tc.want)
		}
	}
}

func TestEncode(t *testing.T) {
	obj := &apiextensionsv1.JSONSchemaProps{Type: "object"}
	var crds []CRD
	for _, c := range []*apiextensionsv1.CustomResourceDefinition{
		crd("b.example.com", "Alpha", version("v1", true, obj)),
		crd("a.example.com", "Zeta", version("v1", true, obj)),
		crd("a.example.com", "Beta", version("v1", true, obj)),
	} {
		b, err := FromCRD(c)
		if err != nil {
			t.Fatal(err)
		}
		crds = append(crds, b)
	}
	b, err := Encode("example.com/m", "v1.0.0", crds)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(b), "\n") != 1 || !strings.HasSuffix(string(b), "\n") {
		t.Errorf("not one line: %q", b)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, c := range f.CRDs {
		order = append(order, c.Spec.Group+"/"+c.Spec.Names.Kind)
	}
	if f.Source != "example.com/m@v1.0.0" || !slices.Equal(order, []string{"a.example.com/Beta", "a.example.com/Zeta", "b.example.com/Alpha"}) {
		t.Errorf("source %q, order %v", f.Source, order)
	}
	if crds[0].Spec.Names.Kind != "Alpha" {
		t.Error("Encode reordered its input")
	}
	if _, err := Encode("m", "v1", append(crds, crds[1])); err == nil || !strings.Contains(err.Error(), "two CRDs for a.example.com Zeta") {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := Encode("m", "v1", nil); err == nil {
		t.Error("no error for an empty bundle")
	}
}

func TestFileName(t *testing.T) {
	if got := FileName("sigs.k8s.io/cluster-api", "v1.10.10"); got != "sigs.k8s.io_cluster-api@v1.10.10.json" {
		t.Error(got)
	}
	if got := FileName("github.com/Azure/azure-service-operator/v2", "v2.13.0"); got != "github.com_Azure_azure-service-operator_v2@v2.13.0.json" {
		t.Error(got)
	}
}

func TestWriteFileRemovesOtherVersions(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"example.com_m@v0.9.0.json", "example.com_m@v1.0.0.json", "example.com_mm@v0.1.0.json", "example.com_m@v0.9.0.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file, err := WriteFile(dir, "example.com/m", "v1.0.0", []byte("new\n"))
	if err != nil {
		t.Fatal(err)
	}
	if file != filepath.Join(dir, "example.com_m@v1.0.0.json") {
		t.Errorf("path %s", file)
	}
	if b, _ := os.ReadFile(file); string(b) != "new\n" {
		t.Errorf("content %q", b)
	}
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if want := []string{"example.com_m@v0.9.0.txt", "example.com_m@v1.0.0.json", "example.com_mm@v0.1.0.json"}; !slices.Equal(left, want) {
		t.Errorf("files %v, want %v", left, want)
	}
}
