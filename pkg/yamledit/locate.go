package yamledit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

var yamlLineRE = regexp.MustCompile(`^yaml: (line \d+): `)

// parseDocs parses every document of src.
func parseDocs(src []byte) (docs []*yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			docs, err = nil, fmt.Errorf("%w: parser failed: %v", ErrInvalidYAML, r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			msg := err.Error()
			if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
				msg = m[1] + ": " + msg[len(m[0]):]
			} else {
				msg = strings.TrimPrefix(msg, "yaml: ")
			}
			return nil, fmt.Errorf("%w: %s", ErrInvalidYAML, msg)
		}
		docs = append(docs, &n)
	}
}

// loc is a path located in a parsed file: the mappings from the root of
// document di down to the last key of path, and the node there. Every
// edit starts from one.
type loc struct {
	t    *text
	docs []*yaml.Node // document nodes
	di   int          // the document edited; -1 when the file has none
	path []string
	maps []*yaml.Node // maps[i] is the mapping that holds path[i]
	kidx []int        // index of key path[i] in maps[i].Content, -1 if missing
	val  *yaml.Node   // the node at path, nil if missing
	// nullParent is set by SetNode when the parent of the key is "key:"
	// (null); maps then ends one level early.
	nullParent *yaml.Node
}

// open parses src for editing.
func open(src []byte) (*loc, error) {
	docs, err := parseDocs(src)
	if err != nil {
		return nil, fmt.Errorf("yamledit: %w", err)
	}
	if !utf8.Valid(src) {
		// The parser also reads UTF-16; edits are spliced as UTF-8 text.
		return nil, fmt.Errorf("yamledit: %w: the file is not UTF-8", ErrUnsupported)
	}
	return &loc{t: newText(src), docs: docs, di: -1}, nil
}

// name is the path for messages.
func (l *loc) name() string { return strconv.Quote(strings.Join(l.path, ".")) }

// keyNode returns the key node of path[i].
func (l *loc) keyNode(i int) *yaml.Node { return l.maps[i].Content[l.kidx[i]] }

// follow returns the node at the end of path[:n] in want, a copy of the
// documents.
func (l *loc) follow(want []*yaml.Node, n int) *yaml.Node {
	cur := want[l.di].Content[0]
	for i := 0; i < n; i++ {
		cur = cur.Content[l.kidx[i]+1]
	}
	return cur
}

// op is what a path is located for.
type op int

const (
	opSet    op = iota // the node must exist
	opNode             // the last key may be missing, and its parent null
	opDelete           // a missing path is no error
)

// locatePath parses src and finds path in document doc.
func locatePath(src []byte, doc int, path []string, o op) (*loc, error) {
	l, err := open(src)
	if err != nil {
		return nil, err
	}
	if len(path) == 0 {
		return nil, errors.New("yamledit: empty path")
	}
	for _, p := range path {
		if !utf8.ValidString(p) {
			return nil, errors.New("yamledit: path must be valid UTF-8")
		}
	}
	l.di, l.path = doc, path
	if doc < 0 || doc >= len(l.docs) {
		return nil, fmt.Errorf("yamledit: %w: document %d (the file has %d)", ErrNotFound, doc, len(l.docs))
	}
	missing := func(i int, why string) (*loc, error) {
		if o == opDelete {
			return l, nil
		}
		return nil, fmt.Errorf("yamledit: %w: %q %s", ErrNotFound, strings.Join(path[:i+1], "."), why)
	}
	if emptyDoc(l.docs[doc]) {
		return missing(0, fmt.Sprintf("is not set: document %d is empty", doc))
	}
	cur := l.docs[doc].Content[0]
	last := len(path) - 1
	for i, key := range path {
		where := "the document root"
		if i > 0 {
			where = strconv.Quote(strings.Join(path[:i], "."))
		}
		switch {
		case cur.Kind == yaml.AliasNode:
			return nil, fmt.Errorf("yamledit: %w: %s at %s is an alias", ErrUnsupported, where, pos(cur))
		case cur.Kind == yaml.SequenceNode:
			return nil, fmt.Errorf("yamledit: %w: %s at %s is a list; paths through lists are not supported", ErrUnsupported, where, pos(cur))
		case cur.Kind != yaml.MappingNode:
			if o == opNode && i == last && i > 0 && cur.Kind == yaml.ScalarNode && cur.ShortTag() == "!!null" &&
				cur.Anchor == "" && cur.Style == 0 {
				l.nullParent = cur
				return l, nil
			}
			return missing(i, fmt.Sprintf("is not set: %s at %s is a %s, not a mapping", where, pos(cur), kindName(cur)))
		case cur.Anchor != "":
			return nil, fmt.Errorf("yamledit: %w: %s at %s has an anchor (&%s)", ErrUnsupported, where, pos(cur), cur.Anchor)
		}
		ki, err := checkMapping(cur, key, where)
		if err != nil {
			return nil, err
		}
		l.maps, l.kidx = append(l.maps, cur), append(l.kidx, ki)
		if ki < 0 {
			if i == last && o != opSet {
				return l, nil
			}
			return missing(i, "is not set")
		}
		cur = cur.Content[ki+1]
	}
	l.val = cur
	return l, nil
}

// locateList parses src and finds the list under key in the root mapping
// of the one document that has the key. With forAdd, a missing key is
// resolved to the one document it should be added to. Other keys of the
// root mapping are not checked.
func locateList(src []byte, key string, forAdd bool) (*loc, error) {
	l, err := open(src)
	if err != nil {
		return nil, err
	}
	l.path = []string{key}
	docs := l.docs
	var withKey, nonEmpty []int
	for i, d := range docs {
		if emptyDoc(d) {
			continue
		}
		nonEmpty = append(nonEmpty, i)
		if root := d.Content[0]; root.Kind == yaml.MappingNode && findKey(root, key) >= 0 {
			withKey = append(withKey, i)
		}
	}
	switch {
	case len(withKey) > 1:
		return nil, fmt.Errorf("yamledit: key %q is in %d documents (lines %d and %d); the target list is ambiguous",
			key, len(withKey), docs[withKey[0]].Line, docs[withKey[1]].Line)
	case len(withKey) == 1:
		l.di = withKey[0]
	case !forAdd:
		for _, i := range nonEmpty {
			if root := docs[i].Content[0]; root.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("yamledit: document root at %s is a %s, not a mapping", pos(root), kindName(root))
			}
		}
		return l, nil
	case len(nonEmpty) > 1:
		return nil, fmt.Errorf("yamledit: key %q is missing and the file has %d documents; the target document is ambiguous", key, len(nonEmpty))
	case len(nonEmpty) == 1:
		l.di = nonEmpty[0]
	case len(docs) > 1:
		return nil, fmt.Errorf("yamledit: key %q is missing and the file has %d empty documents; the target document is ambiguous", key, len(docs))
	case len(docs) == 1:
		l.di = 0
		return l, nil
	default:
		return l, nil // no document at all
	}

	root := docs[l.di].Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("yamledit: document root at %s is a %s, not a mapping", pos(root), kindName(root))
	}
	ki := findKey(root, key)
	for j := ki + 2; ki >= 0 && j+1 < len(root.Content); j += 2 {
		if isKey(root.Content[j], key) {
			return nil, fmt.Errorf("yamledit: key %q is defined twice, at %s and %s", key, pos(root.Content[ki]), pos(root.Content[j]))
		}
	}
	l.maps, l.kidx = []*yaml.Node{root}, []int{ki}
	if ki < 0 {
		return l, nil
	}
	switch v := root.Content[ki+1]; {
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null":
		l.val = v
	case v.Kind == yaml.SequenceNode:
		for _, it := range v.Content {
			if it.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("yamledit: item at %s of %q is a %s, not a scalar", pos(it), key, kindName(it))
			}
		}
		l.val = v
	default:
		return nil, fmt.Errorf("yamledit: value of %q at %s is a %s, not a list", key, pos(v), kindName(v))
	}
	return l, nil
}

// root returns the root mapping of a located list, nil when the document
// is empty or missing.
func (l *loc) root() *yaml.Node {
	if len(l.maps) == 0 {
		return nil
	}
	return l.maps[0]
}

// items returns the items of a located list.
func (l *loc) items() []*yaml.Node {
	if l.val == nil || l.val.Kind != yaml.SequenceNode {
		return nil
	}
	return l.val.Content
}

func pos(n *yaml.Node) string { return fmt.Sprintf("%d:%d", n.Line, n.Column) }

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.DocumentNode:
		return "document"
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	case yaml.AliasNode:
		return "alias"
	}
	if n.ShortTag() == "!!null" {
		return "null"
	}
	return "scalar"
}

// emptyDoc reports whether a document has no content at all.
func emptyDoc(d *yaml.Node) bool {
	if len(d.Content) == 0 {
		return true
	}
	c := d.Content[0]
	return c.Kind == yaml.ScalarNode && c.Style == 0 && c.Value == "" && c.Anchor == "" && c.ShortTag() == "!!null"
}

// emptyNull reports whether n is a null with no text at all ("key:").
func emptyNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "" && n.Anchor == "" && n.ShortTag() == "!!null" &&
		n.Style&(yaml.TaggedStyle|yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0
}

func isKey(n *yaml.Node, key string) bool {
	return n.Kind == yaml.ScalarNode && n.Value == key && n.ShortTag() == "!!str"
}

// findKey returns the index of the first string key key in m.Content, or
// -1.
func findKey(m *yaml.Node, key string) int {
	for j := 0; j+1 < len(m.Content); j += 2 {
		if isKey(m.Content[j], key) {
			return j
		}
	}
	return -1
}

// checkMapping checks a mapping on the path and returns the index of key
// in it, or -1.
func checkMapping(m *yaml.Node, key, where string) (int, error) {
	seen := map[string]*yaml.Node{}
	found := -1
	for j := 0; j+1 < len(m.Content); j += 2 {
		k := m.Content[j]
		switch {
		case k.Kind == yaml.AliasNode:
			return -1, fmt.Errorf("yamledit: %w: %s has an alias as a key at %s", ErrUnsupported, where, pos(k))
		case k.Kind != yaml.ScalarNode:
			return -1, fmt.Errorf("yamledit: %w: %s has a %s as a key at %s", ErrUnsupported, where, kindName(k), pos(k))
		case k.ShortTag() == "!!merge":
			return -1, fmt.Errorf("yamledit: %w: %s has a merge key (<<) at %s", ErrUnsupported, where, pos(k))
		}
		id := k.ShortTag() + " " + k.Value
		if prev := seen[id]; prev != nil {
			return -1, fmt.Errorf("yamledit: %w: key %q is defined twice in %s, at %s and %s", ErrUnsupported, k.Value, where, pos(prev), pos(k))
		}
		seen[id] = k
		if k.Value != key {
			continue
		}
		switch {
		case k.ShortTag() != "!!str":
			return -1, fmt.Errorf("yamledit: %w: key %q at %s is a %s, not a string", ErrUnsupported, key, pos(k), k.ShortTag())
		case k.Anchor != "":
			return -1, fmt.Errorf("yamledit: %w: key %q at %s has an anchor (&%s)", ErrUnsupported, key, pos(k), k.Anchor)
		case k.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
			return -1, fmt.Errorf("yamledit: %w: key %q at %s is a block scalar", ErrUnsupported, key, pos(k))
		}
		found = j
	}
	return found, nil
}

// checkNewNode checks a node tree given to SetNode.
func checkNewNode(n *yaml.Node, depth int) error {
	if n == nil {
		return errors.New("yamledit: nil value")
	}
	if depth > 64 {
		return fmt.Errorf("yamledit: %w: value nested too deeply", ErrUnsupported)
	}
	if n.Anchor != "" {
		return fmt.Errorf("yamledit: %w: the new value has an anchor (&%s)", ErrUnsupported, n.Anchor)
	}
	for _, c := range []string{n.LineComment, n.HeadComment} {
		if !utf8.ValidString(c) {
			return errors.New("yamledit: comments must be valid UTF-8")
		}
	}
	if strings.ContainsAny(n.LineComment, "\r\n\u0085\u2028\u2029") {
		return fmt.Errorf("yamledit: %w: line comment %q spans lines", ErrUnsupported, n.LineComment)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if !utf8.ValidString(n.Value) || !utf8.ValidString(n.Tag) {
			return errors.New("yamledit: scalar values must be valid UTF-8")
		}
		if len(n.Content) > 0 {
			return errors.New("yamledit: a scalar node has content")
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if err := checkNewNode(c, depth+1); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		if len(n.Content)%2 != 0 {
			return errors.New("yamledit: a mapping node has an odd number of children")
		}
		seen := map[string]bool{}
		for i := 0; i < len(n.Content); i += 2 {
			k := n.Content[i]
			if k == nil || k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
				return fmt.Errorf("yamledit: %w: the new value has a key that is not a string", ErrUnsupported)
			}
			if seen[k.Value] {
				return fmt.Errorf("yamledit: %w: the new value has key %q twice", ErrUnsupported, k.Value)
			}
			seen[k.Value] = true
			for _, c := range n.Content[i : i+2] {
				if err := checkNewNode(c, depth+1); err != nil {
					return err
				}
			}
		}
	case yaml.AliasNode:
		return fmt.Errorf("yamledit: %w: the new value has an alias", ErrUnsupported)
	default:
		return fmt.Errorf("yamledit: %w: the new value is a %s node", ErrUnsupported, kindName(n))
	}
	return nil
}

// checkAnchors refuses to remove the nodes when they hold an anchor that an
// alias elsewhere in the document uses.
func (l *loc) checkAnchors(removed ...*yaml.Node) error {
	anchors := map[string]*yaml.Node{}
	inside := map[*yaml.Node]bool{}
	var collect func(n *yaml.Node)
	collect = func(n *yaml.Node) {
		inside[n] = true
		if n.Anchor != "" {
			anchors[n.Anchor] = n
		}
		for _, c := range n.Content {
			collect(c)
		}
	}
	for _, n := range removed {
		collect(n)
	}
	if len(anchors) == 0 {
		return nil
	}
	var used *yaml.Node
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if used != nil || inside[n] {
			return
		}
		if n.Kind == yaml.AliasNode && anchors[n.Value] != nil {
			used = n
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(l.docs[l.di])
	if used != nil {
		a := anchors[used.Value]
		return fmt.Errorf("yamledit: %w: value of %s holds the anchor &%s at %s, which the alias at %s uses", ErrUnsupported, l.name(), a.Anchor, pos(a), pos(used))
	}
	return nil
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// lookupKey returns the value of key in mapping m for Lookup, following
// aliases and merge keys.
func lookupKey(m *yaml.Node, key string, depth int) (*yaml.Node, error) {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode || depth > 100 {
		return nil, nil
	}
	var found, val *yaml.Node
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		switch {
		case k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge":
			merges = append(merges, v)
		case isKey(k, key) && found != nil:
			return nil, fmt.Errorf("yamledit: %w: key %q is defined twice, at %s and %s", ErrInvalidYAML, key, pos(found), pos(k))
		case isKey(k, key):
			found, val = k, v
		}
	}
	if found != nil {
		return deref(val), nil
	}
	for _, mv := range merges {
		mv = deref(mv)
		if mv == nil {
			continue
		}
		srcs := []*yaml.Node{mv}
		if mv.Kind == yaml.SequenceNode {
			srcs = mv.Content
		}
		for _, s := range srcs {
			if v, err := lookupKey(s, key, depth+1); v != nil || err != nil {
				return v, err
			}
		}
	}
	return nil, nil
}
