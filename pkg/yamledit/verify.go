package yamledit

import (
	"errors"
	"fmt"
	"iter"

	yaml "go.yaml.in/yaml/v3"
)

// maxTries bounds how many alternative splice points are verified when the
// first guess at the end of an entry or item is wrong.
const maxTries = 64

// clone deep-copies a node tree. Alias nodes keep pointing at the original
// anchors; comparison only looks at alias names.
func clone(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, ch := range n.Content {
		c.Content[i] = clone(ch)
	}
	return &c
}

// expect returns a copy of the located documents, to change into the
// documents an edit must give.
func (l *loc) expect() []*yaml.Node {
	out := make([]*yaml.Node, len(l.docs))
	for i, d := range l.docs {
		out[i] = clone(d)
	}
	return out
}

func strNode(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
}

func seqNode(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
}

func mapNode(content ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: content}
}

// verify parses out and checks that it holds exactly the documents want,
// ignoring positions, comments and styles.
func verify(out []byte, want []*yaml.Node) error {
	got, err := parseDocs(out)
	if err != nil {
		return fmt.Errorf("edited text does not parse: %w", err)
	}
	if len(got) != len(want) {
		return fmt.Errorf("edited text has %d documents, want %d", len(got), len(want))
	}
	for i := range got {
		if p := firstDiff(want[i], got[i]); p != nil {
			return fmt.Errorf("edited text differs from the expected document near %s", pos(p))
		}
	}
	return nil
}

// firstDiff returns the first node of got that differs from want, or nil.
func firstDiff(want, got *yaml.Node) *yaml.Node {
	if want.Kind != got.Kind || want.ShortTag() != got.ShortTag() || want.Anchor != got.Anchor ||
		len(want.Content) != len(got.Content) {
		return got
	}
	switch want.Kind {
	case yaml.ScalarNode, yaml.AliasNode:
		if want.Value != got.Value {
			return got
		}
	}
	for i := range want.Content {
		if d := firstDiff(want.Content[i], got.Content[i]); d != nil {
			return d
		}
	}
	return nil
}

// firstValid returns the first candidate output that verifies against
// want; what names the edit for the error when none does. A nil candidate
// is skipped.
func firstValid(want []*yaml.Node, what string, cands iter.Seq[[]byte]) ([]byte, error) {
	var first error
	for c := range cands {
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
	return nil, fmt.Errorf("yamledit: %w: cannot %s safely: %v", ErrUnsupported, what, first)
}

// these returns the candidates given.
func these(cands ...[]byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for _, c := range cands {
			if !yield(c) {
				return
			}
		}
	}
}

// atLines returns the candidates build(l) for l = first, then every line
// from lo to hi but first, at most maxTries lines in all: for edits whose
// end line is guessed first and otherwise searched for.
func atLines(first, lo, hi int, build func(l int) [][]byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		try := func(l int) bool {
			for _, c := range build(l) {
				if !yield(c) {
					return false
				}
			}
			return true
		}
		if !try(first) {
			return
		}
		for l, n := lo, 1; l <= hi && n < maxTries; l++ {
			if l != first {
				n++
				if !try(l) {
					return
				}
			}
		}
	}
}
