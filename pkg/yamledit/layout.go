package yamledit

import (
	"bytes"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// This file reads the layout of existing text: where a node, an entry of a
// block mapping or an item of a block list ends, the items of a flow
// collection, and the indentation the file uses.

const quoted = yaml.SingleQuotedStyle | yaml.DoubleQuotedStyle

// colonEnd returns the offset just past the ':' that follows the key node.
func (t *text) colonEnd(kn *yaml.Node) (int, error) {
	off, err := t.offset(kn.Line, kn.Column)
	if err != nil {
		return 0, err
	}
	off = t.skipProperties(off)
	switch {
	case off >= len(t.src):
	case t.src[off] == '"' || t.src[off] == '\'':
		off = t.quotedEnd(off)
	case kn.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 && bytes.HasPrefix(t.src[off:], []byte(kn.Value)):
		off += len(kn.Value)
	default:
		off = -1
	}
	if off < 0 {
		return 0, fmt.Errorf("yamledit: %w: cannot find the end of key %q at %s", ErrUnsupported, kn.Value, pos(kn))
	}
	for off < len(t.src) && isSpace(t.src[off]) {
		off++
	}
	if off >= len(t.src) || t.src[off] != ':' || t.lineOf(off) != kn.Line-1 {
		return 0, fmt.Errorf("yamledit: %w: key %q at %s is not followed by ':' on its line", ErrUnsupported, kn.Value, pos(kn))
	}
	return off + 1, nil
}

// keyLine returns the line and indentation of a key of a block mapping,
// which must start its line.
func (t *text) keyLine(kn *yaml.Node) (int, int, error) {
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

// keyColon returns the line and indentation of a key of a block mapping,
// which must start its line, and the offset just past its ':'.
func (t *text) keyColon(kn *yaml.Node) (line, ind, colon int, err error) {
	if line, ind, err = t.keyLine(kn); err != nil {
		return 0, 0, 0, err
	}
	colon, err = t.colonEnd(kn)
	return line, ind, colon, err
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
func (t *text) nodeEnd(n *yaml.Node, ind int, flow bool) (int, error) {
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
			f, err := t.scanFlow(n)
			if err != nil {
				return 0, err
			}
			return f.close + 1, nil
		}
		if len(n.Content) == 0 {
			return unsupported("empty block collection")
		}
		lastNode := n.Content[len(n.Content)-1]
		if n.Kind == yaml.SequenceNode {
			if emptyNull(lastNode) {
				return unsupported("empty last item")
			}
			return t.nodeEnd(lastNode, n.Column-1, false)
		}
		kn := n.Content[len(n.Content)-2]
		if emptyNull(lastNode) {
			return t.colonEnd(kn)
		}
		return t.nodeEnd(lastNode, kn.Column-1, false)
	case yaml.ScalarNode:
	default:
		return unsupported("unexpected node")
	}
	if n.Value == "" && n.Style&(quoted|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
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
	case n.Style&quoted != 0:
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

// blockScalarEnd returns the end of the last line of the block scalar
// whose header is at v: its last content line, or with the keep indicator
// ("|+") the last of the blank lines after it, which are part of its value.
func (t *text) blockScalarEnd(v int) int {
	hl := t.lineOf(v)
	header := t.src[v:t.lines[hl].end]
	if k := bytes.IndexAny(header, " \t#"); k >= 0 {
		header = header[:k]
	}
	keep := bytes.IndexByte(header, '+') >= 0
	p := t.indent(hl)
	end := t.lines[hl].end
	for l := hl + 1; l < len(t.lines); l++ {
		if t.blank(l) {
			if keep && t.hasBreak(l) {
				end = t.lines[l].next // past the break: the end of an empty line is its start
			} else if keep {
				end = t.lines[l].end
			}
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
	if v+len(value) <= lineEnd && string(t.src[v:v+len(value)]) == value && t.onlySpaceOrComment(v+len(value), lineEnd) {
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

// flowColl is the layout of a flow collection, "[a, b]" or "{a: 1, b: 2}":
// its brackets and, for each item (a list item or a mapping's pair), where
// its text starts (properties included) and ends, and the ',' after it.
type flowColl struct {
	open, close int
	start, end  []int
	comma       []int // offset of the ',' after each item, or -1
	colon       []int // of a mapping: offset just past each pair's ':', or -1
	valStart    []int // of a mapping: offset of each pair's value, or -1 when empty
}

// scanFlow reads the layout of the flow collection n.
func (t *text) scanFlow(n *yaml.Node) (*flowColl, error) {
	unsupported := func(what string) error {
		return fmt.Errorf("yamledit: %w: flow %s at %s: %s", ErrUnsupported, kindName(n), pos(n), what)
	}
	off, err := t.offset(n.Line, n.Column)
	if err != nil {
		return nil, err
	}
	open, closing, step := byte('['), byte(']'), 1
	if n.Kind == yaml.MappingNode {
		open, closing, step = '{', '}', 2
	}
	if !t.opens(off, open) {
		return nil, unsupported(fmt.Sprintf("no %q", open))
	}
	f := &flowColl{open: t.skipProperties(off)}
	cur := off + 1
	for i := 0; i+step-1 < len(n.Content); i += step {
		it := n.Content[i]
		s, err := t.offset(it.Line, it.Column)
		if err != nil {
			return nil, err
		}
		if s < cur || t.skipSpaceAndComments(cur) != s {
			return nil, unsupported("unexpected text before the item at " + pos(it))
		}
		var e int
		switch {
		case step == 2:
			var colon, vs int
			colon, vs, e, err = t.pairEnd(it, n.Content[i+1])
			f.colon, f.valStart = append(f.colon, colon), append(f.valStart, vs)
		case it.Kind == yaml.MappingNode && len(it.Content) == 2 && !t.opens(s, '{'):
			// A pair standing as a list item: "[a: 1]".
			_, _, e, err = t.pairEnd(it.Content[0], it.Content[1])
		default:
			e, err = t.nodeEnd(it, 0, true)
		}
		if err != nil {
			return nil, err
		}
		f.start, f.end = append(f.start, s), append(f.end, e)
		c := t.skipSpaceAndComments(e)
		if c < len(t.src) && t.src[c] == ',' {
			f.comma = append(f.comma, c)
			cur = c + 1
			continue
		}
		if i+step < len(n.Content) {
			return nil, unsupported("no ',' after the item at " + pos(it))
		}
		f.comma = append(f.comma, -1)
		cur = c
	}
	c := t.skipSpaceAndComments(cur)
	if c >= len(t.src) || t.src[c] != closing {
		return nil, unsupported(fmt.Sprintf("no %q", closing))
	}
	f.close = c
	return f, nil
}

// opens reports whether the node at off, after its properties, starts
// with the bracket c.
func (t *text) opens(off int, c byte) bool {
	off = t.skipProperties(off)
	return off < len(t.src) && t.src[off] == c
}

// pairEnd reads a pair of a flow collection: the offset just past its ':'
// (or -1), the offset of its value (or -1 when empty), and its end.
func (t *text) pairEnd(kn, vn *yaml.Node) (colon, vs, end int, err error) {
	unsupported := func(what string) (int, int, int, error) {
		return 0, 0, 0, fmt.Errorf("yamledit: %w: flow pair at %s: %s", ErrUnsupported, pos(kn), what)
	}
	ke, err := t.nodeEnd(kn, 0, true)
	if err != nil {
		return 0, 0, 0, err
	}
	c := t.skipSpaceAndComments(ke)
	colon, vs, end = -1, -1, ke
	if c < len(t.src) && t.src[c] == ':' {
		colon, end = c+1, c+1
	}
	if emptyNull(vn) {
		return colon, vs, end, nil
	}
	if colon < 0 {
		return unsupported("no ':' after the key")
	}
	if vs, err = t.offset(vn.Line, vn.Column); err != nil {
		return 0, 0, 0, err
	}
	if vs < colon || t.skipSpaceAndComments(colon) != vs {
		return unsupported("unexpected text before the value at " + pos(vn))
	}
	if end, err = t.nodeEnd(vn, 0, true); err != nil {
		return 0, 0, 0, err
	}
	return colon, vs, end, nil
}

// tail returns the offset just past item i and its comma.
func (f *flowColl) tail(i int) int {
	if f.comma[i] >= 0 {
		return f.comma[i] + 1
	}
	return f.end[i]
}

// alone reports whether item i has its lines to itself: only white space
// before it, and only its comma and a comment after it.
func (f *flowColl) alone(t *text, i int) bool {
	tail := f.tail(i)
	first, last := t.lineOf(f.start[i]), t.lineOf(tail-1)
	return t.lineOf(f.open) < first && t.lineOf(f.close) > last &&
		allSpace(t.src[t.cstart(first):f.start[i]]) && t.onlySpaceOrComment(tail, t.lines[last].end)
}

// blockSeq is the layout of a block list.
type blockSeq struct {
	t      *text
	seq    *yaml.Node
	indent int   // byte column of the dashes
	dash   []int // line of each item's dash
	end    int   // last line that may still belong to the last item
}

func (t *text) analyzeBlock(seq *yaml.Node, name string) (*blockSeq, error) {
	off, err := t.offset(seq.Line, seq.Column)
	if err != nil {
		return nil, err
	}
	l0 := seq.Line - 1
	if off >= len(t.src) || t.src[off] != '-' || !allSpace(t.src[t.cstart(l0):off]) {
		return nil, fmt.Errorf("yamledit: %w: list %s at %s does not start with a '-' on its own line", ErrUnsupported, name, pos(seq))
	}
	b := &blockSeq{t: t, seq: seq, indent: off - t.cstart(l0)}
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
	last := len(b.dash) - 1
	from := b.dash[last] + 1
	if it := seq.Content[last]; it.Style&quoted != 0 {
		if q, err := t.nodeEnd(it, b.indent, false); err == nil {
			from = max(from, t.lineOf(q-1)+1)
		}
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
	c := b.t.content(l)
	return len(c) > b.indent && allSpace(c[:b.indent]) && c[b.indent] == '-' &&
		(len(c) == b.indent+1 || isSpace(c[b.indent+1]))
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
	d, e := b.dash[i], b.dash[i]
	if end, err := b.t.nodeEnd(b.seq.Content[i], b.indent, false); err == nil && end > 0 {
		e = b.t.lineOf(end - 1)
	}
	return min(max(e, d), b.spanEnd(i))
}

// valueEnd returns the last line of the value of pair j of block mapping
// m, whose keys are indented by ind.
func (t *text) valueEnd(m *yaml.Node, j, ind int) (int, error) {
	kn, v := m.Content[j], m.Content[j+1]
	var end int
	var err error
	if emptyNull(v) {
		end, err = t.colonEnd(kn)
	} else {
		end, err = t.nodeEnd(v, ind, false)
	}
	if err != nil {
		return 0, err
	}
	return t.lineOf(max(end-1, 0)), nil
}

// entryLimit returns the last line that pair j of block mapping m may
// take: the line before the next key, or the last line.
func (t *text) entryLimit(m *yaml.Node, j int) int {
	if j+2 < len(m.Content) {
		if nl, _, err := t.keyLine(m.Content[j+2]); err == nil {
			return nl - 1
		}
	}
	return len(t.lines) - 1
}

// entryEnd returns the last line of pair j of block mapping m: the end of
// its value, and the comment lines after it that are indented deeper than
// the key (such as commented-out entries of a nested mapping).
func (t *text) entryEnd(m *yaml.Node, j, ind int) (int, error) {
	end, err := t.valueEnd(m, j, ind)
	if err != nil {
		return 0, err
	}
	for l := end + 1; l <= t.entryLimit(m, j); l++ {
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

// aboveComments returns the first line of the comment lines directly above
// line kl (contiguous, indented by ind, no blank line between), stopping
// after line low.
func (t *text) aboveComments(kl, ind, low int) int {
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

// keyLineComment returns the comment (from '#') on the line of key j of a
// block mapping when nothing but the value's own text comes before it.
func (t *text) keyLineComment(m *yaml.Node, j, ind int) string {
	kn, v := m.Content[j], m.Content[j+1]
	ce, err := t.colonEnd(kn)
	if err != nil {
		return ""
	}
	kl := t.lineOf(ce - 1)
	from := ce
	if !emptyNull(v) && v.Line-1 == kl {
		end, err := t.nodeEnd(v, ind, false)
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
