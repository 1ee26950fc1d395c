package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/schemabundle"
)

func TestBundleModuleIsDeterministicAndTrimmed(t *testing.T) {
	m := module{Path: "example.com/gadgets", Version: "v0.1.0", Dir: "testdata"}
	first, err := bundleModule(m, "testdata")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		again, err := bundleModule(m, "testdata")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("run %d differs:\n%s\n%s", i, first, again)
		}
	}
	for _, gone := range []string{`"description"`, `"example"`, "additionalPrinterColumns", "subresources", `"metadata":{"name"`} {
		if strings.Contains(string(first), gone) {
			t.Errorf("bundle still holds %q:\n%s", gone, first)
		}
	}
	var f schemabundle.File
	if err := json.Unmarshal(first, &f); err != nil {
		t.Fatal(err)
	}
	if f.Source != "example.com/gadgets@v0.1.0" || len(f.CRDs) != 2 {
		t.Fatalf("bundle: %s", first)
	}
	// Sorted by group, then kind.
	if f.CRDs[0].Spec.Names.Kind != "Doodad" || f.CRDs[1].Spec.Names.Kind != "Gadget" {
		t.Errorf("CRDs not sorted: %s, %s", f.CRDs[0].Spec.Names.Kind, f.CRDs[1].Spec.Names.Kind)
	}
	g := f.CRDs[1].Spec
	if g.Scope != "Cluster" || len(g.Versions) != 2 || !g.Versions[0].Deprecated || g.Versions[0].Served || !g.Versions[1].Storage {
		t.Errorf("versions: %+v", g)
	}
	want := `{"properties":{"spec":{"properties":{"labels":{"additionalProperties":{"type":"string"},"type":"object"},` +
		`"parts":{"items":{"type":"string"},"type":"array"},"size":{"minimum":1,"type":"integer"}},"type":"object",` +
		`"x-kubernetes-validations":[{"message":"too big","rule":"self.size < 10"}]}},"type":"object"}`
	if got := string(g.Versions[1].Schema.OpenAPIV3Schema); got != want {
		t.Errorf("schema:\n got %s\nwant %s", got, want)
	}
}
