package yamledit

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// line is one physical line of the source.
type line struct {
	start int // offset of its first byte
	end   int // offset just past its content, before the line break
	next  int // offset just past its line break (== end on a last line without one)
}

// text is the source with a line table that matches the YAML parser's
// idea of lines: "\r\n", "\r", "\n", NEL, LS and PS all end a line.
type text struct {
	src   []byte
	lines []line
	bom   int    // length of a leading UTF-8 byte order mark
	eol   string // line break to use for new lines
}

var utf8BOM = []byte("\xef\xbb\xbf")

func newText(src []byte) *text {
	t := &text{src: src}
	if bytes.HasPrefix(src, utf8BOM) {
		t.bom = len(utf8BOM)
	}
	start := 0
	for i := 0; i < len(src); {
		n := breakLen(src, i)
		if n == 0 {
			i++
			continue
		}
		if t.eol == "" {
			switch string(src[i : i+n]) {
			case "\r\n", "\n", "\r":
				t.eol = string(src[i : i+n])
			}
		}
		t.lines = append(t.lines, line{start: start, end: i, next: i + n})
		i += n
		start = i
	}
	if start < len(src) {
		t.lines = append(t.lines, line{start: start, end: len(src), next: len(src)})
	}
	if t.eol == "" {
		t.eol = "\n"
	}
	return t
}

// breakLen returns the length of the line break at src[i:], or 0.
func breakLen(src []byte, i int) int {
	switch src[i] {
	case '\n':
		return 1
	case '\r':
		if i+1 < len(src) && src[i+1] == '\n' {
			return 2
		}
		return 1
	case 0xc2:
		if i+1 < len(src) && src[i+1] == 0x85 { // NEL
			return 2
		}
	case 0xe2:
		if i+2 < len(src) && src[i+1] == 0x80 && (src[i+2] == 0xa8 || src[i+2] == 0xa9) { // LS, PS
			return 3
		}
	}
	return 0
}

// offset converts a parser position (1-based line, 1-based column counted
// in characters) to a byte offset.
func (t *text) offset(lineNo, col int) (int, error) {
	if lineNo < 1 || lineNo > len(t.lines)+1 || col < 1 {
		return 0, fmt.Errorf("%w: position %d:%d is outside the file", ErrUnsupported, lineNo, col)
	}
	if lineNo == len(t.lines)+1 {
		// Just past a final line break.
		if col == 1 {
			return len(t.src), nil
		}
		return 0, fmt.Errorf("%w: position %d:%d is outside the file", ErrUnsupported, lineNo, col)
	}
	l := t.lines[lineNo-1]
	off := l.start
	if lineNo == 1 {
		off += t.bom
	}
	for c := 1; c < col; c++ {
		if off >= l.end {
			return 0, fmt.Errorf("%w: position %d:%d is past the end of its line", ErrUnsupported, lineNo, col)
		}
		_, n := utf8.DecodeRune(t.src[off:l.end])
		off += n
	}
	return off, nil
}

// lineOf returns the 0-based index of the line holding offset off.
func (t *text) lineOf(off int) int {
	lo, hi := 0, len(t.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if t.lines[mid].start <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// cstart returns the offset where the content of line i starts: its start,
// after a byte order mark on the first line.
func (t *text) cstart(i int) int {
	if i == 0 {
		return min(t.bom, t.lines[0].end)
	}
	return t.lines[i].start
}

func (t *text) content(i int) []byte { return t.src[t.cstart(i):t.lines[i].end] }

// insertAfterLine returns src with s inserted as a new line after line i
// (before the first line if i < 0). A final line without a line break
// stays without one.
func (t *text) insertAfterLine(i int, s string) []byte {
	return apply(t.src, t.insertLineEdit(i, s))
}

func (t *text) insertLineEdit(i int, s string) edit {
	if i < 0 {
		at := len(t.src)
		if len(t.lines) > 0 {
			at = t.cstart(0)
		}
		return edit{at, at, s + t.eol}
	}
	l := t.lines[i]
	if l.next > l.end {
		return edit{l.next, l.next, s + t.eol}
	}
	return edit{l.end, l.end, t.eol + s}
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

func allSpace(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

// indent returns the number of leading spaces of line i.
func (t *text) indent(i int) int {
	c := t.content(i)
	n := 0
	for n < len(c) && c[n] == ' ' {
		n++
	}
	return n
}

// blank reports whether line i holds only spaces and tabs.
func (t *text) blank(i int) bool {
	return len(bytes.Trim(t.content(i), " \t")) == 0
}

// comment reports whether line i is a comment line.
func (t *text) comment(i int) bool {
	c := bytes.TrimLeft(t.content(i), " \t")
	return len(c) > 0 && c[0] == '#'
}

// marker reports whether line i is a document marker ("---" or "...").
func (t *text) marker(i int) bool {
	c := t.content(i)
	if !bytes.HasPrefix(c, []byte("---")) && !bytes.HasPrefix(c, []byte("...")) {
		return false
	}
	return len(c) == 3 || c[3] == ' ' || c[3] == '\t'
}

// hasBreak reports whether line i ends with a line break.
func (t *text) hasBreak(i int) bool { return t.lines[i].next > t.lines[i].end }

// commentFrom reports whether the rest of the line holding off, from off
// on, contains a comment (a '#' at off or after a space or tab).
func (t *text) commentFrom(off int) bool {
	end := t.lines[t.lineOf(off)].end
	for i := off; i < end; i++ {
		if t.src[i] == '#' && (i == off || t.src[i-1] == ' ' || t.src[i-1] == '\t') {
			return true
		}
	}
	return false
}

// onlySpaceOrComment reports whether src[from:to] holds only spaces,
// tabs, and possibly a trailing comment.
func (t *text) onlySpaceOrComment(from, to int) bool {
	for i := from; i < to; i++ {
		switch t.src[i] {
		case ' ', '\t':
		case '#':
			return i == from || t.src[i-1] == ' ' || t.src[i-1] == '\t'
		default:
			return false
		}
	}
	return true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// skipSpaceAndComments returns the first offset at or after off that is not
// white space, a line break or part of a comment.
func (t *text) skipSpaceAndComments(off int) int {
	for off < len(t.src) {
		c := t.src[off]
		switch {
		case isSpace(c):
			off++
		case breakLen(t.src, off) > 0:
			off += breakLen(t.src, off)
		case c == '#':
			off = t.lines[t.lineOf(off)].end
		default:
			return off
		}
	}
	return off
}

// skipProperties skips a node's tag and anchor, if any, and the white
// space after them, starting at off.
func (t *text) skipProperties(off int) int {
	for off < len(t.src) && (t.src[off] == '!' || t.src[off] == '&') {
		for off < len(t.src) && !isSpace(t.src[off]) && breakLen(t.src, off) == 0 {
			off++
		}
		off = t.skipSpaceAndComments(off)
	}
	return off
}

// quotedEnd returns the offset just past the quoted scalar starting at off
// (which holds the opening quote), or -1.
func (t *text) quotedEnd(off int) int {
	q := t.src[off]
	for i := off + 1; i < len(t.src); i++ {
		switch t.src[i] {
		case '\\':
			if q == '"' {
				i++
			}
		case q:
			if q == '\'' && i+1 < len(t.src) && t.src[i+1] == '\'' {
				i++
				continue
			}
			return i + 1
		}
	}
	return -1
}

// flowPlainEnd returns the offset just past the plain scalar in flow
// context that starts at off. It follows the parser's rules: the scalar
// ends at a flow indicator, at ':' before white space, and at a comment
// or document marker after white space.
func (t *text) flowPlainEnd(off int) int {
	end := off
	wordStart := false
	for i := off; i < len(t.src); {
		c := t.src[i]
		if n := breakLen(t.src, i); n > 0 || isSpace(c) {
			i += max(n, 1)
			wordStart = true
			continue
		}
		if wordStart {
			if c == '#' {
				return end
			}
			if l := t.lineOf(i); t.cstart(l) == i && t.marker(l) {
				return end
			}
		}
		wordStart = false
		if c == ':' && t.blankAt(i+1) || bytes.IndexByte([]byte(",?[]{}"), c) >= 0 {
			return end
		}
		i++
		end = i
	}
	return end
}

// blankAt reports whether src[i] is white space, a line break or the end.
func (t *text) blankAt(i int) bool {
	return i >= len(t.src) || isSpace(t.src[i]) || breakLen(t.src, i) > 0
}

// edit replaces src[from:to] by repl.
type edit struct {
	from, to int
	repl     string
}

// apply returns src with the edits applied; edits must not overlap.
func apply(src []byte, edits ...edit) []byte {
	sorted := append([]edit(nil), edits...)
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && sorted[j].from < sorted[j-1].from; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	size := len(src)
	for _, e := range sorted {
		size += len(e.repl) - (e.to - e.from)
	}
	out := make([]byte, 0, size)
	prev := 0
	for _, e := range sorted {
		out = append(out, src[prev:e.from]...)
		out = append(out, e.repl...)
		prev = e.to
	}
	return append(out, src[prev:]...)
}
