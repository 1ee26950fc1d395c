package yamledit

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// ErrNotFound is wrapped by errors for a path (or document) that is not in
// the file.
var ErrNotFound = errors.New("not found")

// Kind says how a value written by SetScalar must read back.
type Kind int

const (
	// Str is a string; it is quoted when it would read back as another
	// type when plain.
	Str Kind = iota
	// Int is a plain integer.
	Int
)

func (k Kind) tag() (string, error) {
	switch k {
	case Str:
		return "!!str", nil
	case Int:
		return "!!int", nil
	}
	return "", fmt.Errorf("yamledit: unknown kind %d", int(k))
}

// SetScalar replaces the scalar value at path (mapping keys from the root
// mapping of document doc, 0-based) with value. kind says how the value
// must read back: Str (a string) or Int (a plain integer).
//
// Only the text of the scalar changes: the key, a comment on the same line
// after the value, comments above and the quoting style stay (plain stays
// plain; single- and double-quoted stay so when that reads back as the
// right kind; a Str value that would read back as another type when plain,
// such as "1.30" or "true", is quoted). Flow mappings are edited in place
// too. If the value already equals value with the right kind, SetScalar
// returns src and changed=false.
//
// A missing path gives an error wrapping ErrNotFound; a value that is not
// a plain or quoted scalar (a mapping, list, alias, anchored or block
// scalar) one wrapping ErrUnsupported.
func SetScalar(src []byte, doc int, path []string, value string, kind Kind) (out []byte, changed bool, err error) {
	defer wrapPanic(&err)
	tag, err := kind.tag()
	if err != nil {
		return nil, false, err
	}
	if !utf8.ValidString(value) {
		return nil, false, errors.New("yamledit: value must be valid UTF-8")
	}
	e, err := resolve(src, doc, path, opSet)
	if err != nil {
		return nil, false, err
	}
	n := e.val
	if n.Kind == yaml.ScalarNode && n.ShortTag() == tag && n.Value == value {
		return src, false, nil
	}
	where := fmt.Sprintf("value of %s at %s", e.name(), pos(n))
	switch {
	case n.Kind == yaml.AliasNode:
		return nil, false, fmt.Errorf("yamledit: %w: %s is an alias", ErrUnsupported, where)
	case n.Kind != yaml.ScalarNode:
		return nil, false, fmt.Errorf("yamledit: %w: %s is a %s, not a scalar", ErrUnsupported, where, kindName(n))
	case n.Anchor != "":
		return nil, false, fmt.Errorf("yamledit: %w: %s has an anchor (&%s)", ErrUnsupported, where, n.Anchor)
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return nil, false, fmt.Errorf("yamledit: %w: %s is a block scalar (| or >)", ErrUnsupported, where)
	case n.Style&yaml.TaggedStyle != 0 && n.ShortTag() != tag:
		return nil, false, fmt.Errorf("yamledit: %w: %s has the tag %s", ErrUnsupported, where, n.Tag)
	}
	if kind == Int && !readsBackAs(value, value, "!!int") {
		return nil, false, fmt.Errorf("yamledit: %q is not a plain integer", value)
	}

	want := cloneDocs(e.docs)
	wn := e.follow(want, len(path))
	wn.Value, wn.Tag, wn.Style = value, tag, n.Style&yaml.TaggedStyle

	t := e.t
	flow := e.maps[len(path)-1].Style&yaml.FlowStyle != 0
	var from, to int
	var lead string
	if emptyNull(n) {
		ce, err := e.colonEnd(e.keyNode(len(path) - 1))
		if err != nil {
			return nil, false, err
		}
		from, to, lead = ce, ce, " "
	} else {
		off, err := t.offset(n.Line, n.Column)
		if err != nil {
			return nil, false, err
		}
		if n.Value == "" && n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) == 0 {
			from, lead = t.propsEndOnLine(off), " "
		} else {
			from = t.skipProperties(off)
		}
		ind := e.keyNode(len(path)-1).Column - 1
		to, err = e.nodeEnd(n, ind, flow)
		if err != nil {
			return nil, false, err
		}
	}
	var cands [][]byte
	for _, s := range scalarCandidates(value, tag, n.Style) {
		cands = append(cands, apply(t.src, edit{from, to, lead + s}))
	}
	out, err = firstValid(want, cands...)
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// SetNode sets key path[len(path)-1] in the mapping at path[:len(path)-1]
// to value, a node tree built by the caller (a mapping, sequence or
// scalar; LineComment on its scalars is written, and Style is honoured
// for quoting and flow collections).
//
// When the key exists, its entry (from the key line through the end of its
// value) is replaced in place; comment lines above the key stay, and so
// does a comment on the key's line unless value brings its own. If the
// value is already equal to value (ignoring styles and comments),
// changed=false. When the key does not exist, the entry is inserted right
// after the entry of the sibling key after (after its whole value, but
// before the comment lines that belong to the next key), or at the end of
// the mapping when after is "" or not present.
//
// In a block mapping the new text uses the mapping's key indentation, the
// file's indentation step and list style, and its line breaks. In a flow
// mapping the value is written in flow style inside the braces. A parent
// written as "key: {}" or "key:" (null) in a block mapping becomes a block
// mapping. A missing parent gives an error wrapping ErrNotFound.
func SetNode(src []byte, doc int, path []string, value *yaml.Node, after string) (out []byte, changed bool, err error) {
	defer wrapPanic(&err)
	if value != nil && value.Kind == yaml.DocumentNode && len(value.Content) == 1 {
		value = value.Content[0]
	}
	if err := checkNewNode(value, 0); err != nil {
		return nil, false, err
	}
	if !utf8.ValidString(after) {
		return nil, false, errors.New("yamledit: after must be valid UTF-8")
	}
	e, err := resolve(src, doc, path, opNode)
	if err != nil {
		return nil, false, err
	}
	last := len(path) - 1
	name := path[last]
	want := cloneDocs(e.docs)

	if e.nullParent != nil {
		// "key:" or "key: {}" holding nothing yet.
		wp := e.follow(want, last)
		*wp = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{strNode(name), clone(value)}}
		out, err = e.fillEmpty(name, value, want)
		if err != nil {
			return nil, false, err
		}
		return out, true, nil
	}

	m := e.maps[last]
	wm := e.follow(want, last)
	if ki := e.kidx[last]; ki >= 0 {
		old := e.val
		if old.Anchor == "" && firstDiff(value, old) == nil {
			return src, false, nil
		}
		if err := e.checkAnchors(old); err != nil {
			return nil, false, err
		}
		wm.Content[ki+1] = clone(value)
		if m.Style&yaml.FlowStyle != 0 {
			out, err = e.replaceFlow(m, ki, value, want)
		} else {
			out, err = e.replaceBlock(m, ki, value, want)
		}
	} else {
		at := len(m.Content)
		if j := findKey(m, after); j >= 0 && after != "" {
			at = j + 2
		}
		wm.Content = append(wm.Content[:at:at], append([]*yaml.Node{strNode(name), clone(value)}, wm.Content[at:]...)...)
		switch {
		case m.Style&yaml.FlowStyle != 0 && len(m.Content) == 0 && last > 0 &&
			e.maps[last-1].Style&yaml.FlowStyle == 0:
			// "key: {}" becomes a block mapping when it can.
			if out, err = e.fillEmpty(name, value, want); err != nil {
				out, err = e.insertFlow(m, at, name, value, want)
			}
		case m.Style&yaml.FlowStyle != 0 && len(m.Content) == 0 && last == 0:
			if out, err = e.fillRoot(m, name, value, want); err != nil {
				out, err = e.insertFlow(m, at, name, value, want)
			}
		case m.Style&yaml.FlowStyle != 0:
			out, err = e.insertFlow(m, at, name, value, want)
		default:
			out, err = e.insertBlock(m, at, name, value, want)
		}
	}
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// DeleteKey removes key path[len(path)-1] and its value from its mapping.
// In a block mapping it removes the entry's lines (the key line, the value
// lines with comment lines indented deeper than the key that follow them,
// and the line comment) and the comment lines directly above the key
// (contiguous, same indentation, no blank line between); nothing else. A
// mapping left empty becomes "{}" on its key's line. In a flow mapping the
// pair and its separating comma are removed. A missing key gives
// changed=false and no error.
func DeleteKey(src []byte, doc int, path []string) (out []byte, changed bool, err error) {
	defer wrapPanic(&err)
	e, err := resolve(src, doc, path, opDelete)
	if err != nil {
		return nil, false, err
	}
	last := len(path) - 1
	if e.val == nil {
		return src, false, nil
	}
	if err := e.checkAnchors(e.maps[last].Content[e.kidx[last]], e.val); err != nil {
		return nil, false, err
	}
	m, ki := e.maps[last], e.kidx[last]
	want := cloneDocs(e.docs)
	wm := e.follow(want, last)
	wm.Content = append(wm.Content[:ki:ki], wm.Content[ki+2:]...)
	if m.Style&yaml.FlowStyle != 0 {
		out, err = e.deleteFlow(m, ki, want)
	} else {
		out, err = e.deleteBlock(m, ki, want)
	}
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// Lookup returns the node at path in document doc, or nil when any part of
// the path is missing (or the document does not exist). Aliases and merge
// keys ("<<") are followed. It returns an error only for YAML that does not
// parse (wrapping ErrInvalidYAML), which includes a key defined twice in a
// mapping on the path.
func Lookup(src []byte, doc int, path []string) (n *yaml.Node, err error) {
	defer wrapPanic(&err)
	docs, err := parseDocs(src)
	if err != nil {
		return nil, fmt.Errorf("yamledit: %w", err)
	}
	if doc < 0 || doc >= len(docs) || emptyDoc(docs[doc]) {
		return nil, nil
	}
	cur := docs[doc].Content[0]
	for _, key := range path {
		cur, err = lookupKey(cur, key, 0)
		if cur == nil || err != nil {
			return nil, err
		}
	}
	return cur, nil
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

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

type op int

const (
	opSet op = iota
	opNode
	opDelete
)

// editor is a path resolved in a parsed file.
type editor struct {
	t    *text
	docs []*yaml.Node
	di   int
	path []string
	maps []*yaml.Node // maps[i] is the mapping that holds path[i]
	kidx []int        // index of key path[i] in maps[i].Content, -1 if missing
	val  *yaml.Node   // the node at path, nil if missing
	// nullParent is set by SetNode when the parent of the key is "key:"
	// (null) or an empty flow mapping "{}"; maps then ends one level early.
	nullParent *yaml.Node
}

func (e *editor) name() string { return strconv.Quote(strings.Join(e.path, ".")) }

// keyNode returns the key node of path[i].
func (e *editor) keyNode(i int) *yaml.Node { return e.maps[i].Content[e.kidx[i]] }

// follow returns the node of the cloned documents want at the end of
// path[:n].
func (e *editor) follow(want []*yaml.Node, n int) *yaml.Node {
	cur := want[e.di].Content[0]
	for i := 0; i < n; i++ {
		cur = cur.Content[e.kidx[i]+1]
	}
	return cur
}

func findKey(m *yaml.Node, key string) int {
	for j := 0; j+1 < len(m.Content); j += 2 {
		if isKey(m.Content[j], key) {
			return j
		}
	}
	return -1
}

// resolve parses src and finds path in document doc.
func resolve(src []byte, doc int, path []string, o op) (*editor, error) {
	docs, err := parseDocs(src)
	if err != nil {
		return nil, fmt.Errorf("yamledit: %w", err)
	}
	if !utf8.Valid(src) {
		return nil, fmt.Errorf("yamledit: %w: the file is not UTF-8", ErrUnsupported)
	}
	if len(path) == 0 {
		return nil, errors.New("yamledit: empty path")
	}
	for _, p := range path {
		if !utf8.ValidString(p) {
			return nil, errors.New("yamledit: path must be valid UTF-8")
		}
	}
	e := &editor{t: newText(src), docs: docs, di: doc, path: path}
	if doc < 0 || doc >= len(docs) {
		return nil, fmt.Errorf("yamledit: %w: document %d (the file has %d)", ErrNotFound, doc, len(docs))
	}
	missing := func(i int, why string) (*editor, error) {
		if o == opDelete {
			return e, nil
		}
		return nil, fmt.Errorf("yamledit: %w: %q %s", ErrNotFound, strings.Join(path[:i+1], "."), why)
	}
	if emptyDoc(docs[doc]) {
		return missing(0, fmt.Sprintf("is not set: document %d is empty", doc))
	}
	cur := docs[doc].Content[0]
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
				e.nullParent = cur
				return e, nil
			}
			return missing(i, fmt.Sprintf("is not set: %s at %s is a %s, not a mapping", where, pos(cur), kindName(cur)))
		case cur.Anchor != "":
			return nil, fmt.Errorf("yamledit: %w: %s at %s has an anchor (&%s)", ErrUnsupported, where, pos(cur), cur.Anchor)
		}
		ki, err := checkMapping(cur, key, where)
		if err != nil {
			return nil, err
		}
		e.maps, e.kidx = append(e.maps, cur), append(e.kidx, ki)
		if ki < 0 {
			if i == last && o != opSet {
				return e, nil
			}
			return missing(i, "is not set")
		}
		cur = cur.Content[ki+1]
	}
	e.val = cur
	return e, nil
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
func (e *editor) checkAnchors(removed ...*yaml.Node) error {
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
	walk(e.docs[e.di])
	if used != nil {
		a := anchors[used.Value]
		return fmt.Errorf("yamledit: %w: value of %s holds the anchor &%s at %s, which the alias at %s uses", ErrUnsupported, e.name(), a.Anchor, pos(a), pos(used))
	}
	return nil
}

// emptyNull reports whether n is a null with no text at all ("key:").
func emptyNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "" && n.Anchor == "" && n.ShortTag() == "!!null" &&
		n.Style&(yaml.TaggedStyle|yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0
}

func (e *editor) colonEnd(kn *yaml.Node) (int, error) {
	return (&target{t: e.t, kn: kn, key: kn.Value}).colonEnd()
}

// propsEndOnLine skips a node's tag and anchor at off, staying on its line.
func (t *text) propsEndOnLine(off int) int {
	end := t.lines[t.lineOf(off)].end
	for off < end && (t.src[off] == '!' || t.src[off] == '&') {
		for off < end && !isSpace(t.src[off]) {
			off++
		}
		for off < end && isSpace(t.src[off]) {
			off++
		}
	}
	for off > 0 && isSpace(t.src[off-1]) {
		off--
	}
	return off
}

// nodeEnd returns the offset just past the text of node n. ind is the
// indentation a continuation line of a plain scalar must exceed; flow
// tells whether n is in a flow collection.
func (e *editor) nodeEnd(n *yaml.Node, ind int, flow bool) (int, error) {
	t := e.t
	off, err := t.offset(n.Line, n.Column)
	if err != nil {
		return 0, err
	}
	unsupported := func(what string) (int, error) {
		return 0, fmt.Errorf("yamledit: %w: cannot find the end of the %s at %s: %s", ErrUnsupported, kindName(n), pos(n), what)
	}
	switch n.Kind {
	case yaml.AliasNode:
		if off < len(t.src) && t.src[off] == '*' && strings.HasPrefix(string(t.src[off+1:]), n.Value) {
			return off + 1 + len(n.Value), nil
		}
		return unsupported("no '*'")
	case yaml.MappingNode, yaml.SequenceNode:
		if n.Style&yaml.FlowStyle != 0 {
			return e.flowEnd(n)
		}
		if len(n.Content) == 0 {
			return unsupported("empty block collection")
		}
		lastNode := n.Content[len(n.Content)-1]
		if n.Kind == yaml.SequenceNode {
			if emptyNull(lastNode) {
				return unsupported("empty last item")
			}
			return e.nodeEnd(lastNode, n.Column-1, false)
		}
		kn := n.Content[len(n.Content)-2]
		if emptyNull(lastNode) {
			return e.colonEnd(kn)
		}
		return e.nodeEnd(lastNode, kn.Column-1, false)
	case yaml.ScalarNode:
	default:
		return unsupported("unexpected node")
	}
	quoted := n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0
	if n.Value == "" && !quoted && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		if emptyNull(n) {
			return unsupported("empty value")
		}
		return t.propsEndOnLine(off), nil
	}
	v := t.skipProperties(off)
	if v >= len(t.src) {
		return unsupported("end of file")
	}
	switch {
	case quoted:
		if t.src[v] != '"' && t.src[v] != '\'' {
			return unsupported("no quote")
		}
		if q := t.quotedEnd(v); q > 0 {
			return q, nil
		}
		return unsupported("unterminated quote")
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return t.blockScalarEnd(v), nil
	case flow:
		return t.flowPlainEnd(v), nil
	}
	return t.plainBlockEnd(v, n.Value, ind), nil
}

// blockScalarEnd returns the end of the last content line of the block
// scalar whose header is at v.
func (t *text) blockScalarEnd(v int) int {
	hl := t.lineOf(v)
	p := t.indent(hl)
	end := t.lines[hl].end
	for l := hl + 1; l < len(t.lines); l++ {
		if t.blank(l) {
			continue
		}
		if t.indent(l) <= p {
			break
		}
		end = t.lines[l].end
	}
	return end
}

// textEnd returns the end of the text of line l from off on, before a
// comment and trailing white space.
func (t *text) textEnd(off, l int) int {
	end := t.lines[l].end
	for i := off; i < end; i++ {
		if t.src[i] == '#' && i > off && isSpace(t.src[i-1]) {
			end = i
			break
		}
	}
	for end > off && isSpace(t.src[end-1]) {
		end--
	}
	return end
}

// plainBlockEnd returns the end of the plain scalar at v in block context;
// its continuation lines are indented deeper than ind.
func (t *text) plainBlockEnd(v int, value string, ind int) int {
	l := t.lineOf(v)
	lineEnd := t.lines[l].end
	if strings.HasPrefix(string(t.src[v:lineEnd]), value) && t.onlySpaceOrComment(v+len(value), lineEnd) {
		return v + len(value)
	}
	end := t.textEnd(v, l)
	if end < lineEnd && t.commentFrom(end) {
		return end
	}
	for l2 := l + 1; l2 < len(t.lines); l2++ {
		if t.blank(l2) {
			continue
		}
		if t.comment(l2) || t.marker(l2) || t.indent(l2) <= ind {
			break
		}
		s := t.cstart(l2) + t.indent(l2)
		end = t.textEnd(s, l2)
		if end < t.lines[l2].end && t.commentFrom(end) {
			break
		}
	}
	return end
}

// flowEnd returns the offset just past the closing bracket of a flow
// collection.
func (e *editor) flowEnd(n *yaml.Node) (int, error) {
	t := e.t
	off, err := t.offset(n.Line, n.Column)
	if err != nil {
		return 0, err
	}
	off = t.skipProperties(off)
	open, closing := byte('['), byte(']')
	if n.Kind == yaml.MappingNode {
		open, closing = '{', '}'
	}
	if off >= len(t.src) || t.src[off] != open {
		return 0, fmt.Errorf("yamledit: %w: flow %s at %s does not start with %q", ErrUnsupported, kindName(n), pos(n), open)
	}
	c := off + 1
	if len(n.Content) > 0 {
		var err error
		if n.Kind == yaml.MappingNode {
			f, ferr := e.analyzeFlowMap(n)
			if ferr != nil {
				return 0, ferr
			}
			return f.close + 1, nil
		}
		c, err = e.nodeEnd(n.Content[len(n.Content)-1], 0, true)
		if err != nil {
			return 0, err
		}
		c = t.skipSpaceAndComments(c)
		if c < len(t.src) && t.src[c] == ',' {
			c++
		}
	}
	c = t.skipSpaceAndComments(c)
	if c >= len(t.src) || t.src[c] != closing {
		return 0, fmt.Errorf("yamledit: %w: flow %s at %s: no %q", ErrUnsupported, kindName(n), pos(n), closing)
	}
	return c + 1, nil
}

// flowMap is the layout of a flow mapping "{a: 1, b: 2}".
// flowMap is a flow mapping's layout: the flowSeq fields hold the braces and, per pair, the offset
// of its key (properties included), the offset just past it and of the ',' after it (or -1).
type flowMap struct {
	flowSeq
	colon    []int // offset just past the ':' of each pair, or -1
	valStart []int // offset of each value, or -1 for an empty one
}

func (e *editor) analyzeFlowMap(m *yaml.Node) (*flowMap, error) {
	t := e.t
	unsupported := func(what string) error {
		return fmt.Errorf("yamledit: %w: flow mapping at %s: %s", ErrUnsupported, pos(m), what)
	}
	off, err := t.offset(m.Line, m.Column)
	if err != nil {
		return nil, err
	}
	off = t.skipProperties(off)
	if off >= len(t.src) || t.src[off] != '{' {
		return nil, unsupported("no '{'")
	}
	f := &flowMap{flowSeq: flowSeq{open: off}}
	cur := off + 1
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn, vn := m.Content[i], m.Content[i+1]
		ks, err := t.offset(kn.Line, kn.Column)
		if err != nil {
			return nil, err
		}
		if ks < cur || t.skipSpaceAndComments(cur) != ks {
			return nil, unsupported("unexpected text before the key at " + pos(kn))
		}
		ke, err := e.nodeEnd(kn, 0, true)
		if err != nil {
			return nil, err
		}
		c := t.skipSpaceAndComments(ke)
		colon, vs, ve := -1, -1, ke
		if c < len(t.src) && t.src[c] == ':' {
			colon, ve = c+1, c+1
		}
		if !emptyNull(vn) {
			if colon < 0 {
				return nil, unsupported("no ':' after the key at " + pos(kn))
			}
			vs, err = t.offset(vn.Line, vn.Column)
			if err != nil {
				return nil, err
			}
			if vs < colon || t.skipSpaceAndComments(colon) != vs {
				return nil, unsupported("unexpected text before the value at " + pos(vn))
			}
			ve, err = e.nodeEnd(vn, 0, true)
			if err != nil {
				return nil, err
			}
		}
		f.colon = append(f.colon, colon)
		f.valStart = append(f.valStart, vs)
		var ok bool
		if cur, ok = f.item(t, ks, ve, i+2 >= len(m.Content)); !ok {
			return nil, unsupported("no ',' after the pair at " + pos(kn))
		}
	}
	if !f.closeAt(t, cur, '}') {
		return nil, unsupported("no '}'")
	}
	return f, nil
}

// keyLine returns the line and indentation of a key of a block mapping,
// which must start its line.
func (e *editor) keyLine(kn *yaml.Node) (int, int, error) {
	t := e.t
	off, err := t.offset(kn.Line, kn.Column)
	if err != nil {
		return 0, 0, err
	}
	l := t.lineOf(off)
	s := t.cstart(l)
	for i := s; i < off; i++ {
		if t.src[i] != ' ' {
			return 0, 0, fmt.Errorf("yamledit: %w: key %q at %s does not start its line", ErrUnsupported, kn.Value, pos(kn))
		}
	}
	return l, off - s, nil
}

// valueEnd returns the last line of the value of pair j of block mapping
// m, whose keys are indented by ind.
func (e *editor) valueEnd(m *yaml.Node, j, ind int) (int, error) {
	kn, v := m.Content[j], m.Content[j+1]
	var end int
	var err error
	if emptyNull(v) {
		end, err = e.colonEnd(kn)
	} else {
		end, err = e.nodeEnd(v, ind, false)
	}
	if err != nil {
		return 0, err
	}
	return e.t.lineOf(max(end-1, 0)), nil
}

// entryEnd returns the last line of pair j of block mapping m: the end of
// its value, and the comment lines after it that are indented deeper than
// the key (such as commented-out entries of a nested mapping).
func (e *editor) entryEnd(m *yaml.Node, j, ind int) (int, error) {
	t := e.t
	end, err := e.valueEnd(m, j, ind)
	if err != nil {
		return 0, err
	}
	limit := len(t.lines)
	if j+2 < len(m.Content) {
		if nl, _, err := e.keyLine(m.Content[j+2]); err == nil {
			limit = nl
		}
	}
	for l := end + 1; l < limit; l++ {
		if t.blank(l) {
			continue
		}
		if !t.comment(l) || t.indent(l) <= ind {
			break
		}
		end = l
	}
	return end, nil
}

// keyIndentOf returns the indentation of the keys of block mapping m.
func (e *editor) keyIndentOf(m *yaml.Node) (int, error) {
	_, ind, err := e.keyLine(m.Content[0])
	return ind, err
}

// tryLines returns the first candidate from build(l) for l in first, then
// lo..hi, that verifies against want.
func tryLines(want []*yaml.Node, first, lo, hi int, build func(l int) []byte) ([]byte, error) {
	return tryLinesN(want, first, lo, hi, func(l int) [][]byte { return [][]byte{build(l)} })
}

// tryLinesN is tryLines with several candidates for each line.
func tryLinesN(want []*yaml.Node, first, lo, hi int, build func(l int) [][]byte) ([]byte, error) {
	var firstErr error
	for _, l := range candidates(first, lo, hi) {
		for _, out := range build(l) {
			if out == nil {
				continue
			}
			err := verify(out, want)
			if err == nil {
				return out, nil
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if firstErr == nil {
		firstErr = errors.New("no candidate edit")
	}
	return nil, fmt.Errorf("yamledit: %w: cannot edit this layout safely: %v", ErrUnsupported, firstErr)
}

func (e *editor) insertBlock(m *yaml.Node, at int, name string, value *yaml.Node, want []*yaml.Node) ([]byte, error) {
	t := e.t
	if len(m.Content) == 0 {
		return nil, fmt.Errorf("yamledit: %w: empty block mapping at %s", ErrUnsupported, pos(m))
	}
	ind, err := e.keyIndentOf(m)
	if err != nil {
		return nil, err
	}
	j := at - 2
	end, err := e.entryEnd(m, j, ind)
	if err != nil {
		return nil, err
	}
	s, err := e.layout().entry(name, value, ind, "")
	if err != nil {
		return nil, err
	}
	hi := len(t.lines) - 1
	if at < len(m.Content) {
		if nl, _, err := e.keyLine(m.Content[at]); err == nil {
			hi = nl - 1
		}
	}
	vend, _ := e.valueEnd(m, j, ind)
	return tryLines(want, end, vend, hi, func(l int) []byte { return t.insertAfterLine(l, s) })
}

// keyLineComment returns the comment (from '#') on the line of key j of a
// block mapping when nothing but the value's own text comes before it.
func (e *editor) keyLineComment(m *yaml.Node, j, ind int) string {
	t := e.t
	kn, v := m.Content[j], m.Content[j+1]
	ce, err := e.colonEnd(kn)
	if err != nil {
		return ""
	}
	kl := t.lineOf(ce - 1)
	from := ce
	if !emptyNull(v) && v.Line-1 == kl {
		end, err := e.nodeEnd(v, ind, false)
		if err != nil || t.lineOf(max(end-1, 0)) != kl {
			return ""
		}
		from = end
	}
	lineEnd := t.lines[kl].end
	if !t.onlySpaceOrComment(from, lineEnd) {
		return ""
	}
	c := strings.TrimLeft(string(t.src[from:lineEnd]), " \t")
	if strings.HasPrefix(c, "#") {
		return strings.TrimRight(c, " \t")
	}
	return ""
}

func (e *editor) replaceBlock(m *yaml.Node, j int, value *yaml.Node, want []*yaml.Node) ([]byte, error) {
	t := e.t
	kn := m.Content[j]
	kl, ind, err := e.keyLine(kn)
	if err != nil {
		return nil, err
	}
	ce, err := e.colonEnd(kn)
	if err != nil {
		return nil, err
	}
	if t.lineOf(ce-1) != kl {
		return nil, fmt.Errorf("yamledit: %w: key %q at %s spans lines", ErrUnsupported, kn.Value, pos(kn))
	}
	end, err := e.valueEnd(m, j, ind)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.Write(t.src[t.cstart(kl):ce])
	if err := e.layout().value(&b, value, ind, e.keyLineComment(m, j, ind)); err != nil {
		return nil, err
	}
	s := b.String()
	hi := len(t.lines) - 1
	if j+2 < len(m.Content) {
		if nl, _, err := e.keyLine(m.Content[j+2]); err == nil {
			hi = nl - 1
		}
	}
	return tryLines(want, end, kl, hi, func(l int) []byte {
		return apply(t.src, edit{t.cstart(kl), t.lines[l].end, s})
	})
}

// aboveComments returns the first line of the comment lines directly above
// line kl (contiguous, indented by ind, no blank line between), stopping
// after line low.
func (e *editor) aboveComments(kl, ind, low int) int {
	t := e.t
	start := kl
	for l := kl - 1; l > low; l-- {
		c := t.content(l)
		if len(c) <= ind || c[ind] != '#' || strings.Trim(string(c[:ind]), " ") != "" {
			break
		}
		start = l
	}
	return start
}

func (e *editor) deleteBlock(m *yaml.Node, j int, want []*yaml.Node) ([]byte, error) {
	t := e.t
	kl, ind, err := e.keyLine(m.Content[j])
	if err != nil {
		return nil, err
	}
	low := -1
	if j > 0 {
		if low, err = e.valueEnd(m, j-2, ind); err != nil {
			return nil, err
		}
	} else if len(e.maps) > 1 {
		pk := e.keyNode(len(e.maps) - 2)
		low = pk.Line - 1
	} else if d := e.docs[e.di]; d.Line > 0 {
		low = min(d.Line-1, kl) - 1
		for l := 0; l < kl; l++ {
			if t.marker(l) {
				low = l
			}
		}
	}
	start := e.aboveComments(kl, ind, low)
	end, err := e.entryEnd(m, j, ind)
	if err != nil {
		return nil, err
	}
	hi := len(t.lines) - 1
	if j+2 < len(m.Content) {
		if nl, _, err := e.keyLine(m.Content[j+2]); err == nil {
			hi = nl - 1
		}
	}
	vend, _ := e.valueEnd(m, j, ind)
	var extra []edit
	root := len(e.maps) == 1
	if len(m.Content) == 2 {
		if root {
			// The document keeps an empty mapping.
			return tryLines(want, end, vend, hi, func(l int) []byte {
				return apply(t.src, edit{t.cstart(start), t.lines[l].end, strings.Repeat(" ", ind) + "{}"})
			})
		}
		pk := e.keyNode(len(e.maps) - 2)
		ce, err := e.colonEnd(pk)
		if err != nil {
			return nil, err
		}
		pl := t.lineOf(ce - 1)
		if !t.onlySpaceOrComment(ce, t.lines[pl].end) || pl >= start {
			return nil, fmt.Errorf("yamledit: %w: the mapping left empty at %s cannot be written as {}", ErrUnsupported, pos(m))
		}
		extra = append(extra, edit{ce, ce, " {}"})
	}
	return tryLinesN(want, end, vend, hi, func(l int) [][]byte {
		if l < kl {
			return nil
		}
		del := func(rm edit) []byte { return apply(t.src, append(extra[:len(extra):len(extra)], rm)...) }
		var out [][]byte
		// Do not leave two blank lines where the entry was.
		if start > 0 && t.blank(start-1) && l+1 < len(t.lines) && t.blank(l+1) && l+1 <= hi && t.hasBreak(l+1) {
			out = append(out, del(t.removeLines(start, l+1)))
		}
		out = append(out, del(t.removeLines(start, l)))
		if !t.hasBreak(l) {
			// Keep the line break before the entry when removing it would
			// change the value before (such as a block scalar's).
			out = append(out, del(edit{t.lines[start].start, t.lines[l].end, ""}))
		}
		return out
	})
}

// fillEmpty writes the first entry into a parent that is "key:" (null) or
// "key: {}" in a block mapping.
func (e *editor) fillEmpty(name string, value *yaml.Node, want []*yaml.Node) ([]byte, error) {
	t := e.t
	gi := len(e.maps) - 1 // the block mapping holding the parent's key
	if e.nullParent == nil {
		gi--
	}
	g := e.maps[gi]
	if g.Style&yaml.FlowStyle != 0 {
		return nil, fmt.Errorf("yamledit: %w: %q is null in a flow mapping", ErrUnsupported, strings.Join(e.path[:gi+1], "."))
	}
	pk := e.keyNode(gi)
	pv := g.Content[e.kidx[gi]+1]
	_, pind, err := e.keyLine(pk)
	if err != nil {
		return nil, err
	}
	ce, err := e.colonEnd(pk)
	if err != nil {
		return nil, err
	}
	kl := t.lineOf(ce - 1)
	lineEnd := t.lines[kl].end
	rm := ce
	if !emptyNull(pv) {
		off, err := t.offset(pv.Line, pv.Column)
		if err != nil {
			return nil, err
		}
		end, err := e.nodeEnd(pv, pind, false)
		if err != nil {
			return nil, err
		}
		if off < ce || end > lineEnd || !allSpace(t.src[ce:off]) {
			return nil, fmt.Errorf("yamledit: %w: value of %q at %s is not on its key's line", ErrUnsupported, strings.Join(e.path[:gi+1], "."), pos(pv))
		}
		rm = end
	}
	if !t.onlySpaceOrComment(rm, lineEnd) {
		return nil, fmt.Errorf("yamledit: %w: text after the value of %q at %s", ErrUnsupported, strings.Join(e.path[:gi+1], "."), pos(pv))
	}
	lay := e.layout()
	s, err := lay.entry(name, value, pind+lay.step, "")
	if err != nil {
		return nil, err
	}
	return firstValid(want, apply(t.src, edit{ce, rm, ""}, t.insertLineEdit(kl, s)))
}

// fillRoot writes the first entry into a root mapping written as "{}" on
// a line of its own.
func (e *editor) fillRoot(m *yaml.Node, name string, value *yaml.Node, want []*yaml.Node) ([]byte, error) {
	t := e.t
	f, err := e.analyzeFlowMap(m)
	if err != nil {
		return nil, err
	}
	l := t.lineOf(f.open)
	if t.lineOf(f.close) != l || !allSpace(t.src[t.cstart(l):f.open]) || !t.onlySpaceOrComment(f.close+1, t.lines[l].end) {
		return nil, fmt.Errorf("yamledit: %w: the root mapping at %s is not alone on its line", ErrUnsupported, pos(m))
	}
	s, err := e.layout().entry(name, value, f.open-t.cstart(l), "")
	if err != nil {
		return nil, err
	}
	return firstValid(want, apply(t.src, edit{t.cstart(l), f.close + 1, s}))
}

func (e *editor) replaceFlow(m *yaml.Node, j int, value *yaml.Node, want []*yaml.Node) ([]byte, error) {
	f, err := e.analyzeFlowMap(m)
	if err != nil {
		return nil, err
	}
	s, err := e.layout().flow(value)
	if err != nil {
		return nil, err
	}
	i := j / 2
	var ed edit
	switch {
	case f.valStart[i] >= 0:
		ed = edit{f.valStart[i], f.end[i], s}
	case f.colon[i] >= 0:
		ed = edit{f.colon[i], f.end[i], " " + s}
	default:
		ed = edit{f.end[i], f.end[i], ": " + s}
	}
	return firstValid(want, apply(e.t.src, ed))
}

func (e *editor) insertFlow(m *yaml.Node, at int, name string, value *yaml.Node, want []*yaml.Node) ([]byte, error) {
	f, err := e.analyzeFlowMap(m)
	if err != nil {
		return nil, err
	}
	lay := e.layout()
	key, err := scalarText(strNode(name), ctxFlowKey)
	if err != nil {
		return nil, err
	}
	s, err := lay.flow(value)
	if err != nil {
		return nil, err
	}
	pair := key + ": " + s
	if len(f.start) == 0 {
		return firstValid(want, apply(e.t.src, edit{f.open + 1, f.open + 1, pair}))
	}
	t, i := e.t, at/2-1
	var cands [][]byte
	if f.alone(t, i) {
		// One pair per line: add a line like it.
		l := t.lineOf(f.start[i])
		ind := string(t.src[t.cstart(l):f.start[i]])
		if f.comma[i] >= 0 {
			cands = append(cands, apply(t.src, t.insertLineEdit(t.lineOf(f.comma[i]), ind+pair+",")))
		} else {
			cands = append(cands, apply(t.src, edit{f.end[i], f.end[i], ","}, t.insertLineEdit(t.lineOf(f.end[i]-1), ind+pair)))
		}
	}
	cands = append(cands, apply(t.src, edit{f.end[i], f.end[i], ", " + pair}))
	return firstValid(want, cands...)
}

// alone reports whether pair i has its lines to itself: only white space
// before it, and only its comma and a comment after it.
func (e *editor) deleteFlow(m *yaml.Node, j int, want []*yaml.Node) ([]byte, error) {
	f, err := e.analyzeFlowMap(m)
	if err != nil {
		return nil, err
	}
	return removeFlowItem(e.t, &f.flowSeq, j/2, want)
}

// layout is how new block text is laid out.
type layout struct {
	eol  string
	step int // indentation of nested mappings
	dash int // indentation of the dashes of a block list, relative to its key
}

func (e *editor) layout() *layout {
	d := e.docs[e.di]
	lay := &layout{eol: e.t.eol, step: 2, dash: -1}
	if s := mapStep(d); s > 0 {
		lay.step = s
	}
	if s := seqStep(d); s >= 0 {
		lay.dash = s
	} else {
		lay.dash = lay.step
	}
	return lay
}

// mapStep returns how much deeper than its key a nested block mapping is
// indented, for the first one in n; -1 if there is none.
func mapStep(n *yaml.Node) int {
	if n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 &&
				v.Content[0].Line > k.Line && v.Content[0].Column > k.Column {
				return v.Content[0].Column - k.Column
			}
		}
	}
	for _, c := range n.Content {
		if r := mapStep(c); r > 0 {
			return r
		}
	}
	return -1
}

// seqStep returns how much deeper than its key the dashes of the first
// block list under a key in n are; -1 if there is none.
func seqStep(n *yaml.Node) int {
	if n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0 && v.Line > k.Line && v.Column >= k.Column {
				return v.Column - k.Column
			}
		}
	}
	for _, c := range n.Content {
		if r := seqStep(c); r >= 0 {
			return r
		}
	}
	return -1
}

func comment(c string) string {
	c = strings.TrimSpace(c)
	if c == "" {
		return ""
	}
	if !strings.HasPrefix(c, "#") {
		c = "# " + c
	}
	return " " + c
}

// entry renders "key: value" with the key indented by ind.
func (lay *layout) entry(name string, v *yaml.Node, ind int, keep string) (string, error) {
	key, err := scalarText(strNode(name), ctxBlockKey)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", ind) + key + ":")
	if err := lay.value(&b, v, ind, keep); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (lay *layout) headComment(b *strings.Builder, k *yaml.Node, ind int) {
	for _, l := range strings.Split(k.HeadComment, "\n") {
		if c := comment(strings.TrimRight(l, "\r")); c != "" {
			b.WriteString(strings.Repeat(" ", ind) + c[1:] + lay.eol)
		}
	}
}

// value writes what follows "key:" for a value whose key is indented by
// ind; keep is the comment to put on the key's line if v has none.
func (lay *layout) value(b *strings.Builder, v *yaml.Node, ind int, keep string) error {
	c := comment(v.LineComment)
	if c == "" {
		c = comment(keep)
	}
	switch {
	case v.Kind == yaml.ScalarNode || len(v.Content) == 0 || v.Style&yaml.FlowStyle != 0:
		s, err := lay.flow(v)
		if err != nil {
			return err
		}
		if s != "" {
			b.WriteString(" " + s)
		}
		b.WriteString(c)
	case v.Kind == yaml.MappingNode:
		b.WriteString(c)
		for i := 0; i < len(v.Content); i += 2 {
			b.WriteString(lay.eol)
			lay.headComment(b, v.Content[i], ind+lay.step)
			key, err := scalarText(v.Content[i], ctxBlockKey)
			if err != nil {
				return err
			}
			b.WriteString(strings.Repeat(" ", ind+lay.step) + key + ":")
			if err := lay.value(b, v.Content[i+1], ind+lay.step, v.Content[i].LineComment); err != nil {
				return err
			}
		}
	default:
		b.WriteString(c)
		for _, it := range v.Content {
			b.WriteString(lay.eol + strings.Repeat(" ", ind+lay.dash) + "-")
			if err := lay.item(b, it, ind+lay.dash); err != nil {
				return err
			}
		}
	}
	return nil
}

// item writes what follows the "-" of a list item at indentation ind.
func (lay *layout) item(b *strings.Builder, v *yaml.Node, ind int) error {
	switch {
	case v.Kind == yaml.ScalarNode || len(v.Content) == 0 || v.Style&yaml.FlowStyle != 0:
		s, err := lay.flow(v)
		if err != nil {
			return err
		}
		if s != "" {
			b.WriteString(" " + s)
		}
		b.WriteString(comment(v.LineComment))
	case v.Kind == yaml.MappingNode:
		for i := 0; i < len(v.Content); i += 2 {
			if i == 0 {
				b.WriteString(" ")
			} else {
				b.WriteString(lay.eol + strings.Repeat(" ", ind+2))
			}
			key, err := scalarText(v.Content[i], ctxBlockKey)
			if err != nil {
				return err
			}
			b.WriteString(key + ":")
			if err := lay.value(b, v.Content[i+1], ind+2, v.Content[i].LineComment); err != nil {
				return err
			}
		}
	default:
		for i, it := range v.Content {
			if i == 0 {
				b.WriteString(" -")
			} else {
				b.WriteString(lay.eol + strings.Repeat(" ", ind+2) + "-")
			}
			if err := lay.item(b, it, ind+2); err != nil {
				return err
			}
		}
	}
	return nil
}

// flow renders v in flow style; comments inside are left out.
func (lay *layout) flow(v *yaml.Node) (string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		return scalarText(v, ctxFlowValue)
	case yaml.MappingNode:
		parts := make([]string, 0, len(v.Content)/2)
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, err := scalarText(v.Content[i], ctxFlowKey)
			if err != nil {
				return "", err
			}
			s, err := lay.flow(v.Content[i+1])
			if err != nil {
				return "", err
			}
			parts = append(parts, k+": "+s)
		}
		return "{" + strings.Join(parts, ", ") + "}", nil
	default:
		parts := make([]string, 0, len(v.Content))
		for _, c := range v.Content {
			s, err := lay.flow(c)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	}
}

// Where a new scalar goes, for scalarText.
const (
	ctxBlockKey = iota
	ctxBlockValue
	ctxFlowKey
	ctxFlowValue
)

// yaml11 matches plain scalars that YAML 1.1 parsers (such as the one
// behind Helm's values) read as something other than a string.
var yaml11 = regexp.MustCompile(`^(?i:y|yes|n|no|on|off|true|false|null|~)$|` +
	`^[-+]?(0b[01_]+|0[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(:[0-5]?[0-9])*)$|` +
	`^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?$|^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*$|` +
	`^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$`)

// scalarCandidates returns the texts to try, best first, for writing value
// with tag over a scalar written in style.
func scalarCandidates(value, tag string, style yaml.Style) []string {
	plain := plainCandidate(value) && !strings.ContainsAny(value, "\r\n") && !(tag == "!!str" && yaml11.MatchString(value))
	if tag != "!!str" {
		if plain {
			return []string{value}
		}
		return nil
	}
	double := strconv.Quote(value)
	var single string
	if printable(value) {
		single = "'" + strings.ReplaceAll(value, "'", "''") + "'"
	}
	var out []string
	add := func(s ...string) {
		for _, x := range s {
			if x != "" {
				out = append(out, x)
			}
		}
	}
	p := ""
	if plain {
		p = value
	}
	switch {
	case style&yaml.SingleQuotedStyle != 0:
		add(single, double, p)
	case style&yaml.DoubleQuotedStyle != 0:
		add(double, single, p)
	default:
		add(p, double, single)
	}
	return out
}

// readsBackAs reports whether text, written as a mapping value, reads back
// as a scalar with tag and value.
func readsBackAs(text, value, tag string) bool {
	return probeScalar(text, value, tag, ctxBlockValue)
}

func probeScalar(text, value, tag string, ctx int) bool {
	var docs []string
	switch ctx {
	case ctxBlockKey:
		docs = []string{text + ": x\n", text + ":\n  - x\n"}
	case ctxBlockValue:
		docs = []string{"k: " + text + "\n", "k: " + text + "\nz: x\n", "- k: " + text + "\n  z: x\n"}
	case ctxFlowKey:
		docs = []string{"{" + text + ": x}\n", "{z: x, " + text + ": x}\n"}
	default:
		docs = []string{"{k: " + text + "}\n", "{k: " + text + ", z: x}\n", "[" + text + ", x]\n", "[x, " + text + "]\n"}
	}
	for i, d := range docs {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(d), &n); err != nil || len(n.Content) != 1 {
			return false
		}
		c := n.Content[0]
		var s *yaml.Node
		switch {
		case ctx == ctxBlockKey || ctx == ctxFlowKey:
			if c.Kind == yaml.MappingNode && len(c.Content) >= 2 {
				s = c.Content[len(c.Content)-2]
			}
		case ctx == ctxBlockValue && i == 2:
			if c.Kind == yaml.SequenceNode && len(c.Content) == 1 && c.Content[0].Kind == yaml.MappingNode && len(c.Content[0].Content) == 4 {
				s = c.Content[0].Content[1]
			}
		case c.Kind == yaml.MappingNode && len(c.Content) >= 2:
			s = c.Content[1]
		case c.Kind == yaml.SequenceNode && len(c.Content) == 2:
			s = c.Content[0]
			if i == 3 {
				s = c.Content[1]
			}
		}
		if s == nil || s.Kind != yaml.ScalarNode || s.ShortTag() != tag || s.Value != value || s.Anchor != "" {
			return false
		}
	}
	return true
}

// tagRE matches the tags written in front of new scalars that need one.
var tagRE = regexp.MustCompile(`^!!?[A-Za-z0-9_.\-/]*$`)

// scalarText renders a new scalar for ctx: in the node's own style when it
// reads back as the node's value and tag, else plain, quoted or tagged.
func scalarText(n *yaml.Node, ctx int) (string, error) {
	tag := n.ShortTag()
	if n.Value == "" && tag == "!!null" && n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) == 0 && ctx != ctxBlockKey && ctx != ctxFlowKey {
		return "", nil
	}
	cands := scalarCandidates(n.Value, "!!str", n.Style)
	if tag != "!!str" {
		cands = nil
		if plainCandidate(n.Value) && !strings.ContainsAny(n.Value, "\r\n") {
			cands = append(cands, n.Value)
		}
	}
	for _, c := range cands {
		if probeScalar(c, n.Value, tag, ctx) {
			return c, nil
		}
	}
	if tagRE.MatchString(tag) && tag != "!" {
		for _, c := range scalarCandidates(n.Value, "!!str", n.Style) {
			if s := tag + " " + c; probeScalar(s, n.Value, tag, ctx) {
				return s, nil
			}
		}
	}
	return "", fmt.Errorf("yamledit: %w: cannot write %q as a YAML %s", ErrUnsupported, n.Value, tag)
}
