// Package yamlpos maps field paths of a YAML file, such as "spec.resources[0].spec.vmSize", to
// the line and column where they are written, so that findings about decoded objects can point
// at the file.
//
// A file is parsed once (with go.yaml.in/yaml/v3) into an Index; lookups then walk the parsed
// tree and do not parse again. An Index is read-only after Parse and safe for concurrent use.
//
// Positions are 1-based. Lines are counted as editors count them ("\n" ends a line; "\r\n" is one
// line break), and columns count Unicode code points (characters), not bytes; a byte order mark
// is not counted. Zero means "no position".
//
// Documents are numbered from 0 the way the Kubernetes YAML reader
// (k8s.io/apimachinery/pkg/util/yaml) splits a stream, so that document i here is document i for
// kubectl and fleetctl validate. A line that starts with "---" followed only by blanks or a
// comment ends the document before it, unless that document has no lines yet: then the line
// starts it. So "---" on the first line adds no document, while "---\n---\na: 1" holds two
// (the first empty); any text between separators, even only comments or blank lines, is a
// document (empty when it holds no YAML node). Directives ("%YAML 1.1") belong to the document
// after them. A part that YAML reads as several documents (after a line such as "--- !!map",
// which the Kubernetes reader rejects) counts as several.
package yamlpos

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"

	yaml "go.yaml.in/yaml/v3"
)

// Index answers position questions about one parsed YAML file.
type Index struct {
	docs  []document
	dups  []Duplicate
	big   map[*yaml.Node]map[string]int // key -> index of its last pair, for large mappings
	lines int                           // lines in the file
}

type document struct {
	root  *yaml.Node // nil for a document with no content
	line  int        // file line of the first line of the document's part
	lines *lineMap   // nil when the parser's lines are "\n" lines
}

// Duplicate is a mapping key that appears more than once in the same mapping. There is one
// Duplicate for every repetition after the first.
type Duplicate struct {
	Doc  int    // document index
	Path string // path of the key, e.g. "spec.replicas", in the syntax Lookup reads
	// Line and Column locate the repeated key.
	Line, Column int
	// FirstLine is the line of the key's first occurrence in the mapping.
	FirstLine int
}

// SyntaxError is a YAML syntax error. Line and Column locate the character at which the text
// stops being valid YAML, found by re-parsing prefixes of the file: the parser itself reports
// only an approximate line. They are 0 when unknown.
type SyntaxError struct {
	Line, Column int
	Msg          string // the parser's message, without position, e.g. "mapping values are not allowed in this context"
}

func (e *SyntaxError) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("yaml: line %d, column %d: %s", e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("yaml: line %d: %s", e.Line, e.Msg)
	}
	return "yaml: " + e.Msg
}

// bigMapping is the number of pairs from which a mapping gets a hash index.
const bigMapping = 16

// Parse parses every document of src. It fails with a *SyntaxError when src is not valid YAML.
// Duplicate keys are not errors; see DuplicateKeys.
func Parse(src []byte) (*Index, error) {
	ix := &Index{lines: lineCount(src), big: map[*yaml.Node]map[string]int{}}
	for _, p := range splitParts(src) {
		roots, err := decode(p.text)
		if err != nil {
			return nil, locate(p, err)
		}
		lm := newLineMap(p.text)
		if len(roots) == 0 {
			ix.docs = append(ix.docs, document{line: p.line, lines: lm})
		}
		for _, r := range roots {
			ix.docs = append(ix.docs, document{root: r, line: p.line, lines: lm})
		}
	}
	for i := range ix.docs {
		if ix.docs[i].root != nil {
			ix.walk(i, ix.docs[i].root, nil)
		}
	}
	slices.SortStableFunc(ix.dups, func(a, b Duplicate) int {
		return cmp.Or(cmp.Compare(a.Doc, b.Doc), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return ix, nil
}

// decode returns the root node of every document in text (nil for an empty one).
func decode(text []byte) (roots []*yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			roots, err = nil, fmt.Errorf("yaml: internal parser error: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(text))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return roots, nil
		}
		if err != nil {
			return nil, err
		}
		var root *yaml.Node
		if len(n.Content) > 0 {
			root = n.Content[0]
		}
		roots = append(roots, root)
	}
}

// Documents returns the number of documents in the file.
func (ix *Index) Documents() int { return len(ix.docs) }

// DuplicateKeys returns every repeated mapping key of the file, ordered by document and position.
// Keys are compared by their scalar value, as decoding into a map does ("1" and 1 are the same
// key); keys written inside an anchored node are reported once, where they are written.
func (ix *Index) DuplicateKeys() []Duplicate { return slices.Clone(ix.dups) }

// Lookup returns the position of the node at path in document doc (0-based).
//
// Paths are dotted with indexes in brackets: "spec.template.spec.version",
// "spec.resources[0].spec.vmSize", "nodePools.work.count". A key that contains dots or
// brackets is written in brackets, quoted (`metadata.annotations["kustomize.toolkit.fluxcd.io/prune"]`,
// with Go escapes) or not (`metadata.labels[app.kubernetes.io/name]`, as Kubernetes prints field
// paths); a decimal segment also reads as a mapping key ("[80]" finds the key 80) and a bare
// decimal segment as an index ("items.0"). The empty path is the document's root.
//
// For a mapping entry the position is that of its key; for a sequence item, that of the item.
// Where the path passes through an alias (`pool: *defaults`, or a merge `<<: *defaults`), the
// position of the alias is returned for everything below it, because the object's own text
// ends there. When a key appears twice, the last one is used, as lenient decoders do. Merge keys
// are followed: keys of the mapping itself come first, then merged mappings in order.
//
// When the exact path does not exist (or is not valid path syntax), Lookup returns the position
// of the deepest ancestor that exists and exact=false. When doc is out of range it returns
// 0, 0, false. For a document with no content it returns the document's first line, column 1.
func (ix *Index) Lookup(doc int, path string) (line, col int, exact bool) {
	if doc < 0 || doc >= len(ix.docs) {
		return 0, 0, false
	}
	d := &ix.docs[doc]
	segs, ok := parsePath(path)
	if d.root == nil {
		return min(d.line, ix.lines), 1, ok && len(segs) == 0
	}
	_, at, found := ix.resolve(d.root, segs)
	line, col = ix.pos(d, at)
	return line, col, ok && found == len(segs)
}

// ObjectAt returns the first document whose apiVersion, kind and metadata.name are the given
// values, or -1. An empty argument matches any value.
func (ix *Index) ObjectAt(apiVersion, kind, name string) int {
	for i, d := range ix.docs {
		if d.root == nil || d.root.Kind != yaml.MappingNode {
			continue
		}
		if ix.scalarIs(d.root, "apiVersion", apiVersion) && ix.scalarIs(d.root, "kind", kind) &&
			ix.scalarIs(d.root, "metadata.name", name) {
			return i
		}
	}
	return -1
}

func (ix *Index) scalarIs(root *yaml.Node, path, want string) bool {
	if want == "" {
		return true
	}
	segs, _ := parsePath(path)
	n, _, found := ix.resolve(root, segs)
	n = deref(n)
	return found == len(segs) && n != nil && n.Kind == yaml.ScalarNode && n.Value == want
}

// resolve walks segs from root. It returns the node reached, the node whose position stands for
// it (a key, an item, or the first alias passed through) and how many segments were found.
func (ix *Index) resolve(root *yaml.Node, segs []segment) (n, at *yaml.Node, found int) {
	n, at = root, root
	var pin *yaml.Node // the first alias passed through
	for _, s := range segs {
		cur, alias := n, (*yaml.Node)(nil)
		if cur.Kind == yaml.AliasNode {
			alias, cur = cur, cur.Alias
		}
		var next, site, via *yaml.Node
		switch {
		case cur == nil:
		case cur.Kind == yaml.MappingNode:
			budget := 1000
			site, next, via = ix.findKey(cur, s.key, &budget)
		case cur.Kind == yaml.SequenceNode && s.idx >= 0 && s.idx < len(cur.Content):
			next = cur.Content[s.idx]
			site = next
		}
		if next == nil {
			break
		}
		if pin == nil {
			pin = cmp.Or(alias, via)
		}
		n, at = next, site
		found++
	}
	if pin != nil {
		at = pin
	}
	return n, at, found
}

// findKey finds key in mapping m, following merge keys. It returns the key node, the value node
// and, when the key came through an aliased merge source, that alias. budget bounds the work on
// merge cycles.
func (ix *Index) findKey(m *yaml.Node, key string, budget *int) (k, v, via *yaml.Node) {
	if *budget--; *budget < 0 {
		return nil, nil, nil
	}
	if idx, ok := ix.big[m]; ok {
		if i, ok := idx[key]; ok {
			return m.Content[i], m.Content[i+1], nil
		}
	} else {
		for i := len(m.Content) - 2; i >= 0; i -= 2 {
			if name, ok := keyName(m.Content[i]); ok && name == key {
				return m.Content[i], m.Content[i+1], nil
			}
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !isMerge(m.Content[i]) {
			continue
		}
		srcs := []*yaml.Node{m.Content[i+1]}
		if srcs[0].Kind == yaml.SequenceNode {
			srcs = srcs[0].Content
		}
		for _, s := range srcs {
			var alias *yaml.Node
			if s.Kind == yaml.AliasNode {
				alias, s = s, s.Alias
			}
			if s == nil || s.Kind != yaml.MappingNode {
				continue
			}
			if k, v, via := ix.findKey(s, key, budget); k != nil {
				if alias != nil {
					via = alias
				}
				return k, v, via
			}
		}
	}
	return nil, nil, nil
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

func deref(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

// keyName is the value a mapping key is matched by: a scalar's value, or the value of the scalar
// an alias points to.
func keyName(k *yaml.Node) (string, bool) {
	k = deref(k)
	if k == nil || k.Kind != yaml.ScalarNode {
		return "", false
	}
	return k.Value, true
}

// pos converts a node's parser position to a file position within the file's lines.
func (ix *Index) pos(d *document, n *yaml.Node) (int, int) {
	line, col := d.lines.pos(n.Line, n.Column)
	line += d.line - 1
	return min(max(line, 1), ix.lines), max(col, 1)
}

// pathStep is one step of the path to the node being walked, built into a string only when a
// duplicate needs it.
type pathStep struct {
	up  *pathStep
	key string
	idx int // >= 0 for a sequence item
}

func (p *pathStep) String() string {
	if p == nil {
		return ""
	}
	if p.idx >= 0 {
		return AppendIndex(p.up.String(), p.idx)
	}
	return AppendKey(p.up.String(), p.key)
}

// walk records duplicate keys below n and indexes large mappings. It does not follow aliases, so
// every key is seen once, where it is written.
func (ix *Index) walk(doc int, n *yaml.Node, path *pathStep) {
	switch n.Kind {
	case yaml.SequenceNode:
		for i, c := range n.Content {
			ix.walk(doc, c, &pathStep{up: path, idx: i})
		}
	case yaml.MappingNode:
		var first map[string]int
		if len(n.Content) >= 2*bigMapping {
			first = make(map[string]int, len(n.Content)/2)
		}
		dup := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			name, ok := keyName(k)
			if ok {
				j := -1
				if first != nil {
					if f, seen := first[name]; seen {
						j = f
					} else {
						first[name] = i
					}
				} else {
					for f := 0; f < i; f += 2 {
						if other, ok := keyName(n.Content[f]); ok && other == name {
							j = f
							break
						}
					}
				}
				if j >= 0 {
					dup = true
					d := &ix.docs[doc]
					line, col := ix.pos(d, k)
					firstLine, _ := ix.pos(d, n.Content[j])
					ix.dups = append(ix.dups, Duplicate{Doc: doc, Path: (&pathStep{up: path, key: name, idx: -1}).String(),
						Line: line, Column: col, FirstLine: firstLine})
				}
			}
			ix.walk(doc, n.Content[i+1], &pathStep{up: path, key: name, idx: -1})
		}
		if first != nil {
			if dup { // lookups use the last of repeated keys
				for i := 0; i+1 < len(n.Content); i += 2 {
					if name, ok := keyName(n.Content[i]); ok {
						first[name] = i
					}
				}
			}
			ix.big[n] = first
		}
	}
}
