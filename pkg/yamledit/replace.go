package yamledit

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/yamlscalar"
)

// This file replaces: the text of a scalar (SetScalar) and the value of an
// existing key (SetNode), in block or flow style.

// replaceScalar writes value, to read back with tag, over the located
// scalar's text.
func (l *loc) replaceScalar(value, tag string) ([]byte, error) {
	t, n := l.t, l.val
	where := fmt.Sprintf("value of %s at %s", l.name(), pos(n))
	switch {
	case n.Kind == yaml.AliasNode:
		return nil, fmt.Errorf("yamledit: %w: %s is an alias", ErrUnsupported, where)
	case n.Kind != yaml.ScalarNode:
		return nil, fmt.Errorf("yamledit: %w: %s is a %s, not a scalar", ErrUnsupported, where, kindName(n))
	case n.Anchor != "":
		return nil, fmt.Errorf("yamledit: %w: %s has an anchor (&%s)", ErrUnsupported, where, n.Anchor)
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return nil, fmt.Errorf("yamledit: %w: %s is a block scalar (| or >)", ErrUnsupported, where)
	case n.Style&yaml.TaggedStyle != 0 && n.ShortTag() != tag:
		return nil, fmt.Errorf("yamledit: %w: %s has the tag %s", ErrUnsupported, where, n.Tag)
	}
	if tag == "!!int" && !yamlscalar.ReadsBack(value, value, tag, yamlscalar.BlockValue) {
		return nil, fmt.Errorf("yamledit: %q is not a plain integer", value)
	}

	want := l.expect()
	wn := l.follow(want, len(l.path))
	wn.Value, wn.Tag, wn.Style = value, tag, n.Style&yaml.TaggedStyle

	last := len(l.path) - 1
	kn := l.keyNode(last)
	var from, to int
	var lead string
	if emptyNull(n) {
		ce, err := t.colonEnd(kn)
		if err != nil {
			return nil, err
		}
		from, to, lead = ce, ce, " "
	} else {
		off, err := t.offset(n.Line, n.Column)
		if err != nil {
			return nil, err
		}
		if n.Value == "" && n.Style&quoted == 0 {
			from, lead = t.propsEndOnLine(off), " "
		} else {
			from = t.skipProperties(off)
		}
		to, err = t.nodeEnd(n, kn.Column-1, l.maps[last].Style&yaml.FlowStyle != 0)
		if err != nil {
			return nil, err
		}
	}
	var cands [][]byte
	for _, s := range candidates(value, tag, styles(n.Style)) {
		cands = append(cands, apply(t.src, edit{from, to, lead + s}))
	}
	return firstValid(want, "set "+l.name(), these(cands...))
}

// replaceNode writes value over the located key's value.
func (l *loc) replaceNode(value *yaml.Node) ([]byte, error) {
	last := len(l.path) - 1
	m, ki := l.maps[last], l.kidx[last]
	if err := l.checkAnchors(l.val); err != nil {
		return nil, err
	}
	want := l.expect()
	l.follow(want, last).Content[ki+1] = clone(value)
	if m.Style&yaml.FlowStyle != 0 {
		return l.replaceFlow(m, ki, value, want)
	}
	return l.replaceBlock(m, ki, value, want)
}

// replaceBlock rewrites pair j of block mapping m from its key's colon
// through the end of its value; the key line's comment stays unless value
// brings one.
func (l *loc) replaceBlock(m *yaml.Node, j int, value *yaml.Node, want []*yaml.Node) ([]byte, error) {
	t := l.t
	kn := m.Content[j]
	kl, ind, ce, err := t.keyColon(kn) // the ':' is on the key's line
	if err != nil {
		return nil, err
	}
	end, err := t.valueEnd(m, j, ind)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.Write(t.src[t.cstart(kl):ce])
	if err := l.layout().value(&b, value, ind, t.keyLineComment(m, j, ind)); err != nil {
		return nil, err
	}
	s := b.String()
	return firstValid(want, "set "+l.name(), atLines(end, kl, t.entryLimit(m, j), func(ln int) [][]byte {
		return [][]byte{apply(t.src, edit{t.cstart(kl), t.lines[ln].end, s})}
	}))
}

// replaceFlow rewrites the value of pair j of flow mapping m.
func (l *loc) replaceFlow(m *yaml.Node, j int, value *yaml.Node, want []*yaml.Node) ([]byte, error) {
	f, err := l.t.scanFlow(m)
	if err != nil {
		return nil, err
	}
	s, err := l.layout().flow(value)
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
	return firstValid(want, "set "+l.name(), these(apply(l.t.src, ed)))
}
