package yamlpos

import (
	"bytes"
	"unicode/utf8"
)

// part is the text between two document separator lines.
type part struct {
	text []byte
	line int // 1-based line of the part's first line in the file
}

// splitParts splits src the way the Kubernetes YAML reader (k8s.io/apimachinery/pkg/util/yaml,
// used by kubectl and by fleetctl validate to decode objects) does. A separator is a line that
// starts with "---" followed only by blanks or a comment. It ends the current part and belongs to
// none, except when the current part has no lines yet: then it is the part's first line (and
// YAML reads it as the document's start marker). Parts are never empty. Lines end at "\n".
// Unlike the Kubernetes reader, directives stay with the part after them (see directives).
func splitParts(src []byte) []part {
	var parts []part
	start, startLine := 0, 1
	for i, line := 0, 1; i < len(src); line++ {
		end := bytes.IndexByte(src[i:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += i + 1
		}
		if i > start && isSeparator(src[i:end]) && !directives(src[start:i]) {
			parts = append(parts, part{text: src[start:i], line: startLine})
			start, startLine = end, line+1
		}
		i = end
	}
	if len(src) > start {
		parts = append(parts, part{text: src[start:], line: startLine})
	}
	return parts
}

// directives reports whether text holds directives ("%YAML 1.1", "%TAG ...") and otherwise only
// comments and blank lines. Such text belongs to the document after the next separator: the
// Kubernetes reader would make it a document of its own, which the decoder then rejects.
func directives(text []byte) bool {
	found := false
	for _, l := range bytes.Split(text, []byte{'\n'}) {
		l = bytes.TrimSpace(l)
		switch {
		case len(l) == 0 || l[0] == '#':
		case l[0] == '%':
			found = true
		default:
			return false
		}
	}
	return found
}

func isSeparator(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("---"))
	if !ok {
		return false
	}
	rest = bytes.TrimSpace(rest)
	return len(rest) == 0 || rest[0] == '#'
}

// lineCount is the number of lines of src as editors count them: "\n" ends a line, and a last
// line without one still counts.
func lineCount(src []byte) int {
	n := bytes.Count(src, []byte{'\n'}) + 1
	if len(src) > 0 && src[len(src)-1] == '\n' {
		n--
	}
	return max(n, 1)
}

// lineMap converts the parser's positions to "\n" lines. The parser also breaks lines at a lone
// "\r" and at U+0085, U+2028 and U+2029; editors and the Kubernetes reader do not. Each parser
// line i starts on "\n" line nl[i] (0-based, within the part) after col[i] characters.
type lineMap struct{ nl, col []int }

// newLineMap returns nil when the parser's lines are the "\n" lines, which is almost always.
func newLineMap(text []byte) *lineMap {
	odd := bytes.Contains(text, []byte("\u0085")) || bytes.Contains(text, []byte("\u2028")) ||
		bytes.Contains(text, []byte("\u2029"))
	for i := bytes.IndexByte(text, '\r'); i >= 0 && !odd; {
		if i+1 >= len(text) || text[i+1] != '\n' {
			odd = true
			break
		}
		j := bytes.IndexByte(text[i+1:], '\r')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	if !odd {
		return nil
	}
	m := &lineMap{nl: []int{0}, col: []int{0}}
	nl, col := 0, 0
	i := 0
	if bytes.HasPrefix(text, []byte("\ufeff")) {
		i = 3 // the parser does not count a byte order mark
	}
	for i < len(text) {
		r, w := utf8.DecodeRune(text[i:])
		switch {
		case r == '\r' && i+1 < len(text) && text[i+1] == '\n':
			w = 2
			fallthrough
		case r == '\n':
			nl, col = nl+1, 0
			m.nl, m.col = append(m.nl, nl), append(m.col, 0)
		case r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			col++
			m.nl, m.col = append(m.nl, nl), append(m.col, col)
		default:
			col++
		}
		i += w
	}
	return m
}

// pos converts a 1-based parser position within the part to a 1-based "\n" position.
func (m *lineMap) pos(line, col int) (int, int) {
	if m == nil || line < 1 {
		return line, col
	}
	i := min(line, len(m.nl)) - 1
	return m.nl[i] + 1, m.col[i] + col
}
