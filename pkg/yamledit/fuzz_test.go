package yamledit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// The checks below are written independently of the package's own
// verification, so that the fuzzers test it rather than trust it.

func decodeAll(src []byte) (docs []*yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parser panic: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); errors.Is(err, io.EOF) {
			return docs, nil
		} else if err != nil {
			return nil, err
		}
		docs = append(docs, &n)
	}
}

// canon renders a node tree without positions, styles or comments.
func canon(n *yaml.Node) string {
	var b strings.Builder
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		fmt.Fprintf(&b, "(%d %s &%s", n.Kind, n.ShortTag(), n.Anchor)
		if n.Kind == yaml.ScalarNode || n.Kind == yaml.AliasNode {
			fmt.Fprintf(&b, " %q", n.Value)
		}
		for _, c := range n.Content {
			b.WriteByte(' ')
			walk(c)
		}
		b.WriteByte(')')
	}
	walk(n)
	return b.String()
}

// keyIndex returns the index of the pair with string key in a document's
// root mapping, or -1.
func keyIndex(doc *yaml.Node, key string) int {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return -1
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!str" && k.Value == key {
			return i
		}
	}
	return -1
}

// withoutKey renders a document with the pair of key left out, and with
// an empty document rendered like an empty mapping.
func withoutKey(doc *yaml.Node, key string) string {
	d := *doc
	if len(d.Content) == 0 {
		d.Content = []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}
	}
	if len(d.Content) == 1 {
		c := *d.Content[0]
		if c.Kind == yaml.ScalarNode && c.ShortTag() == "!!null" && c.Value == "" {
			c = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		if i := keyIndex(&d, key); i >= 0 {
			c.Content = append(c.Content[:i:i], c.Content[i+2:]...)
		}
		d.Content = []*yaml.Node{&c}
	}
	return canon(&d)
}

func listOf(doc *yaml.Node, key string) []*yaml.Node {
	i := keyIndex(doc, key)
	if i < 0 {
		return nil
	}
	return doc.Content[0].Content[i+1].Content
}

// singleSplice reports whether b is a with one contiguous run of bytes
// inserted (or, swapped, removed).
func singleSplice(a, b []byte) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	p := 0
	for p < len(a) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	return p+s == len(a)
}

// checkEdit checks one result of AddToList (op "add") or RemoveFromList.
func checkEdit(t testing.TB, op string, src []byte, key, value string, out []byte, changed bool, err error) {
	t.Helper()
	oldDocs, perr := decodeAll(src)
	if perr != nil {
		if err == nil {
			t.Fatalf("%s accepted input that does not parse (%v)", op, perr)
		}
		return
	}
	if err != nil {
		if strings.Contains(err.Error(), "internal error") {
			t.Fatalf("%s: %v", op, err)
		}
		return
	}
	// The target document: the only one with the key, else the only one.
	target := -1
	for i, d := range oldDocs {
		if keyIndex(d, key) >= 0 {
			if target >= 0 {
				t.Fatalf("%s succeeded although %q is in several documents", op, key)
			}
			target = i
		}
	}
	var oldList []*yaml.Node
	if target >= 0 {
		oldList = listOf(oldDocs[target], key)
	}
	present := false
	for _, it := range oldList {
		if it.Kind != yaml.ScalarNode {
			t.Fatalf("%s succeeded on a list with a %v item", op, it.Kind)
		}
		present = present || it.Value == value
	}
	if !changed {
		if !bytes.Equal(out, src) {
			t.Fatalf("%s: changed=false but output differs", op)
		}
		if (op == "add") != present {
			t.Fatalf("%s: changed=false but value present=%v", op, present)
		}
		return
	}
	if (op == "add") == present {
		t.Fatalf("%s: changed=true but value present=%v before", op, present)
	}
	newDocs, perr := decodeAll(out)
	if perr != nil {
		t.Fatalf("%s produced YAML that does not parse: %v\n%s", op, perr, out)
	}
	if len(oldDocs) == 0 && op == "add" {
		oldDocs = []*yaml.Node{{Kind: yaml.DocumentNode}}
		target = 0
	}
	if len(newDocs) != len(oldDocs) {
		t.Fatalf("%s changed the number of documents from %d to %d:\n%s", op, len(oldDocs), len(newDocs), out)
	}
	if target < 0 {
		if len(oldDocs) != 1 && op == "add" {
			nonEmpty := 0
			for i, d := range oldDocs {
				if withoutKey(d, key) != withoutKey(&yaml.Node{Kind: yaml.DocumentNode}, key) {
					nonEmpty++
					target = i
				}
			}
			if nonEmpty != 1 {
				t.Fatalf("add picked a document among %d candidates", nonEmpty)
			}
		} else {
			target = 0
		}
	}
	for i := range oldDocs {
		if withoutKey(oldDocs[i], key) != withoutKey(newDocs[i], key) {
			t.Fatalf("%s changed other content of document %d:\n--- in\n%s\n--- out\n%s", op, i, src, out)
		}
	}
	oi, ni := keyIndex(oldDocs[target], key), keyIndex(newDocs[target], key)
	if ni < 0 || (oi >= 0 && oi != ni) || (oi < 0 && ni != len(newDocs[target].Content[0].Content)-2) {
		t.Fatalf("%s: key %q moved from pair %d to %d", op, key, oi, ni)
	}
	newSeq := newDocs[target].Content[0].Content[ni+1]
	if newSeq.Kind != yaml.SequenceNode {
		t.Fatalf("%s: value of %q is a %v after the edit", op, key, newSeq.Kind)
	}
	var want []string
	for _, it := range oldList {
		if op == "add" || it.Value != value {
			want = append(want, canon(it))
		}
	}
	if op == "add" {
		want = append(want, canon(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}))
	}
	var got []string
	for _, it := range newSeq.Content {
		got = append(got, canon(it))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s: list is\n%s\nwant\n%s\n--- in\n%s\n--- out\n%s", op, strings.Join(got, "\n"), strings.Join(want, "\n"), src, out)
	}
	// Appending to or removing one of several items of a block list
	// splices one run of bytes and keeps all the others.
	if oi >= 0 {
		oldSeq := oldDocs[target].Content[0].Content[oi+1]
		block := oldSeq.Kind == yaml.SequenceNode && oldSeq.Style&yaml.FlowStyle == 0
		removedAll := op == "remove" && len(newSeq.Content) == 0
		dups := len(oldList) - len(newSeq.Content)
		if block && !removedAll && (op == "add" || dups == 1) && !singleSplice(src, out) {
			t.Fatalf("%s rewrote more than one run of bytes:\n--- in\n%q\n--- out\n%q", op, src, out)
		}
	}
}

func addSeeds(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, v := range []string{"indian-aks", "atlantic-aks", "needs: quoting", "", "123", "a\nb"} {
			f.Add(src, "resources", v)
		}
		f.Add(src, "kind", "x")
	}
	for _, tc := range editCases {
		src, err := os.ReadFile(filepath.Join("testdata", tc.in))
		if err != nil {
			f.Fatal(err)
		}
		key := tc.key
		if key == "" {
			key = "resources"
		}
		f.Add(src, key, tc.value)
	}
}

func FuzzAddToList(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte, key, value string) {
		orig := bytes.Clone(src)
		out, changed, err := AddToList(src, key, value)
		if !bytes.Equal(src, orig) {
			t.Fatal("input modified")
		}
		checkEdit(t, "add", src, key, value, out, changed, err)
	})
}

func FuzzRemoveFromList(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte, key, value string) {
		orig := bytes.Clone(src)
		out, changed, err := RemoveFromList(src, key, value)
		if !bytes.Equal(src, orig) {
			t.Fatal("input modified")
		}
		checkEdit(t, "remove", src, key, value, out, changed, err)
	})
}
