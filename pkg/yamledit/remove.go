package yamledit

import (
	"fmt"
	"iter"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// This file removes: an item of a list (RemoveFromList) and an entry of a
// mapping (DeleteKey), in block or flow style.

// removeItem removes item idx of the located list. A block list left
// empty becomes "key: []".
func (l *loc) removeItem(idx int) ([]byte, error) {
	t := l.t
	want := l.expect()
	seq := l.follow(want, 1)
	seq.Content = append(seq.Content[:idx:idx], seq.Content[idx+1:]...)
	what := fmt.Sprintf("remove the item at %s of %s", pos(l.val.Content[idx]), l.name())
	if l.val.Style&yaml.FlowStyle != 0 {
		f, err := t.scanFlow(l.val)
		if err != nil {
			return nil, err
		}
		return firstValid(want, what, these(t.removeFlowItem(f, idx)...))
	}
	b, err := t.analyzeBlock(l.val, l.name())
	if err != nil {
		return nil, err
	}
	var extra []edit
	if len(l.val.Content) == 1 {
		ce, err := t.colonEnd(l.keyNode(0))
		if err != nil {
			return nil, err
		}
		extra = append(extra, edit{ce, ce, " []"})
	}
	d := b.dash[idx]
	return firstValid(want, what, t.removeEntry(d, b.itemEnd(idx), d, b.spanEnd(idx), extra, false))
}

// deleteEntry removes the located key and its value from its mapping.
func (l *loc) deleteEntry() ([]byte, error) {
	last := len(l.path) - 1
	m, ki := l.maps[last], l.kidx[last]
	if err := l.checkAnchors(m.Content[ki], l.val); err != nil {
		return nil, err
	}
	want := l.expect()
	wm := l.follow(want, last)
	wm.Content = append(wm.Content[:ki:ki], wm.Content[ki+2:]...)
	if m.Style&yaml.FlowStyle != 0 {
		f, err := l.t.scanFlow(m)
		if err != nil {
			return nil, err
		}
		return firstValid(want, "delete "+l.name(), these(l.t.removeFlowItem(f, ki/2)...))
	}
	return l.deleteBlock(m, ki, want)
}

// removeEntry returns the candidates for removing the lines from start
// through the end of an entry or item: line first, else a line from lo to
// hi. extra edits go with each. With tidy, a blank line after it goes too
// when one is left before it.
func (t *text) removeEntry(start, first, lo, hi int, extra []edit, tidy bool) iter.Seq[[]byte] {
	del := func(rm edit) []byte { return apply(t.src, append(extra[:len(extra):len(extra)], rm)...) }
	return atLines(first, lo, hi, func(l int) [][]byte {
		if l < start {
			return nil
		}
		var out [][]byte
		if tidy && start > 0 && t.blank(start-1) && l+1 < len(t.lines) && t.blank(l+1) && l+1 <= hi && t.hasBreak(l+1) {
			out = append(out, del(t.removeLines(start, l+1)))
		}
		out = append(out, del(t.removeLines(start, l)))
		if !t.hasBreak(l) {
			// Keep the line break before the lines when removing it would
			// change the value before (such as a block scalar's).
			out = append(out, del(edit{t.lines[start].start, t.lines[l].end, ""}))
		}
		return out
	})
}

// deleteBlock removes pair j of block mapping m with the comment lines
// directly above it. A mapping left empty becomes "{}".
func (l *loc) deleteBlock(m *yaml.Node, j int, want []*yaml.Node) ([]byte, error) {
	t := l.t
	kl, ind, err := t.keyLine(m.Content[j])
	if err != nil {
		return nil, err
	}
	low := -1
	if j > 0 {
		if low, err = t.valueEnd(m, j-2, ind); err != nil {
			return nil, err
		}
	} else if len(l.maps) > 1 {
		low = l.keyNode(len(l.maps)-2).Line - 1
	} else if d := l.docs[l.di]; d.Line > 0 {
		low = min(d.Line-1, kl) - 1
		for ln := 0; ln < kl; ln++ {
			if t.marker(ln) {
				low = ln
			}
		}
	}
	start := t.aboveComments(kl, ind, low)
	end, err := t.entryEnd(m, j, ind)
	if err != nil {
		return nil, err
	}
	hi := t.entryLimit(m, j)
	vend, _ := t.valueEnd(m, j, ind)
	what := "delete " + l.name()
	var extra []edit
	if len(m.Content) == 2 {
		if len(l.maps) == 1 {
			// The document keeps an empty mapping.
			return firstValid(want, what, atLines(end, vend, hi, func(ln int) [][]byte {
				return [][]byte{apply(t.src, edit{t.cstart(start), t.lines[ln].end, strings.Repeat(" ", ind) + "{}"})}
			}))
		}
		ce, err := t.colonEnd(l.keyNode(len(l.maps) - 2))
		if err != nil {
			return nil, err
		}
		pl := t.lineOf(ce - 1)
		if !t.onlySpaceOrComment(ce, t.lines[pl].end) || pl >= start {
			return nil, fmt.Errorf("yamledit: %w: the mapping left empty at %s cannot be written as {}", ErrUnsupported, pos(m))
		}
		extra = append(extra, edit{ce, ce, " {}"})
	}
	return firstValid(want, what, t.removeEntry(start, end, vend, hi, extra, true))
}

// removeFlowItem returns the candidates for removing item i (a list item,
// or a mapping's pair) of a flow collection with its comma: its own lines
// when it has them, else its text.
func (t *text) removeFlowItem(f *flowColl, i int) [][]byte {
	n := len(f.start)
	if n == 1 {
		return [][]byte{apply(t.src, edit{f.open + 1, f.close, ""})}
	}
	var cands [][]byte
	if f.alone(t, i) {
		edits := []edit{t.removeLines(t.lineOf(f.start[i]), t.lineOf(f.tail(i)-1))}
		if i == n-1 && f.comma[i] < 0 && f.comma[i-1] >= 0 {
			edits = append(edits, edit{f.comma[i-1], f.comma[i-1] + 1, ""})
		}
		cands = append(cands, apply(t.src, edits...))
	}
	if i < n-1 {
		return append(cands, apply(t.src, edit{f.start[i], f.start[i+1], ""}))
	}
	return append(cands, apply(t.src, edit{f.end[i-1], f.end[i], ""}))
}
