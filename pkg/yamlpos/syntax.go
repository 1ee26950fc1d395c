package yamlpos

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

var (
	linePrefix    = regexp.MustCompile(`^line (\d+): `)
	unknownAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)
)

// message strips the "yaml: " and "line N: " prefixes from a parser error, returning the message
// and the parser's line (0 if none).
func message(err error) (string, int) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := linePrefix.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	return msg, line
}

// locate turns a parse error of part p into a *SyntaxError with an exact position.
//
// go.yaml.in/yaml/v3 reports only a line, and often the line where the enclosing collection
// starts rather than the one in error. The position is found instead as the shortest prefix of
// the part that fails with the same message: first by whole lines, then by characters within the
// line found. Both searches are binary searches, so the cost is a few dozen parses, paid only for
// invalid files. (A prefix can fail for being cut short, but then with a different message, such
// as an unexpected end of stream, unless that is the error itself.)
func locate(p part, err error) *SyntaxError {
	msg, hint := message(err)
	fails := func(prefix []byte) bool {
		_, err := decode(prefix)
		if err == nil {
			return false
		}
		m, _ := message(err)
		return m == msg
	}
	// Byte offsets of the ends of the part's lines (after their "\n").
	var ends []int
	for i := 0; i < len(p.text); {
		j := bytes.IndexByte(p.text[i:], '\n')
		if j < 0 {
			i = len(p.text)
		} else {
			i += j + 1
		}
		ends = append(ends, i)
	}
	if len(ends) == 0 || !fails(p.text) {
		se := &SyntaxError{Msg: msg}
		if hint > 0 {
			se.Line = p.line + min(hint, max(len(ends), 1)) - 1
		}
		return se
	}
	// The first line k (0-based) such that the part up to the end of line k fails.
	k := firstTrue(len(ends)-1, func(k int) bool { return fails(p.text[:ends[k]]) })
	start := 0
	if k > 0 {
		start = ends[k-1]
	}
	line := bytes.TrimSuffix(bytes.TrimSuffix(p.text[start:ends[k]], []byte{'\n'}), []byte{'\r'})
	col := 0
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(line, []byte("*"+m[1])); i >= 0 {
			col = utf8.RuneCount(line[:i]) + 1
		}
	}
	if col == 0 {
		// Offsets of the ends of the line's characters; the first prefix that fails ends at the
		// character in error. If none does, the error is at the end of the line.
		var cuts []int
		for i := 0; i < len(line); {
			_, w := utf8.DecodeRune(line[i:])
			i += w
			cuts = append(cuts, start+i)
		}
		col = len(cuts) + 1
		if len(cuts) > 0 && fails(p.text[:cuts[len(cuts)-1]]) {
			col = firstTrue(len(cuts)-1, func(c int) bool { return fails(p.text[:cuts[c]]) }) + 1
		}
	}
	if start == 0 && bytes.HasPrefix(line, []byte("\ufeff")) && col > 1 {
		col-- // a byte order mark is not a character of the line
	}
	return &SyntaxError{Line: p.line + k, Column: col, Msg: msg}
}

// firstTrue returns the smallest i in [0, hi] for which f is true, assuming f(hi) is true and f
// is false before the first true.
func firstTrue(hi int, f func(int) bool) int {
	lo := 0
	for lo < hi {
		mid := lo + (hi-lo)/2
		if f(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}
