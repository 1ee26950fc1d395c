package yamledit

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	"golang.org/x/tools/txtar"
)

// The fuzz checks below use decodeAll and canon from fuzz_test.go and
// their own tree surgery, not the package's verify.

// keyPath is a key found by walking mappings from a document's root.
type keyPath struct {
	doc  int
	path []string
	m    *yaml.Node // the mapping holding the key
	i    int        // index of the key in m.Content
}

// keyPaths lists the string keys of every mapping reachable from the
// document roots through mappings, and (with maps) every mapping with a
// nil path entry i=-1.
func keyPaths(docs []*yaml.Node, maps bool) []keyPath {
	var out []keyPath
	var walk func(doc int, m *yaml.Node, prefix []string)
	walk = func(doc int, m *yaml.Node, prefix []string) {
		if m.Kind != yaml.MappingNode || len(out) > 2000 {
			return
		}
		if maps {
			out = append(out, keyPath{doc, prefix, m, -1})
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			if k.Kind != yaml.ScalarNode {
				continue
			}
			p := append(append([]string(nil), prefix...), k.Value)
			out = append(out, keyPath{doc, p, m, i})
			walk(doc, m.Content[i+1], p)
		}
	}
	for i, d := range docs {
		if len(d.Content) == 1 {
			walk(i, d.Content[0], nil)
		}
	}
	return out
}

// copyTree deep-copies a node tree, mapping old nodes to their copies.
func copyTree(n *yaml.Node, seen map[*yaml.Node]*yaml.Node) *yaml.Node {
	c := *n
	seen[n] = &c
	c.Content = nil
	for _, ch := range n.Content {
		c.Content = append(c.Content, copyTree(ch, seen))
	}
	return &c
}

func copyDocs(docs []*yaml.Node) ([]*yaml.Node, map[*yaml.Node]*yaml.Node) {
	seen := map[*yaml.Node]*yaml.Node{}
	var out []*yaml.Node
	for _, d := range docs {
		out = append(out, copyTree(d, seen))
	}
	return out, seen
}

func canonAll(docs []*yaml.Node) string {
	var parts []string
	for _, d := range docs {
		parts = append(parts, canon(d))
	}
	return strings.Join(parts, "\n")
}

var lineBreakRE = regexp.MustCompile("\r\n|\r|\n|\u0085|\u2028|\u2029")

// physLines splits src into lines the way the YAML parser counts them,
// keeping the line breaks.
func physLines(src []byte) []string {
	var out []string
	s := string(src)
	for {
		loc := lineBreakRE.FindStringIndex(s)
		if loc == nil {
			if s != "" {
				out = append(out, s)
			}
			return out
		}
		out = append(out, s[:loc[1]])
		s = s[loc[1]:]
	}
}

// checkResult checks an edit's result against the expected documents.
func checkResult(t *testing.T, op string, src []byte, oldDocs []*yaml.Node, out []byte, changed bool, err error, want []*yaml.Node) bool {
	t.Helper()
	if err != nil {
		if strings.Contains(err.Error(), "internal error") {
			t.Fatalf("%s: %v\n%q", op, err, src)
		}
		return false
	}
	if !changed {
		if !bytes.Equal(out, src) {
			t.Fatalf("%s: changed=false but the output differs", op)
		}
		if canonAll(want) != canonAll(oldDocs) {
			t.Fatalf("%s: changed=false but the edit was not a no-op\n%q", op, src)
		}
		return false
	}
	newDocs, perr := decodeAll(out)
	if perr != nil {
		t.Fatalf("%s produced YAML that does not parse: %v\n--- in\n%q\n--- out\n%q", op, perr, src, out)
	}
	if g, w := canonAll(newDocs), canonAll(want); g != w {
		t.Fatalf("%s: wrong result\n--- in\n%q\n--- out\n%q\n--- got\n%s\n--- want\n%s", op, src, out, g, w)
	}
	return true
}

func editSeeds() [][]byte {
	var seeds [][]byte
	files, _ := filepath.Glob(filepath.Join("testdata", "edit", "*.txtar"))
	for _, f := range files {
		ar, err := txtar.ParseFile(f)
		if err != nil {
			continue
		}
		for _, s := range ar.Files {
			if s.Name == "input" {
				seeds = append(seeds, s.Data, bytes.ReplaceAll(s.Data, []byte("\n"), []byte("\r\n")))
			}
		}
	}
	more, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, f := range more {
		if b, err := os.ReadFile(f); err == nil {
			seeds = append(seeds, b)
		}
	}
	for _, s := range []string{
		"a: 1", "a:\n  b: 1\n  c: 2", "a: {b: 1, c: [x, y]}", "a: \"x\ny\"\nb: 1", "a: |\n  x\n  # y\nb: 1",
		"a:\n  b: >-\n    x\n\n  c: 1\n", "- a", "", "a: &x 1\nb: *x", "a: plain\n  continued\nb: 2",
		"a: {b: {}}", "{}", "a: !!str 1\nb: !t x", "a:\n- b\n- c: 1\n  d: 2\ne: 3", "--- a\n--- b: 1\n...",
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

func FuzzSetScalar(f *testing.F) {
	for i, s := range editSeeds() {
		f.Add(s, uint16(i*7), "5", true)
		f.Add(s, uint16(i*13+1), "1.30", false)
		f.Add(s, uint16(i*3+2), "it's: #x", false)
	}
	f.Fuzz(func(t *testing.T, src []byte, sel uint16, value string, asInt bool) {
		oldDocs, perr := decodeAll(src)
		kind, tag := Str, "!!str"
		if asInt {
			kind, tag = Int, "!!int"
		}
		paths := keyPaths(oldDocs, false)
		if perr != nil || len(paths) == 0 {
			_, _, err := SetScalar(src, 0, []string{"a"}, value, kind)
			if perr != nil && err == nil {
				t.Fatalf("SetScalar accepted input that does not parse (%v)", perr)
			}
			return
		}
		kp := paths[int(sel)%len(paths)]
		orig := bytes.Clone(src)
		out, changed, err := SetScalar(src, kp.doc, kp.path, value, kind)
		if !bytes.Equal(src, orig) {
			t.Fatal("input modified")
		}
		want, seen := copyDocs(oldDocs)
		n := seen[kp.m.Content[kp.i+1]]
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value, Anchor: n.Anchor}
		if !checkResult(t, "SetScalar", src, oldDocs, out, changed, err, want) {
			return
		}
		// Only the lines of the value changed, into one line.
		key, val := kp.m.Content[kp.i], kp.m.Content[kp.i+1]
		ol, nl := physLines(src), physLines(out)
		p := 0
		for p < len(ol) && p < len(nl) && ol[p] == nl[p] {
			p++
		}
		s := 0
		for s < len(ol)-p && s < len(nl)-p && ol[len(ol)-1-s] == nl[len(nl)-1-s] {
			s++
		}
		if len(nl)-p-s != 1 || len(ol)-p-s < 1 || (p != key.Line-1 && p != val.Line-1) {
			t.Fatalf("SetScalar changed lines %d..%d (value at line %d) into %d lines\n--- in\n%q\n--- out\n%q",
				p+1, len(ol)-s, val.Line, len(nl)-p-s, src, out)
		}
	})
}

func FuzzSetNode(f *testing.F) {
	for i, s := range editSeeds() {
		f.Add(s, uint16(i*7), "zz", "{min: 1, max: 10}", uint8(i))
		f.Add(s, uint16(i*5+3), "count", "mode: User\nvmSize: X # immutable\nzones:\n  - \"1\"\n", uint8(0))
		f.Add(s, uint16(i*11+1), "a", "[1, 'x', {b: c}]", uint8(i*3))
	}
	f.Fuzz(func(t *testing.T, src []byte, sel uint16, key, valueYAML string, afterSel uint8) {
		oldDocs, perr := decodeAll(src)
		var value *yaml.Node
		var vd yaml.Node
		if err := yaml.Unmarshal([]byte(valueYAML), &vd); err == nil && len(vd.Content) == 1 {
			value = vd.Content[0]
		} else {
			value = &yaml.Node{Kind: yaml.ScalarNode, Value: valueYAML}
		}
		paths := keyPaths(oldDocs, true)
		if perr != nil || len(paths) == 0 {
			_, _, err := SetNode(src, 0, []string{"a", key}, value, "")
			if perr != nil && err == nil {
				t.Fatalf("SetNode accepted input that does not parse (%v)", perr)
			}
			return
		}
		kp := paths[int(sel)%len(paths)]
		m := kp.m
		path, after := kp.path, ""
		if kp.i < 0 {
			path = append(append([]string(nil), kp.path...), key)
			if n := len(m.Content) / 2; n > 0 && int(afterSel)%(n+1) < n {
				if k := m.Content[int(afterSel)%(n+1)*2]; k.Kind == yaml.ScalarNode {
					after = k.Value
				}
			}
		}
		orig := bytes.Clone(src)
		out, changed, err := SetNode(src, kp.doc, path, value, after)
		if !bytes.Equal(src, orig) {
			t.Fatal("input modified")
		}
		name := path[len(path)-1]
		want, seen := copyDocs(oldDocs)
		wm := seen[m]
		nv := copyTree(value, map[*yaml.Node]*yaml.Node{})
		found, afterAt := -1, -1
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!str" && k.Value == name && found < 0 {
				found = i
			}
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!str" && k.Value == after && after != "" && afterAt < 0 {
				afterAt = i
			}
		}
		switch {
		case found >= 0:
			wm.Content[found+1] = nv
		case afterAt >= 0:
			at := afterAt + 2
			wm.Content = append(wm.Content[:at:at], append([]*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, nv}, wm.Content[at:]...)...)
		default:
			wm.Content = append(wm.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, nv)
		}
		checkResult(t, "SetNode", src, oldDocs, out, changed, err, want)
	})
}

func FuzzDeleteKey(f *testing.F) {
	for i, s := range editSeeds() {
		f.Add(s, uint16(i*7))
		f.Add(s, uint16(i*13+5))
	}
	f.Fuzz(func(t *testing.T, src []byte, sel uint16) {
		oldDocs, perr := decodeAll(src)
		paths := keyPaths(oldDocs, false)
		if perr != nil || len(paths) == 0 {
			_, _, err := DeleteKey(src, 0, []string{"a"})
			if perr != nil && err == nil {
				t.Fatalf("DeleteKey accepted input that does not parse (%v)", perr)
			}
			return
		}
		kp := paths[int(sel)%len(paths)]
		orig := bytes.Clone(src)
		out, changed, err := DeleteKey(src, kp.doc, kp.path)
		if !bytes.Equal(src, orig) {
			t.Fatal("input modified")
		}
		want, seen := copyDocs(oldDocs)
		wm := seen[kp.m]
		wm.Content = append(wm.Content[:kp.i:kp.i], wm.Content[kp.i+2:]...)
		if err == nil && !changed {
			t.Fatalf("DeleteKey %q: changed=false for a key that is there\n%q", kp.path, src)
		}
		checkResult(t, "DeleteKey", src, oldDocs, out, changed, err, want)
	})
}
