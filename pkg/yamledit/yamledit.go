// Package yamledit edits YAML files in place: it adds and removes the
// string items of a top-level list (AddToList, RemoveFromList, ListItems;
// such as the resources of a kustomization.yaml), and sets scalars, sets
// entries and deletes keys of mappings at a path (SetScalar, SetNode,
// DeleteKey, Lookup), while keeping every other byte of the file, comments
// and formatting included, exactly as it was.
//
// The file is parsed with go.yaml.in/yaml/v3 only to find positions; edits
// are made by splicing text, never by re-encoding the document. Every edit
// goes the same way, whatever it edits:
//   - locate.go parses the file and finds the node by its path (for the
//     list functions, a key of the root mapping in the one document that
//     has it);
//   - layout.go reads the layout of the text around it: where a node, an
//     entry or an item ends, the lines of a block list, the items of a
//     flow collection, the file's indentation;
//   - insert.go, remove.go and replace.go build the candidate splices, best
//     first, with new text written in the file's style by write.go (every
//     scalar through pkg/yamlscalar, the quoter shared with the templates);
//   - verify.go parses each candidate again and keeps the first that holds
//     exactly the expected documents, so an edit that cannot be made safely
//     is reported as an error instead of producing different or broken
//     YAML.
package yamledit

import (
	"errors"
	"fmt"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

var (
	// ErrInvalidYAML is wrapped by errors for input that does not parse.
	ErrInvalidYAML = errors.New("invalid YAML")
	// ErrUnsupported is wrapped by errors for documents that are valid
	// YAML but whose shape or layout this package does not edit.
	ErrUnsupported = errors.New("unsupported YAML")
	// ErrNotFound is wrapped by errors for a path (or document) that is not in
	// the file.
	ErrNotFound = errors.New("not found")
)

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
	l, err := locateList(src, key, true)
	if err != nil {
		return nil, false, err
	}
	for _, it := range l.items() {
		if it.Value == value {
			return src, false, nil
		}
	}
	if out, err = l.addToList(value); err != nil {
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
		l, err := locateList(out, key, false)
		if err != nil {
			return nil, false, err
		}
		idx := -1
		for i, it := range l.items() {
			if it.Value == value {
				idx = i
				break
			}
		}
		if idx < 0 {
			return out, changed, nil
		}
		if out, err = l.removeItem(idx); err != nil {
			return nil, false, err
		}
		changed = true
	}
}

// ListItems returns the items of the top-level list under key. A missing
// key, a null value and an empty list all give an empty result.
func ListItems(src []byte, key string) (items []string, err error) {
	defer wrapPanic(&err)
	l, err := locateList(src, key, false)
	if err != nil {
		return nil, err
	}
	for _, it := range l.items() {
		items = append(items, it.Value)
	}
	return items, nil
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
	l, err := locatePath(src, doc, path, opSet)
	if err != nil {
		return nil, false, err
	}
	if n := l.val; n.Kind == yaml.ScalarNode && n.ShortTag() == tag && n.Value == value {
		return src, false, nil
	}
	if out, err = l.replaceScalar(value, tag); err != nil {
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
	l, err := locatePath(src, doc, path, opNode)
	if err != nil {
		return nil, false, err
	}
	if l.nullParent == nil && l.val != nil {
		if l.val.Anchor == "" && firstDiff(value, l.val) == nil {
			return src, false, nil
		}
		out, err = l.replaceNode(value)
	} else {
		out, err = l.insertEntry(value, after)
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
	l, err := locatePath(src, doc, path, opDelete)
	if err != nil {
		return nil, false, err
	}
	if l.val == nil {
		return src, false, nil
	}
	if out, err = l.deleteEntry(); err != nil {
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

func wrapPanic(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("yamledit: internal error: %v", r)
	}
}
