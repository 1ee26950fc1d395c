package migrate

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden is the migrated file, then the findings, one a line.
func golden(out []byte, fs []validate.Finding) []byte {
	var b bytes.Buffer
	b.Write(out)
	b.WriteString("--- findings ---\n")
	for _, f := range fs {
		fmt.Fprintf(&b, "%s %s:%d %s [%s] %s\n", f.Severity, f.File, f.Line, f.Rule, f.Object, f.Message)
		if f.Fix != "" {
			fmt.Fprintf(&b, "  fix: %s\n", f.Fix)
		}
	}
	return b.Bytes()
}

// TestFile runs every version step on testdata/in and compares the file and the findings with
// testdata/golden; the result must parse, and migrating it again changes nothing and moves nothing.
func TestFile(t *testing.T) {
	for _, tc := range []struct {
		name    string
		changed bool
	}{
		{"helmrelease-v2beta1", true},
		{"helmrelease-both-values", false},
		{"helmrelease-postrenderers", true},
		{"helmrelease-postrenderers-mixed", true},
		{"kustomization-v1beta2", true},
		{"gotk-sync", true},
		{"notification", true},
		{"capz-v1alpha4", false},
		{"current", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := "in/" + tc.name + ".yaml"
			src, err := os.ReadFile(filepath.Join("testdata", p))
			if err != nil {
				t.Fatal(err)
			}
			out, fs, err := File(p, src)
			if err != nil {
				t.Fatal(err)
			}
			if got := !bytes.Equal(out, src); got != tc.changed {
				t.Errorf("changed = %v, want %v", got, tc.changed)
			}
			if _, err := documents(out); err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, out)
			}
			again, fs2, err := File(p, out)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("second run changed the file (err %v):\n%s", err, again)
			}
			for _, f := range fs2 {
				if f.Rule == RuleMoved || f.Rule == RuleDropped {
					t.Errorf("second run: %s %s", f.Rule, f.Message)
				}
			}
			check(t, tc.name, golden(out, fs))
		})
	}
}

func check(t *testing.T, name string, got []byte) {
	t.Helper()
	g := filepath.Join("testdata", "golden", name+".txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(g), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(g, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(g)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// TestFileKeepsComments: every comment of the source is still in the migrated file, or the
// findings quote it (the comment lines above a renamed key go with the old key).
func TestFileKeepsComments(t *testing.T) {
	for _, name := range []string{"helmrelease-v2beta1", "kustomization-v1beta2", "gotk-sync"} {
		src, err := os.ReadFile(filepath.Join("testdata", "in", name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		out, fs, err := File(name, src)
		if err != nil {
			t.Fatal(err)
		}
		var reported strings.Builder
		for _, f := range fs {
			reported.WriteString(f.Message)
		}
		for _, line := range strings.Split(string(src), "\n") {
			_, c, ok := strings.Cut(line, "#")
			if !ok || strings.Contains(line, "validation") || strings.Contains(line, "gitImplementation") ||
				strings.Contains(line, "as in 2021") {
				continue // dropped with its field
			}
			if !bytes.Contains(out, []byte("#"+c)) && !strings.Contains(reported.String(), strings.TrimSpace("#"+c)) {
				t.Errorf("%s: comment %q lost", name, c)
			}
		}
	}
}

func TestTemplate(t *testing.T) {
	src := []byte(`apiVersion: cluster.x-k8s.io/v1alpha4
kind: Cluster
metadata:
  name: {{ .Values.name }}
spec:
  infrastructureRef:
    apiVersion: infrastructure.cluster.x-k8s.io/v1alpha4
    kind: AzureManagedCluster
---
{{- if .Values.pools }}
apiVersion: infrastructure.cluster.x-k8s.io/v1alpha4
kind: AzureManagedMachinePool
{{- end }}
---
apiVersion: cluster.x-k8s.io/v1beta2
kind: MachinePool
---
apiVersion: kustomize.toolkit.fluxcd.io/v1beta1
kind: Kustomization
`)
	fs := Template("chart/templates/a.yaml", src)
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%d %s", f.Line, f.Object))
	}
	want := []string{"1 Cluster", "11 AzureManagedMachinePool", "18 Kustomization"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %q, want %q", got, want)
	}
	if !strings.Contains(fs[1].Fix, ASOManagedDoc) || strings.Contains(fs[0].Fix, ASOManagedDoc) {
		t.Errorf("fixes: %q / %q", fs[0].Fix, fs[1].Fix)
	}
	if !strings.Contains(fs[2].Message, "not rewritten") {
		t.Errorf("flux in a template: %q", fs[2].Message)
	}
}

// FuzzFile: File never fails on input that parses, and what it writes parses and moves nothing
// the second time.
func FuzzFile(f *testing.F) {
	ents, _ := os.ReadDir(filepath.Join("testdata", "in"))
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join("testdata", "in", e.Name()))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		out, _, err := File("f.yaml", src)
		if _, perr := documents(src); perr != nil {
			// Not a YAML stream (yaml.Unmarshal alone accepts some, like "0\n:"): left as it is.
			if err != nil || !bytes.Equal(out, src) {
				t.Fatalf("a file that does not parse was changed (err %v):\n%s", err, out)
			}
			return
		}
		if err != nil {
			return // an edit refused: reported as an error, never written
		}
		if _, err := documents(out); err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out)
		}
		again, _, err := File("f.yaml", out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent (err %v):\n%s\n---\n%s", err, out, again)
		}
	})
}

// What migrate moves must be what the current CRDs accept: every moved Flux object of the
// golden outputs is checked against the embedded schemas of the current providers, strictly
// (unknown fields, types, enums), as the API server would on apply.
func TestMovedObjectsValidate(t *testing.T) {
	set, err := schema.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"helmrelease-v2beta1", "helmrelease-postrenderers", "helmrelease-postrenderers-mixed",
		"kustomization-v1beta2", "gotk-sync", "notification"} {
		src, err := os.ReadFile(filepath.Join("testdata", "in", name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := File(name+".yaml", src)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range strings.Split(string(out), "\n---\n") {
			var obj map[string]any
			if err := sigsyaml.Unmarshal([]byte(doc), &obj); err != nil || obj == nil {
				continue
			}
			apiVersion, _ := obj["apiVersion"].(string)
			kind, _ := obj["kind"].(string)
			if !strings.Contains(apiVersion, "toolkit.fluxcd.io") {
				continue
			}
			l := set.Lookup(apiVersion, kind)
			if l.Validator == nil {
				t.Errorf("%s doc %d: %s %s is not served by the current schemas (status %v)", name, i, apiVersion, kind, l.Status)
				continue
			}
			for _, fe := range l.Validator.Validate(obj) {
				t.Errorf("%s doc %d: %s %s: %s %s", name, i, apiVersion, kind, fe.Path, fe.Message)
			}
		}
	}
}
