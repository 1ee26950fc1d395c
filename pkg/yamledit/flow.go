package yamledit

import (
	"fmt"

	yaml "go.yaml.in/yaml/v3"
)

// flowSeq is the layout of a flow list "[a, b]".
type flowSeq struct {
	open, close int   // offsets of '[' and ']'
	start, end  []int // text of each item, properties included
	comma       []int // offset of the ',' after each item, or -1
}

func (tg *target) analyzeFlow() (*flowSeq, error) {
	t, seq := tg.t, tg.val
	unsupported := func(what string) error {
		return fmt.Errorf("yamledit: %w: flow list %q at %s: %s", ErrUnsupported, tg.key, pos(seq), what)
	}
	off, err := t.offset(seq.Line, seq.Column)
	if err != nil {
		return nil, err
	}
	off = t.skipProperties(off)
	if off >= len(t.src) || t.src[off] != '[' {
		return nil, unsupported("no '['")
	}
	f := &flowSeq{open: off}
	cur := off + 1
	for i, it := range seq.Content {
		s, err := t.offset(it.Line, it.Column)
		if err != nil {
			return nil, err
		}
		if s < cur || t.skipSpaceAndComments(cur) != s {
			return nil, unsupported("unexpected text before item at " + pos(it))
		}
		v := t.skipProperties(s)
		e := v
		if v < len(t.src) && (t.src[v] == '"' || t.src[v] == '\'') {
			e = t.quotedEnd(v)
		} else if v < len(t.src) {
			e = t.flowPlainEnd(v)
		}
		if e < 0 {
			return nil, unsupported("unterminated item at " + pos(it))
		}
		var ok bool
		if cur, ok = f.item(t, s, e, i == len(seq.Content)-1); !ok {
			return nil, unsupported("no ',' after item at " + pos(it))
		}
	}
	if !f.closeAt(t, cur, ']') {
		return nil, unsupported("no ']'")
	}
	return f, nil
}

// item records an item (or a mapping's pair) from start to end and the ',' after it, and returns the
// offset where the next one may begin; ok is false when the ',' is missing and last is not set.
func (f *flowSeq) item(t *text, start, end int, last bool) (next int, ok bool) {
	f.start, f.end = append(f.start, start), append(f.end, end)
	c := t.skipSpaceAndComments(end)
	if c < len(t.src) && t.src[c] == ',' {
		f.comma = append(f.comma, c)
		return c + 1, true
	}
	f.comma = append(f.comma, -1)
	return c, last
}

// closeAt records the closing bracket, which must follow cur after space and comments.
func (f *flowSeq) closeAt(t *text, cur int, bracket byte) bool {
	c := t.skipSpaceAndComments(cur)
	if c >= len(t.src) || t.src[c] != bracket {
		return false
	}
	f.close = c
	return true
}

// alone reports whether item i has its lines to itself: only white space
// before it, and only its comma and a comment after it.
func (f *flowSeq) alone(t *text, i int) bool {
	tail := f.end[i]
	if f.comma[i] >= 0 {
		tail = f.comma[i] + 1
	}
	first, last := t.lineOf(f.start[i]), t.lineOf(tail-1)
	return t.lineOf(f.open) < first && t.lineOf(f.close) > last &&
		allSpace(t.src[t.cstart(first):f.start[i]]) && t.onlySpaceOrComment(tail, t.lines[last].end)
}

func (tg *target) addToFlow(value string, want []*yaml.Node) ([]byte, error) {
	f, err := tg.analyzeFlow()
	if err != nil {
		return nil, err
	}
	t, items := tg.t, tg.val.Content
	text, err := render(value, flowItem, preferSingle(items))
	if err != nil {
		return nil, err
	}
	var cands [][]byte
	n := len(items)
	if n == 0 {
		if out, ok := tg.emptyFlowToBlock(f, value); ok {
			cands = append(cands, out)
		}
		cands = append(cands, apply(t.src, edit{f.open + 1, f.open + 1, text}))
		return firstValid(want, cands...)
	}
	last := n - 1
	if f.alone(t, last) {
		// One item per line: add a line like the last one.
		l := t.lineOf(f.start[last])
		ind := string(t.src[t.cstart(l):f.start[last]])
		var edits []edit
		if f.comma[last] >= 0 {
			edits = append(edits, t.insertLineEdit(t.lineOf(f.comma[last]), ind+text+","))
		} else {
			edits = append(edits, edit{f.end[last], f.end[last], ","}, t.insertLineEdit(t.lineOf(f.end[last]-1), ind+text))
		}
		cands = append(cands, apply(t.src, edits...))
	}
	cands = append(cands, apply(t.src, edit{f.end[last], f.end[last], ", " + text}))
	return firstValid(want, cands...)
}

// emptyFlowToBlock rewrites "key: []" (all on the key's line) into a block
// list holding value.
func (tg *target) emptyFlowToBlock(f *flowSeq, value string) ([]byte, bool) {
	t := tg.t
	if tg.root.Style&yaml.FlowStyle != 0 || t.lineOf(f.open) != t.lineOf(f.close) || tg.val.Anchor != "" {
		return nil, false
	}
	ce, err := tg.colonEnd()
	if err != nil || t.lineOf(ce-1) != t.lineOf(f.open) || !allSpace(t.src[ce:f.open]) {
		return nil, false
	}
	ki, err := tg.keyIndent()
	if err != nil {
		return nil, false
	}
	line, err := tg.newItemLine(value, ki)
	if err != nil {
		return nil, false
	}
	kl := t.lineOf(f.open)
	return apply(t.src, edit{ce, f.close + 1, ""}, t.insertLineEdit(kl, line)), true
}

func (tg *target) removeFromFlow(idx int, want []*yaml.Node) ([]byte, error) {
	f, err := tg.analyzeFlow()
	if err != nil {
		return nil, err
	}
	return removeFlowItem(tg.t, f, idx, want)
}

// removeFlowItem removes item i (a list item, or a mapping's pair) of a flow collection with its
// comma: its own lines when it has them, else its text. The first candidate that parses to want
// wins.
func removeFlowItem(t *text, f *flowSeq, i int, want []*yaml.Node) ([]byte, error) {
	n := len(f.start)
	if n == 1 {
		return firstValid(want, apply(t.src, edit{f.open + 1, f.close, ""}))
	}
	var cands [][]byte
	if f.alone(t, i) {
		tail := f.end[i]
		if f.comma[i] >= 0 {
			tail = f.comma[i] + 1
		}
		edits := []edit{t.removeLines(t.lineOf(f.start[i]), t.lineOf(tail-1))}
		if i == n-1 && f.comma[i] < 0 && f.comma[i-1] >= 0 {
			edits = append(edits, edit{f.comma[i-1], f.comma[i-1] + 1, ""})
		}
		cands = append(cands, apply(t.src, edits...))
	}
	if i < n-1 {
		cands = append(cands, apply(t.src, edit{f.start[i], f.start[i+1], ""}))
	} else {
		cands = append(cands, apply(t.src, edit{f.end[i-1], f.end[i], ""}))
	}
	return firstValid(want, cands...)
}
