package yamledit

import (
	"fmt"

	yaml "go.yaml.in/yaml/v3"
)

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

func cloneDocs(docs []*yaml.Node) []*yaml.Node {
	out := make([]*yaml.Node, len(docs))
	for i, d := range docs {
		out[i] = clone(d)
	}
	return out
}

func strNode(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
}

// expectAdd returns the documents as they must parse after adding value.
func (tg *target) expectAdd(value string) []*yaml.Node {
	want := cloneDocs(tg.docs)
	item := strNode(value)
	switch {
	case tg.di < 0:
		want = append(want, &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{
			Kind: yaml.MappingNode, Tag: "!!map",
			Content: []*yaml.Node{strNode(tg.key), {Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{item}}},
		}}})
	case tg.root == nil:
		want[tg.di].Content = []*yaml.Node{{
			Kind: yaml.MappingNode, Tag: "!!map",
			Content: []*yaml.Node{strNode(tg.key), {Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{item}}},
		}}
	case tg.val == nil:
		root := want[tg.di].Content[0]
		root.Content = append(root.Content, strNode(tg.key),
			&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{item}})
	case tg.val.Kind == yaml.ScalarNode: // null
		want[tg.di].Content[0].Content[tg.ki+1] = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{item}}
	default:
		seq := want[tg.di].Content[0].Content[tg.ki+1]
		seq.Content = append(seq.Content, item)
	}
	return want
}

// expectRemove returns the documents as they must parse after removing
// item idx.
func (tg *target) expectRemove(idx int) []*yaml.Node {
	want := cloneDocs(tg.docs)
	seq := want[tg.di].Content[0].Content[tg.ki+1]
	seq.Content = append(seq.Content[:idx:idx], seq.Content[idx+1:]...)
	return want
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
