package yamledit

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	yaml "go.yaml.in/yaml/v3"
)

// context is where a rendered scalar goes.
type context int

const (
	blockItem context = iota // "- VALUE" in a block list
	flowItem                 // "[..., VALUE]"
	mapKey                   // "VALUE:" in a block mapping
)

// render returns value as YAML scalar text for the context: plain when
// YAML reads it back as the same string, else single-quoted (if
// preferSingle and possible) or double-quoted.
func render(value string, ctx context, preferSingle bool) (string, error) {
	if plainCandidate(value) && readsBack(value, value, ctx) {
		return value, nil
	}
	if preferSingle && printable(value) {
		s := "'" + strings.ReplaceAll(value, "'", "''") + "'"
		if readsBack(s, value, ctx) {
			return s, nil
		}
	}
	s := strconv.Quote(value)
	if readsBack(s, value, ctx) {
		return s, nil
	}
	return "", fmt.Errorf("yamledit: %w: cannot write %q as a YAML string", ErrUnsupported, value)
}

func printable(v string) bool {
	for _, r := range v {
		if !unicode.IsPrint(r) || r == '\ufeff' {
			return false
		}
	}
	return true
}

// plainCandidate rules out the values that can never be plain scalars, so
// that most quoted values skip the parse in readsBack.
func plainCandidate(v string) bool {
	if v == "" || v != strings.TrimSpace(v) || !printable(v) {
		return false
	}
	switch v[0] {
	case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		// Indicators; '-', '?' and ':' are fine before a non-space, but
		// let the parse decide only for those.
		if !strings.ContainsRune("-?:", rune(v[0])) {
			return false
		}
	}
	return true
}

// probe is a small document with the rendered text in it, and how to find
// the scalar it must read back as.
type probe struct {
	doc  string
	pick func(root *yaml.Node) *yaml.Node
}

func seqItem(n, i int) func(*yaml.Node) *yaml.Node {
	return func(c *yaml.Node) *yaml.Node {
		if c.Kind == yaml.SequenceNode && len(c.Content) == n {
			return c.Content[i]
		}
		return nil
	}
}

func mapPart(i int, then func(*yaml.Node) *yaml.Node) func(*yaml.Node) *yaml.Node {
	return func(c *yaml.Node) *yaml.Node {
		if c.Kind != yaml.MappingNode || len(c.Content) != 2 {
			return nil
		}
		if then == nil {
			return c.Content[i]
		}
		return then(c.Content[i])
	}
}

func probes(text string, ctx context) []probe {
	switch ctx {
	case blockItem:
		return []probe{
			{"- " + text + "\n", seqItem(1, 0)},
			{"k:\n  - " + text + "\n  - x\n", mapPart(1, seqItem(2, 0))},
		}
	case flowItem:
		return []probe{
			{"[" + text + "]\n", seqItem(1, 0)},
			{"[" + text + ", x]\n", seqItem(2, 0)},
			{"[x, " + text + "]\n", seqItem(2, 1)},
			{"k: [\n  x,\n  " + text + ",\n]\n", mapPart(1, seqItem(2, 1))},
			{"k: [\n  x,\n  " + text + "\n]\n", mapPart(1, seqItem(2, 1))},
		}
	default:
		return []probe{
			{text + ": x\n", mapPart(0, nil)},
			{text + ":\n  - x\n", mapPart(0, nil)},
		}
	}
}

// readsBack reports whether text, written in ctx, parses as the string
// value.
func readsBack(text, value string, ctx context) bool {
	for _, p := range probes(text, ctx) {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(p.doc), &n); err != nil || len(n.Content) != 1 {
			return false
		}
		s := p.pick(n.Content[0])
		if s == nil || s.Kind != yaml.ScalarNode || s.ShortTag() != "!!str" || s.Value != value || s.Anchor != "" {
			return false
		}
	}
	return true
}
