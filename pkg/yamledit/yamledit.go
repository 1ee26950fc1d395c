// Package yamledit edits string lists in YAML files (such as the resources
// of a kustomization.yaml), and scalars and entries of mappings (SetScalar,
// SetNode, DeleteKey), while keeping every other byte of the file,
// comments and formatting included, exactly as it was.
//
// The file is parsed with go.yaml.in/yaml/v3 only to find positions; edits
// are made by splicing text, never by re-encoding the document. Every
// result is parsed again and compared with the expected document, so an
// edit that cannot be made safely is reported as an error instead of
// producing different or broken YAML.
package yamledit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

var (
	// ErrInvalidYAML is wrapped by errors for input that does not parse.
	ErrInvalidYAML = errors.New("invalid YAML")
	// ErrUnsupported is wrapped by errors for documents that are valid
	// YAML but whose shape or layout this package does not edit.
	ErrUnsupported = errors.New("unsupported YAML")
)

// AddToList appends value as a new string item to the top-level list under
// key and returns the new bytes. Every existing byte is kept; for a block
// list only one line is inserted, after the last item (after its line
// comment or multi-line content), with the same indentation and dash
// spacing as the last item. Other shapes are handled as follows:
//   - key missing: "key:" and a one-item block list are appended at the
//     end of the document (before a trailing "---" or "..." marker);
//   - "key: []" on the key's line and "key:" with a null value: the value
//     becomes a block list;
//   - flow lists ("[a, b]"): the item is added inside the brackets.
//
// value is written plain when YAML reads it back as the same string, and
// quoted otherwise. If value is already in the list, AddToList returns src
// and changed=false. CRLF line breaks and a missing final line break are
// kept.
func AddToList(src []byte, key, value string) (out []byte, changed bool, err error) {
	defer wrapPanic(&err)
	if !utf8.ValidString(key) || !utf8.ValidString(value) {
		return nil, false, errors.New("yamledit: key and value must be valid UTF-8")
	}
	tg, err := locate(src, key, true)
	if err != nil {
		return nil, false, err
	}
	for _, it := range tg.items() {
		if it.Value == value {
			return src, false, nil
		}
	}
	want := tg.expectAdd(value)
	switch {
	case tg.val == nil:
		out, err = tg.addKey(value, want)
	case tg.val.Kind == yaml.ScalarNode:
		out, err = tg.addToNull(value, want)
	case tg.val.Style&yaml.FlowStyle != 0:
		out, err = tg.addToFlow(value, want)
	default:
		out, err = tg.addToBlock(value, want)
	}
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// RemoveFromList removes every item equal to value from the top-level list
// under key. For a block list each such item's own lines (with its line
// comment) are removed and nothing else; a block list left empty becomes
// "key: []". If key or value is missing, RemoveFromList returns src and
// changed=false.
func RemoveFromList(src []byte, key, value string) (out []byte, changed bool, err error) {
	defer wrapPanic(&err)
	out = src
	for {
		tg, err := locate(out, key, false)
		if err != nil {
			return nil, false, err
		}
		idx := -1
		for i, it := range tg.items() {
			if it.Value == value {
				idx = i
				break
			}
		}
		if idx < 0 {
			return out, changed, nil
		}
		want := tg.expectRemove(idx)
		if tg.val.Style&yaml.FlowStyle != 0 {
			out, err = tg.removeFromFlow(idx, want)
		} else {
			out, err = tg.removeFromBlock(idx, want)
		}
		if err != nil {
			return nil, false, err
		}
		changed = true
	}
}

// ListItems returns the items of the top-level list under key. A missing
// key, a null value and an empty list all give an empty result.
func ListItems(src []byte, key string) (items []string, err error) {
	defer wrapPanic(&err)
	tg, err := locate(src, key, false)
	if err != nil {
		return nil, err
	}
	for _, it := range tg.items() {
		items = append(items, it.Value)
	}
	return items, nil
}

func wrapPanic(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("yamledit: internal error: %v", r)
	}
}

// target is the list being edited and everything around it.
type target struct {
	t    *text
	key  string
	docs []*yaml.Node // document nodes
	di   int          // index of the target document in docs, -1 if none
	root *yaml.Node   // root mapping of the target document, nil if empty
	ki   int          // index of the key node in root.Content, -1 if missing
	kn   *yaml.Node   // key node
	val  *yaml.Node   // value node: a sequence or a null scalar; nil if missing
}

func (tg *target) items() []*yaml.Node {
	if tg.val == nil || tg.val.Kind != yaml.SequenceNode {
		return nil
	}
	return tg.val.Content
}

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

func isKey(n *yaml.Node, key string) bool {
	return n.Kind == yaml.ScalarNode && n.Value == key && n.ShortTag() == "!!str"
}

// locate finds the list under key. With forAdd, a missing key is resolved
// to the one document it should be added to.
func locate(src []byte, key string, forAdd bool) (*target, error) {
	docs, err := parseDocs(src)
	if err != nil {
		return nil, fmt.Errorf("yamledit: %w", err)
	}
	if !utf8.Valid(src) {
		// The parser also reads UTF-16; edits are spliced as UTF-8 text.
		return nil, fmt.Errorf("yamledit: %w: the file is not UTF-8", ErrUnsupported)
	}
	tg := &target{t: newText(src), key: key, docs: docs, di: -1, ki: -1}

	var withKey, nonEmpty []int
	for i, d := range docs {
		if emptyDoc(d) {
			continue
		}
		nonEmpty = append(nonEmpty, i)
		root := d.Content[0]
		if root.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(root.Content); j += 2 {
			if isKey(root.Content[j], key) {
				withKey = append(withKey, i)
				break
			}
		}
	}
	switch {
	case len(withKey) > 1:
		return nil, fmt.Errorf("yamledit: key %q is in %d documents (lines %d and %d); the target list is ambiguous",
			key, len(withKey), docs[withKey[0]].Line, docs[withKey[1]].Line)
	case len(withKey) == 1:
		tg.di = withKey[0]
	case !forAdd:
		for _, i := range nonEmpty {
			if root := docs[i].Content[0]; root.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("yamledit: document root at %s is a %s, not a mapping", pos(root), kindName(root))
			}
		}
		return tg, nil
	case len(nonEmpty) > 1:
		return nil, fmt.Errorf("yamledit: key %q is missing and the file has %d documents; the target document is ambiguous", key, len(nonEmpty))
	case len(nonEmpty) == 1:
		tg.di = nonEmpty[0]
	case len(docs) > 1:
		return nil, fmt.Errorf("yamledit: key %q is missing and the file has %d empty documents; the target document is ambiguous", key, len(docs))
	case len(docs) == 1:
		tg.di = 0
		return tg, nil
	default:
		return tg, nil // no document at all
	}

	root := docs[tg.di].Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("yamledit: document root at %s is a %s, not a mapping", pos(root), kindName(root))
	}
	tg.root = root
	for j := 0; j+1 < len(root.Content); j += 2 {
		if !isKey(root.Content[j], key) {
			continue
		}
		if tg.ki >= 0 {
			return nil, fmt.Errorf("yamledit: key %q is defined twice, at %s and %s", key, pos(tg.kn), pos(root.Content[j]))
		}
		tg.ki, tg.kn, tg.val = j, root.Content[j], root.Content[j+1]
	}
	if tg.val == nil {
		return tg, nil
	}
	switch v := tg.val; {
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null":
	case v.Kind == yaml.SequenceNode:
		for _, it := range v.Content {
			if it.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("yamledit: item at %s of %q is a %s, not a scalar", pos(it), key, kindName(it))
			}
		}
	default:
		return nil, fmt.Errorf("yamledit: value of %q at %s is a %s, not a list", key, pos(v), kindName(v))
	}
	return tg, nil
}

// colonEnd returns the offset just past the ':' that follows the key node.
func (tg *target) colonEnd() (int, error) {
	t := tg.t
	off, err := t.offset(tg.kn.Line, tg.kn.Column)
	if err != nil {
		return 0, err
	}
	off = t.skipProperties(off)
	switch {
	case off >= len(t.src):
	case t.src[off] == '"' || t.src[off] == '\'':
		off = t.quotedEnd(off)
	case tg.kn.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 && bytes.HasPrefix(t.src[off:], []byte(tg.kn.Value)):
		off += len(tg.kn.Value)
	default:
		off = -1
	}
	if off < 0 {
		return 0, fmt.Errorf("%w: cannot find the end of key %q at %s", ErrUnsupported, tg.key, pos(tg.kn))
	}
	for off < len(t.src) && isSpace(t.src[off]) {
		off++
	}
	if off >= len(t.src) || t.src[off] != ':' || t.lineOf(off) != tg.kn.Line-1 {
		return 0, fmt.Errorf("%w: key %q at %s is not followed by ':' on its line", ErrUnsupported, tg.key, pos(tg.kn))
	}
	return off + 1, nil
}

// firstValid returns the first candidate output that verifies against want.
func firstValid(want []*yaml.Node, cands ...[]byte) ([]byte, error) {
	var first error
	for _, c := range cands {
		if c == nil {
			continue
		}
		err := verify(c, want)
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = errors.New("no candidate edit")
	}
	return nil, fmt.Errorf("yamledit: %w: cannot edit this layout safely: %v", ErrUnsupported, first)
}
