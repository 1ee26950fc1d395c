package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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

// Every pinned module has its bundle file in pkg/schema/bundle, and every bundle file there is a
// pinned module's or the ASO file hack/asoschemas writes: a pin changed without regenerating, or a
// stale file, fails here.
func TestBundleMatchesModules(t *testing.T) {
	dir := filepath.Join("..", "..", "pkg", "schema", "bundle")
	want := map[string]bool{}
	for _, m := range modules {
		name := schemabundle.FileName(m.Path, m.Version)
		want[name] = true
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s@%s: no bundle file: %v (run go generate ./pkg/schema)", m.Path, m.Version, err)
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		if !want[name] && !strings.HasPrefix(name, "github.com_Azure_azure-service-operator_v2@") {
			t.Errorf("bundle file %s is not from a pinned module", name)
		}
	}
}
