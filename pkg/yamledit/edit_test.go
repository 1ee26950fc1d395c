package yamledit

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	"golang.org/x/tools/txtar"
)

// valuesInput returns the input of a golden file.
func goldenInput(t testing.TB, name string) []byte {
	t.Helper()
	ar, err := txtar.ParseFile(filepath.Join("testdata", "edit", name+".txtar"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		if f.Name == "input" {
			return f.Data
		}
	}
	t.Fatalf("%s has no input", name)
	return nil
}

// diffLines returns the lines of a and b between their common prefix and
// suffix lines.
func diffLines(a, b []byte) (old, new []string) {
	al, bl := strings.SplitAfter(string(a), "\n"), strings.SplitAfter(string(b), "\n")
	p := 0
	for p < len(al) && p < len(bl) && al[p] == bl[p] {
		p++
	}
	s := 0
	for s < len(al)-p && s < len(bl)-p && al[len(al)-1-s] == bl[len(bl)-1-s] {
		s++
	}
	return al[p : len(al)-s], bl[p : len(bl)-s]
}

func node(t testing.TB, s string) *yaml.Node {
	t.Helper()
	var d yaml.Node
	if err := yaml.Unmarshal([]byte(s), &d); err != nil {
		t.Fatal(err)
	}
	n := d.Content[0]
	dropStyles(n)
	return n
}

func TestSetScalarDiffIsOneLine(t *testing.T) {
	src := goldenInput(t, "values_scale")
	tests := []struct {
		path     string
		value    string
		kind     Kind
		old, new string
	}{
		{"nodePools.work.count", "5", Int, "    count: 2\n", "    count: 5\n"},
		{"kubernetesVersion", "v1.38.0", Str, "kubernetesVersion: v1.37.2\n", "kubernetesVersion: v1.38.0\n"},
		{"kubernetesVersion", "1.38", Str, "kubernetesVersion: v1.37.2\n", "kubernetesVersion: \"1.38\"\n"},
		{"nodePools.system.vmSize", "Standard_D8s_v5", Str, "    vmSize: Standard_D4s_v5 # immutable\n", "    vmSize: Standard_D8s_v5 # immutable\n"},
		{"location", "it's here", Str, "location: westeurope # immutable\n", "location: it's here # immutable\n"},
	}
	for _, tc := range tests {
		out, changed, err := SetScalar(src, 0, strings.Split(tc.path, "."), tc.value, tc.kind)
		if err != nil || !changed {
			t.Fatalf("%s: changed=%v err=%v", tc.path, changed, err)
		}
		old, new := diffLines(src, out)
		if len(old) != 1 || len(new) != 1 || old[0] != tc.old || new[0] != tc.new {
			t.Errorf("%s: diff -%q +%q, want -%q +%q", tc.path, old, new, tc.old, tc.new)
		}
	}
}

func TestSetScalarUnchanged(t *testing.T) {
	src := []byte("a: 3\nb: \"3\"\nc: x\n")
	for _, tc := range []struct {
		path, value string
		kind        Kind
		changed     bool
	}{
		{"a", "3", Int, false},
		{"a", "3", Str, true},
		{"b", "3", Str, false},
		{"b", "3", Int, true},
		{"c", "x", Str, false},
	} {
		out, changed, err := SetScalar(src, 0, []string{tc.path}, tc.value, tc.kind)
		if err != nil || changed != tc.changed || (!changed && !bytes.Equal(out, src)) {
			t.Errorf("%s=%s: changed=%v err=%v", tc.path, tc.value, changed, err)
		}
	}
}

// TestCountAutoscaleRoundTrip switches a pool between count and autoscale
// and back, which must give back the original bytes.
func TestCountAutoscaleRoundTrip(t *testing.T) {
	src := goldenInput(t, "values_scale")
	path := func(k string) []string { return []string{"nodePools", "work", k} }
	a, _, err := SetNode(src, 0, path("autoscale"), node(t, "{min: 1, max: 10}"), "count")
	if err != nil {
		t.Fatal(err)
	}
	a, _, err = DeleteKey(a, 0, path("count"))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := SetNode(a, 0, path("count"), node(t, "2"), "autoscale")
	if err != nil {
		t.Fatal(err)
	}
	b, _, err = DeleteKey(b, 0, path("autoscale"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, src) {
		old, new := diffLines(src, b)
		t.Errorf("round trip differs: -%q +%q", old, new)
	}
}

// TestInsertDeleteRoundTrip checks that deleting what SetNode just
// inserted gives back the original bytes.
func TestInsertDeleteRoundTrip(t *testing.T) {
	for _, name := range []string{"values_scale", "flow_pools", "flow_multiline", "line_comment", "crlf", "wide_indent", "helmrelease"} {
		src := goldenInput(t, name)
		docs, err := decodeAll(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range mapPaths(docs[0], nil) {
			for _, after := range []string{"", "count"} {
				path := append(append([]string(nil), p...), "zz")
				out, changed, err := SetNode(src, 0, path, node(t, "{a: 1, b: [x]}"), after)
				if err != nil {
					t.Errorf("%s: SetNode %q: %v", name, path, err)
					continue
				}
				if !changed {
					t.Errorf("%s: SetNode %q: unchanged", name, path)
				}
				back, changed, err := DeleteKey(out, 0, path)
				if err != nil || !changed {
					t.Errorf("%s: DeleteKey %q: changed=%v err=%v", name, path, changed, err)
					continue
				}
				if !bytes.Equal(back, src) {
					old, new := diffLines(src, back)
					t.Errorf("%s: insert+delete %q: -%q +%q", name, path, old, new)
				}
			}
		}
	}
}

// mapPaths returns the paths of the non-empty mappings in n.
func mapPaths(n *yaml.Node, prefix []string) [][]string {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil
	}
	out := [][]string{prefix}
	for i := 0; i+1 < len(n.Content); i += 2 {
		p := append(append([]string(nil), prefix...), n.Content[i].Value)
		out = append(out, mapPaths(n.Content[i+1], p)...)
	}
	return out
}

func TestLookup(t *testing.T) {
	src := []byte("base: &b {count: 1}\npool:\n  <<: *b\n  size: 2\n  ref: *b\ndup: {a: 1, a: 2}\n---\nsecond: x\n")
	for _, tc := range []struct {
		doc   int
		path  string
		value string // "" for nil
		err   error
	}{
		{0, "pool.size", "2", nil},
		{0, "pool.count", "1", nil},
		{0, "pool.ref.count", "1", nil},
		{0, "pool.nope", "", nil},
		{0, "pool.size.deeper", "", nil},
		{0, "dup.a", "", ErrInvalidYAML},
		{1, "second", "x", nil},
		{2, "second", "", nil},
	} {
		n, err := Lookup(src, tc.doc, strings.Split(tc.path, "."))
		if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("%d %s: err = %v, want %v", tc.doc, tc.path, err, tc.err)
			continue
		}
		got := ""
		if n != nil {
			got = n.Value
		}
		if got != tc.value {
			t.Errorf("%d %s = %q, want %q", tc.doc, tc.path, got, tc.value)
		}
	}
	if _, err := Lookup([]byte("a: ["), 0, []string{"a"}); !errors.Is(err, ErrInvalidYAML) {
		t.Errorf("invalid YAML: err = %v", err)
	}
}

func TestEditErrorsAreTyped(t *testing.T) {
	src := goldenInput(t, "values_scale")
	p := func(s string) []string { return strings.Split(s, ".") }
	for _, tc := range []struct {
		name string
		err  error
		run  func() error
	}{
		{"set missing", ErrNotFound, func() error { _, _, err := SetScalar(src, 0, p("nodePools.gpu.count"), "1", Int); return err }},
		{"set missing doc", ErrNotFound, func() error { _, _, err := SetScalar(src, 1, p("name"), "x", Str); return err }},
		{"set mapping", ErrUnsupported, func() error { _, _, err := SetScalar(src, 0, p("nodePools"), "x", Str); return err }},
		{"set list", ErrUnsupported, func() error { _, _, err := SetScalar(src, 0, p("nodePools.work.zones"), "x", Str); return err }},
		{"set through list", ErrUnsupported, func() error { _, _, err := SetScalar(src, 0, p("nodePools.work.zones.x"), "x", Str); return err }},
		{"node missing parent", ErrNotFound, func() error {
			_, _, err := SetNode(src, 0, p("nodePools.gpu.autoscale"), node(t, "1"), "")
			return err
		}},
		{"node alias value", ErrUnsupported, func() error {
			_, _, err := SetNode(src, 0, p("a"), &yaml.Node{Kind: yaml.AliasNode, Value: "x"}, "")
			return err
		}},
		{"node nil", nil, func() error { _, _, err := SetNode(src, 0, p("a"), nil, ""); return err }},
		{"invalid", ErrInvalidYAML, func() error { _, _, err := DeleteKey([]byte("a: ["), 0, p("a")); return err }},
		{"utf-16", ErrUnsupported, func() error { _, _, err := DeleteKey([]byte("\xfe\xff\x00a\x00:\x00 \x001"), 0, p("a")); return err }},
		{"invalid utf-8 value", nil, func() error { _, _, err := SetScalar(src, 0, p("name"), "\xff", Str); return err }},
	} {
		err := tc.run()
		if err == nil || (tc.err != nil && !errors.Is(err, tc.err)) || strings.Contains(err.Error(), "internal error") {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
		}
	}
}

func TestDeleteKeyMissing(t *testing.T) {
	src := []byte("a:\n  b: 1\nc: x\n")
	for _, p := range []string{"x", "a.x", "a.b.c", "c.d", "x.y.z"} {
		out, changed, err := DeleteKey(src, 0, strings.Split(p, "."))
		if err != nil || changed || !bytes.Equal(out, src) {
			t.Errorf("%s: changed=%v err=%v", p, changed, err)
		}
	}
}

func TestSetNodeUnchanged(t *testing.T) {
	src := []byte("a:\n  min: 1\n  max: 10 # ten\n")
	out, changed, err := SetNode(src, 0, []string{"a"}, node(t, "{min: 1, max: 10}"), "")
	if err != nil || changed || !bytes.Equal(out, src) {
		t.Errorf("changed=%v err=%v", changed, err)
	}
}

func TestSetNodeComments(t *testing.T) {
	v := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "vmSize", HeadComment: "# size of the VMs"},
		{Kind: yaml.ScalarNode, Value: "Standard_D8s_v5", LineComment: "immutable"},
		{Kind: yaml.ScalarNode, Value: "zones", LineComment: "# immutable"},
		{Kind: yaml.SequenceNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "1", Style: yaml.DoubleQuotedStyle}}},
		{Kind: yaml.ScalarNode, Value: "version"},
		{Kind: yaml.ScalarNode, Value: "1.34", Tag: "!!str"},
	}}
	out, _, err := SetNode([]byte("pools:\n  a:\n    count: 1\n"), 0, []string{"pools", "b"}, v, "")
	if err != nil {
		t.Fatal(err)
	}
	want := "pools:\n  a:\n    count: 1\n  b:\n    # size of the VMs\n    vmSize: Standard_D8s_v5 # immutable\n    zones: # immutable\n      - \"1\"\n    version: \"1.34\"\n"
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// TestEditFuzzFindings pins inputs the fuzzers turned up (they are also
// seeds in testdata/fuzz).
func TestEditFuzzFindings(t *testing.T) {
	for _, tc := range []struct{ src, path, want string }{
		// The emptied mapping's "{}" goes where the removed line break was.
		{"A:\n A:", "A.A", "A: {}"},
		// Removing the last line must not take the block scalar's final
		// line break.
		{"a: |\n  x\n  # y\nb: 1", "b", "a: |\n  x\n  # y\n"},
	} {
		out, changed, err := DeleteKey([]byte(tc.src), 0, strings.Split(tc.path, "."))
		if err != nil || !changed || string(out) != tc.want {
			t.Errorf("DeleteKey(%q, %s) = %q, %v, %v; want %q", tc.src, tc.path, out, changed, err, tc.want)
		}
	}
}
