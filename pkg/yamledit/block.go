package yamledit

import (
	"bytes"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// maxTries bounds how many alternative splice points are verified when the
// first guess at the end of an item is wrong.
const maxTries = 64

// blockSeq is the layout of a block list.
type blockSeq struct {
	tg     *target
	indent int   // byte column of the dashes
	dash   []int // line of each item's dash
	end    int   // last line that may still belong to the last item
}

func (tg *target) analyzeBlock() (*blockSeq, error) {
	t, seq := tg.t, tg.val
	off, err := t.offset(seq.Line, seq.Column)
	if err != nil {
		return nil, err
	}
	l0 := seq.Line - 1
	if off >= len(t.src) || t.src[off] != '-' || !allSpace(t.src[t.cstart(l0):off]) {
		return nil, fmt.Errorf("yamledit: %w: list %q at %s does not start with a '-' on its own line", ErrUnsupported, tg.key, pos(seq))
	}
	b := &blockSeq{tg: tg, indent: off - t.cstart(l0)}
	low := l0
	for i, it := range seq.Content {
		noff, err := t.offset(it.Line, it.Column)
		if err != nil {
			return nil, err
		}
		found := -1
		for l := it.Line - 1; l >= low && l < len(t.lines); l-- {
			if b.isDash(l) && (l != it.Line-1 || t.cstart(l)+b.indent < noff) {
				found = l
				break
			}
		}
		if found < 0 || (i == 0 && found != l0) {
			return nil, fmt.Errorf("yamledit: %w: cannot find the '-' of the item at %s", ErrUnsupported, pos(it))
		}
		b.dash = append(b.dash, found)
		low = found + 1
	}
	// The last item ends before the first line that is less indented than
	// the dashes, except inside a quoted scalar (whose continuation lines
	// the parser lets go further left).
	from := b.dash[len(b.dash)-1] + 1
	if q := b.quoteEnd(len(b.dash) - 1); q > 0 {
		from = max(from, t.lineOf(q-1)+1)
	}
	b.end = len(t.lines) - 1
	for l := from; l < len(t.lines); l++ {
		if !t.blank(l) && !t.comment(l) && t.indent(l) <= b.indent {
			b.end = l - 1
			break
		}
	}
	return b, nil
}

func (b *blockSeq) isDash(l int) bool {
	c := b.tg.t.content(l)
	return len(c) > b.indent && allSpace(c[:b.indent]) && c[b.indent] == '-' &&
		(len(c) == b.indent+1 || isSpace(c[b.indent+1]))
}

// quoteEnd returns the offset just past item i if it is a quoted scalar,
// else -1.
func (b *blockSeq) quoteEnd(i int) int {
	t, it := b.tg.t, b.tg.val.Content[i]
	if it.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) == 0 {
		return -1
	}
	noff, err := t.offset(it.Line, it.Column)
	if err != nil {
		return -1
	}
	v := t.skipProperties(noff)
	if v >= len(t.src) || (t.src[v] != '"' && t.src[v] != '\'') {
		return -1
	}
	return t.quotedEnd(v)
}

// spanEnd is the last line that may belong to item i.
func (b *blockSeq) spanEnd(i int) int {
	if i+1 < len(b.dash) {
		return b.dash[i+1] - 1
	}
	return b.end
}

// itemEnd returns the last line of item i: its dash line, or the last line
// of a multi-line scalar. Comment and blank lines after the item are not
// part of it.
func (b *blockSeq) itemEnd(i int) int {
	t, it := b.tg.t, b.tg.val.Content[i]
	d, se := b.dash[i], b.spanEnd(i)
	nl := it.Line - 1
	if nl < d || nl > se {
		nl = d
	}
	noff, err := t.offset(it.Line, it.Column)
	if err != nil {
		return nl
	}
	v := t.skipProperties(noff)
	e := nl
	switch q := b.quoteEnd(i); {
	case q > 0:
		e = t.lineOf(q - 1)
	case it.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 && v < len(t.src):
		hl := t.lineOf(v)
		header := t.src[v:t.lines[hl].end]
		if k := bytes.IndexAny(header, " \t#"); k >= 0 {
			header = header[:k]
		}
		keep := bytes.IndexByte(header, '+') >= 0
		e = hl
		for l := hl + 1; l <= se; l++ {
			if t.blank(l) {
				if keep {
					e = l
				}
				continue
			}
			if t.indent(l) <= b.indent {
				break
			}
			e = l
		}
	default:
		if t.commentFrom(noff) {
			break
		}
		for l := nl + 1; l <= se; l++ {
			if t.blank(l) {
				continue
			}
			if t.comment(l) || t.indent(l) <= b.indent {
				break
			}
			e = l
			if t.commentFrom(t.lines[l].start) {
				break
			}
		}
	}
	return min(max(e, d), se)
}

// candidates returns first, then every line from lo to hi except first,
// at most maxTries in all.
func candidates(first, lo, hi int) []int {
	out := []int{first}
	for l := lo; l <= hi && len(out) < maxTries; l++ {
		if l != first {
			out = append(out, l)
		}
	}
	return out
}

func preferSingle(items []*yaml.Node) bool {
	single, double := 0, 0
	for _, it := range items {
		switch {
		case it.Style&yaml.SingleQuotedStyle != 0:
			single++
		case it.Style&yaml.DoubleQuotedStyle != 0:
			double++
		}
	}
	return single > double
}

func (tg *target) addToBlock(value string, want []*yaml.Node) ([]byte, error) {
	b, err := tg.analyzeBlock()
	if err != nil {
		return nil, err
	}
	t, items := tg.t, tg.val.Content
	text, err := render(value, blockItem, preferSingle(items))
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

	var firstErr error
	for _, l := range candidates(b.itemEnd(last), d, b.end) {
		out := t.insertAfterLine(l, newLine)
		err := verify(out, want)
		if err == nil {
			return out, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, fmt.Errorf("yamledit: %w: cannot add to the list at %s safely: %v", ErrUnsupported, pos(tg.val), firstErr)
}

// removeLines returns the edit that deletes lines from..to entirely. When
// to is a final line without a line break, the break before from goes
// instead, so that the file still ends without one.
func (t *text) removeLines(from, to int) edit {
	if !t.hasBreak(to) && from > 0 {
		return edit{t.lines[from-1].end, t.lines[to].end, ""}
	}
	return edit{t.lines[from].start, t.lines[to].next, ""}
}

func (tg *target) removeFromBlock(idx int, want []*yaml.Node) ([]byte, error) {
	b, err := tg.analyzeBlock()
	if err != nil {
		return nil, err
	}
	t := tg.t
	var edits []edit
	if len(tg.val.Content) == 1 {
		// The list becomes empty: "key: []" keeps it a list.
		ce, err := tg.colonEnd()
		if err != nil {
			return nil, err
		}
		edits = append(edits, edit{ce, ce, " []"})
	}
	d := b.dash[idx]
	var firstErr error
	for _, e := range candidates(b.itemEnd(idx), d, b.spanEnd(idx)) {
		out := apply(t.src, append(edits[:len(edits):len(edits)], t.removeLines(d, e))...)
		err := verify(out, want)
		if err == nil {
			return out, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, fmt.Errorf("yamledit: %w: cannot remove the item at %s safely: %v", ErrUnsupported, pos(tg.val.Content[idx]), firstErr)
}

// keyIndent returns the indentation of the key's line, which must hold
// nothing but spaces before the key.
func (tg *target) keyIndent() (int, error) {
	t := tg.t
	off, err := t.offset(tg.kn.Line, tg.kn.Column)
	if err != nil {
		return 0, err
	}
	l := tg.kn.Line - 1
	if !allSpace(t.src[t.cstart(l):off]) {
		return 0, fmt.Errorf("yamledit: %w: key %q at %s does not start its line", ErrUnsupported, tg.key, pos(tg.kn))
	}
	return off - t.cstart(l), nil
}

// listIndent returns how much deeper than their key the dashes of block
// lists in the document are: the first such list decides; 2 by default.
func listIndent(n *yaml.Node) int {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0 && v.Line > k.Line && v.Column >= k.Column {
				return v.Column - k.Column
			}
		}
	}
	for _, c := range n.Content {
		if c.Kind == yaml.MappingNode || c.Kind == yaml.SequenceNode {
			if r := listIndent(c); r >= 0 {
				return r
			}
		}
	}
	if n.Kind == yaml.DocumentNode {
		return 2
	}
	return -1
}

func (tg *target) docListIndent() int {
	if tg.di < 0 {
		return 2
	}
	return listIndent(tg.docs[tg.di])
}

// newItemLine renders "- value" for a new block list under a key indented
// by keyIndent.
func (tg *target) newItemLine(value string, keyIndent int) (string, error) {
	text, err := render(value, blockItem, false)
	if err != nil {
		return "", err
	}
	return strings.Repeat(" ", keyIndent+tg.docListIndent()) + "- " + text, nil
}

// addToNull turns "key:" (or "key: ~", "key: null") into a block list.
func (tg *target) addToNull(value string, want []*yaml.Node) ([]byte, error) {
	t, v := tg.t, tg.val
	if tg.root.Style&yaml.FlowStyle != 0 {
		return nil, fmt.Errorf("yamledit: %w: %q is in a flow mapping", ErrUnsupported, tg.key)
	}
	ce, err := tg.colonEnd()
	if err != nil {
		return nil, err
	}
	ki, err := tg.keyIndent()
	if err != nil {
		return nil, err
	}
	kl := t.lineOf(ce - 1)
	lineEnd := t.lines[kl].end
	var edits []edit
	if v.Value != "" {
		voff, err := t.offset(v.Line, v.Column)
		if err != nil {
			return nil, err
		}
		rest := voff + len(v.Value)
		if v.Style != 0 || voff < ce || rest > lineEnd || string(t.src[voff:rest]) != v.Value ||
			!allSpace(t.src[ce:voff]) || !t.onlySpaceOrComment(rest, lineEnd) {
			return nil, fmt.Errorf("yamledit: %w: null value of %q at %s", ErrUnsupported, tg.key, pos(v))
		}
		edits = append(edits, edit{ce, rest, ""})
	} else if !t.onlySpaceOrComment(ce, lineEnd) {
		return nil, fmt.Errorf("yamledit: %w: value of %q at %s", ErrUnsupported, tg.key, pos(v))
	}
	line, err := tg.newItemLine(value, ki)
	if err != nil {
		return nil, err
	}
	edits = append(edits, t.insertLineEdit(kl, line))
	return firstValid(want, apply(t.src, edits...))
}

// addKey appends "key:" with a one-item block list to the target document.
func (tg *target) addKey(value string, want []*yaml.Node) ([]byte, error) {
	t := tg.t
	ind := 0
	start := -1
	if tg.di >= 0 {
		start = tg.docs[tg.di].Line - 1
	}
	if tg.root != nil {
		if tg.root.Style&yaml.FlowStyle != 0 {
			return nil, fmt.Errorf("yamledit: %w: cannot add %q to the flow mapping at %s", ErrUnsupported, tg.key, pos(tg.root))
		}
		// Indent like the first key: the root's own position may be that
		// of a tag or anchor.
		first := tg.root
		if len(tg.root.Content) > 0 {
			first = tg.root.Content[0]
		}
		ind = first.Column - 1
		start = max(start, tg.root.Line-1)
	}
	keyText, err := render(tg.key, mapKey, false)
	if err != nil {
		return nil, err
	}
	item, err := tg.newItemLine(value, ind)
	if err != nil {
		return nil, err
	}
	block := strings.Repeat(" ", ind) + keyText + ":" + t.eol + item

	// Insert before the marker that ends the document, or at the end.
	at := len(t.lines) - 1
	if tg.di >= 0 {
		for l := max(start+1, 0); l < len(t.lines); l++ {
			if t.marker(l) {
				at = l - 1
				break
			}
		}
	}
	return firstValid(want, t.insertAfterLine(at, block))
}
