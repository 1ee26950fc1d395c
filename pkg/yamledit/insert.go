package yamledit

import (
	"fmt"
	"iter"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/yamlscalar"
)

// This file adds: an item to a list (AddToList) and an entry to a mapping
// (SetNode on a missing key), in block or flow style, or into an empty
// value ("key:", "key: []", "key: {}") that becomes a block collection.

// addToList appends value to the located list, adding the key or turning a
// null or empty value into a block list when needed.
func (l *loc) addToList(value string) ([]byte, error) {
	want := l.expectAdd(value)
	switch {
	case l.val == nil:
		return l.addKey(value, want)
	case l.val.Kind == yaml.ScalarNode: // null
		out, err := l.fillList(value)
		if err != nil {
			return nil, err
		}
		return firstValid(want, "add to "+l.name(), these(out))
	case l.val.Style&yaml.FlowStyle != 0:
		return l.addToFlow(value, want)
	default:
		return l.addToBlock(value, want)
	}
}

// expectAdd returns the documents as they must parse after adding value
// to the located list.
func (l *loc) expectAdd(value string) []*yaml.Node {
	want := l.expect()
	item, key := strNode(value), strNode(l.path[0])
	switch {
	case l.di < 0:
		want = append(want, &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{mapNode(key, seqNode(item))}})
	case l.root() == nil:
		want[l.di].Content = []*yaml.Node{mapNode(key, seqNode(item))}
	case l.val == nil:
		root := want[l.di].Content[0]
		root.Content = append(root.Content, key, seqNode(item))
	case l.val.Kind == yaml.ScalarNode: // null
		want[l.di].Content[0].Content[l.kidx[0]+1] = seqNode(item)
	default:
		seq := l.follow(want, 1)
		seq.Content = append(seq.Content, item)
	}
	return want
}

// insertLines returns the candidates for inserting s as new lines after
// line first, else after a line from lo to hi.
func (t *text) insertLines(first, lo, hi int, s string) iter.Seq[[]byte] {
	return atLines(first, lo, hi, func(l int) [][]byte { return [][]byte{t.insertAfterLine(l, s)} })
}

// addToBlock adds a line like the last item's after it.
func (l *loc) addToBlock(value string, want []*yaml.Node) ([]byte, error) {
	t, items := l.t, l.val.Content
	b, err := t.analyzeBlock(l.val, l.name())
	if err != nil {
		return nil, err
	}
	text, err := stringText(value, yamlscalar.BlockItem, listStyles(items))
	if err != nil {
		return nil, err
	}
	last := len(items) - 1
	d := b.dash[last]
	dashOff := t.cstart(d) + b.indent
	gap := " "
	if it := items[last]; it.Line-1 == d {
		if noff, err := t.offset(it.Line, it.Column); err == nil && noff > dashOff+1 && allSpace(t.src[dashOff+1:noff]) {
			gap = string(t.src[dashOff+1 : noff])
		}
	}
	newLine := string(t.src[t.cstart(d):dashOff]) + "-" + gap + text
	what := fmt.Sprintf("add to the list %s at %s", l.name(), pos(l.val))
	return firstValid(want, what, t.insertLines(b.itemEnd(last), d, b.end, newLine))
}

// addToFlow adds an item inside the brackets; "key: []" becomes a block
// list when it can.
func (l *loc) addToFlow(value string, want []*yaml.Node) ([]byte, error) {
	t, items := l.t, l.val.Content
	f, err := t.scanFlow(l.val)
	if err != nil {
		return nil, err
	}
	text, err := stringText(value, yamlscalar.FlowValue, listStyles(items))
	if err != nil {
		return nil, err
	}
	var cands [][]byte
	if len(items) == 0 {
		if out, err := l.fillList(value); err == nil {
			cands = append(cands, out)
		}
	}
	cands = append(cands, t.insertFlowItem(f, len(items)-1, text)...)
	return firstValid(want, "add to the list "+l.name(), these(cands...))
}

// fillList writes value as a one-item block list in place of the empty
// value ("key:", "key: ~", "key: []") of the located list.
func (l *loc) fillList(value string) ([]byte, error) {
	lay := l.layout()
	return l.fillEmpty(l.root(), l.keyNode(0), l.val, l.name(), func(ind int) (string, error) {
		return lay.items(seqNode(strNode(value)), ind)
	})
}

// addKey appends "key:" with a one-item block list to the target document,
// before the marker that ends it.
func (l *loc) addKey(value string, want []*yaml.Node) ([]byte, error) {
	t, root := l.t, l.root()
	ind := 0
	start := -1
	if l.di >= 0 {
		start = l.docs[l.di].Line - 1
	}
	if root != nil {
		if root.Style&yaml.FlowStyle != 0 {
			return nil, fmt.Errorf("yamledit: %w: cannot add %s to the flow mapping at %s", ErrUnsupported, l.name(), pos(root))
		}
		// Indent like the first key: the root's own position may be that
		// of a tag or anchor.
		first := root
		if len(root.Content) > 0 {
			first = root.Content[0]
		}
		ind = first.Column - 1
		start = max(start, root.Line-1)
	}
	block, err := l.layout().entry(l.path[0], seqNode(strNode(value)), ind)
	if err != nil {
		return nil, err
	}
	at := len(t.lines) - 1
	if l.di >= 0 {
		for ln := max(start+1, 0); ln < len(t.lines); ln++ {
			if t.marker(ln) {
				at = ln - 1
				break
			}
		}
	}
	return firstValid(want, "add the list "+l.name(), these(t.insertAfterLine(at, block)))
}

// insertEntry adds the key path names, with value, to its mapping (after
// the key after when it is there) or to its null parent.
func (l *loc) insertEntry(value *yaml.Node, after string) ([]byte, error) {
	last := len(l.path) - 1
	name := l.path[last]
	want := l.expect()
	if l.nullParent != nil {
		*l.follow(want, last) = *mapNode(strNode(name), clone(value))
		return l.fillParent(name, value, want)
	}
	m := l.maps[last]
	wm := l.follow(want, last)
	at := len(m.Content)
	if j := findKey(m, after); j >= 0 && after != "" {
		at = j + 2
	}
	wm.Content = append(wm.Content[:at:at], append([]*yaml.Node{strNode(name), clone(value)}, wm.Content[at:]...)...)
	flow := m.Style&yaml.FlowStyle != 0
	switch {
	case flow && len(m.Content) == 0 && last > 0 && l.maps[last-1].Style&yaml.FlowStyle == 0:
		// "key: {}" becomes a block mapping when it can.
		if out, err := l.fillParent(name, value, want); err == nil {
			return out, nil
		}
	case flow && len(m.Content) == 0 && last == 0:
		if out, err := l.fillRoot(m, name, value, want); err == nil {
			return out, nil
		}
	case !flow:
		return l.insertBlock(m, at, name, value, want)
	}
	return l.insertFlow(m, at, name, value, want)
}

// insertBlock adds the entry after pair at-2 of block mapping m.
func (l *loc) insertBlock(m *yaml.Node, at int, name string, value *yaml.Node, want []*yaml.Node) ([]byte, error) {
	t := l.t
	if len(m.Content) == 0 {
		return nil, fmt.Errorf("yamledit: %w: empty block mapping at %s", ErrUnsupported, pos(m))
	}
	_, ind, err := t.keyLine(m.Content[0])
	if err != nil {
		return nil, err
	}
	j := at - 2
	end, err := t.entryEnd(m, j, ind)
	if err != nil {
		return nil, err
	}
	s, err := l.layout().entry(name, value, ind)
	if err != nil {
		return nil, err
	}
	vend, _ := t.valueEnd(m, j, ind)
	return firstValid(want, "insert "+l.name(), t.insertLines(end, vend, t.entryLimit(m, j), s))
}

// fillEmpty writes new block lines in place of the empty value v of key
// kn in block mapping m ("key:", "key: ~", "key: []" or "key: {}", with at
// most a comment after it on the key's line); body renders them for a key
// indented by ind. name is the key's path for messages.
func (l *loc) fillEmpty(m, kn, v *yaml.Node, name string, body func(ind int) (string, error)) ([]byte, error) {
	t := l.t
	if m.Style&yaml.FlowStyle != 0 {
		return nil, fmt.Errorf("yamledit: %w: %s is in a flow mapping", ErrUnsupported, name)
	}
	kl, ind, ce, err := t.keyColon(kn)
	if err != nil {
		return nil, err
	}
	lineEnd := t.lines[kl].end
	rm := ce
	if !emptyNull(v) {
		off, err := t.offset(v.Line, v.Column)
		if err != nil {
			return nil, err
		}
		end, err := t.nodeEnd(v, ind, false)
		if err != nil {
			return nil, err
		}
		if off < ce || end > lineEnd || !allSpace(t.src[ce:off]) {
			return nil, fmt.Errorf("yamledit: %w: value of %s at %s is not on its key's line", ErrUnsupported, name, pos(v))
		}
		rm = end
	}
	if !t.onlySpaceOrComment(rm, lineEnd) {
		return nil, fmt.Errorf("yamledit: %w: text after the value of %s at %s", ErrUnsupported, name, pos(v))
	}
	s, err := body(ind)
	if err != nil {
		return nil, err
	}
	return apply(t.src, edit{ce, rm, ""}, t.insertLineEdit(kl, s)), nil
}

// fillParent writes the first entry into a parent that is "key:" (null)
// or "key: {}" in a block mapping.
func (l *loc) fillParent(name string, value *yaml.Node, want []*yaml.Node) ([]byte, error) {
	gi := len(l.maps) - 1 // the block mapping holding the parent's key
	if l.nullParent == nil {
		gi--
	}
	g := l.maps[gi]
	parent := fmt.Sprintf("%q", strings.Join(l.path[:gi+1], "."))
	lay := l.layout()
	out, err := l.fillEmpty(g, l.keyNode(gi), g.Content[l.kidx[gi]+1], parent, func(ind int) (string, error) {
		return lay.entry(name, value, ind+lay.step)
	})
	if err != nil {
		return nil, err
	}
	return firstValid(want, "insert "+l.name(), these(out))
}

// fillRoot writes the first entry into a root mapping written as "{}" on
// a line of its own.
func (l *loc) fillRoot(m *yaml.Node, name string, value *yaml.Node, want []*yaml.Node) ([]byte, error) {
	t := l.t
	f, err := t.scanFlow(m)
	if err != nil {
		return nil, err
	}
	ln := t.lineOf(f.open)
	if t.lineOf(f.close) != ln || !allSpace(t.src[t.cstart(ln):f.open]) || !t.onlySpaceOrComment(f.close+1, t.lines[ln].end) {
		return nil, fmt.Errorf("yamledit: %w: the root mapping at %s is not alone on its line", ErrUnsupported, pos(m))
	}
	s, err := l.layout().entry(name, value, f.open-t.cstart(ln))
	if err != nil {
		return nil, err
	}
	return firstValid(want, "insert "+l.name(), these(apply(t.src, edit{t.cstart(ln), f.close + 1, s})))
}

// insertFlow adds the pair after pair at-2 of flow mapping m.
func (l *loc) insertFlow(m *yaml.Node, at int, name string, value *yaml.Node, want []*yaml.Node) ([]byte, error) {
	f, err := l.t.scanFlow(m)
	if err != nil {
		return nil, err
	}
	key, err := scalarText(strNode(name), yamlscalar.FlowKey)
	if err != nil {
		return nil, err
	}
	s, err := l.layout().flow(value)
	if err != nil {
		return nil, err
	}
	return firstValid(want, "insert "+l.name(), these(l.t.insertFlowItem(f, at/2-1, key+": "+s)...))
}

// insertFlowItem returns the candidates for adding s as a new item of the
// flow collection f after item i: on a line of its own like item i when
// that one has its lines to itself, and after it on its line. In an empty
// collection s goes inside the brackets.
func (t *text) insertFlowItem(f *flowColl, i int, s string) [][]byte {
	if len(f.start) == 0 {
		return [][]byte{apply(t.src, edit{f.open + 1, f.open + 1, s})}
	}
	var cands [][]byte
	if f.alone(t, i) {
		ln := t.lineOf(f.start[i])
		ind := string(t.src[t.cstart(ln):f.start[i]])
		if f.comma[i] >= 0 {
			cands = append(cands, apply(t.src, t.insertLineEdit(t.lineOf(f.comma[i]), ind+s+",")))
		} else {
			cands = append(cands, apply(t.src, edit{f.end[i], f.end[i], ","}, t.insertLineEdit(t.lineOf(f.end[i]-1), ind+s)))
		}
	}
	return append(cands, apply(t.src, edit{f.end[i], f.end[i], ", " + s}))
}
