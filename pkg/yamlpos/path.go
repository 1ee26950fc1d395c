package yamlpos

import (
	"strconv"
	"strings"
	"unicode"
)

// segment is one step of a field path: a mapping key or a sequence index.
type segment struct {
	key string // the key; for an index, its decimal text
	idx int    // the sequence index, or -1 when the segment is not a non-negative integer
}

// parsePath splits a field path into segments. On a syntax error it returns the segments read
// before the error and ok=false, so that a lookup can still report the deepest ancestor.
//
// Grammar: segments are separated by "." or introduced by "[...]". A bare segment runs up to the
// next "." or "["; a bracketed segment is a double-quoted string with Go escapes (["a.b/c"]), a
// single-quoted string without escapes (['a.b']), or raw text up to "]" ([0],
// [app.kubernetes.io/name], as Kubernetes field paths print map keys).
func parsePath(p string) (segs []segment, ok bool) {
	i := 0
	for first := true; i < len(p); first = false {
		switch {
		case p[i] == '[':
			s, n, good := bracket(p[i:])
			if !good {
				return segs, false
			}
			segs = append(segs, s)
			i += n
		case p[i] == '.' && !first:
			i++
			if i < len(p) && p[i] == '[' {
				continue // "a.[b]" reads as "a[b]"
			}
			fallthrough
		default:
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			if j == i {
				return segs, false // empty segment: leading, doubled or trailing "."
			}
			segs = append(segs, bare(p[i:j]))
			i = j
		}
		if i < len(p) && p[i] != '.' && p[i] != '[' {
			return segs, false
		}
	}
	return segs, true
}

// SplitPath splits a field path as Lookup reads it ("spec.values[0]", `data["a.b/c"]`) into its
// keys, indexes as their decimal text. A path that does not parse gives the segments before the
// error.
func SplitPath(p string) []string {
	segs, _ := parsePath(p)
	out := make([]string, len(segs))
	for i, s := range segs {
		out[i] = s.key
	}
	return out
}

// bare makes a segment from unquoted text; decimal text may also address a sequence item.
func bare(s string) segment {
	seg := segment{key: s, idx: -1}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && s[0] != '+' && s[0] != '-' {
		seg.idx = n
	}
	return seg
}

// bracket reads "[...]" at the start of p, returning the segment and the bytes read.
func bracket(p string) (segment, int, bool) {
	if len(p) < 3 {
		return segment{}, 0, false
	}
	switch p[1] {
	case '"':
		for j := 2; j < len(p); j++ {
			switch p[j] {
			case '\\':
				j++
			case '"':
				if j+1 >= len(p) || p[j+1] != ']' {
					return segment{}, 0, false
				}
				k, err := strconv.Unquote(p[1 : j+1])
				if err != nil {
					return segment{}, 0, false
				}
				return segment{key: k, idx: -1}, j + 2, true
			}
		}
		return segment{}, 0, false
	case '\'':
		j := strings.Index(p[2:], "']")
		if j < 0 {
			return segment{}, 0, false
		}
		return segment{key: p[2 : 2+j], idx: -1}, j + 4, true
	}
	j := strings.IndexByte(p, ']')
	if j <= 1 {
		return segment{}, 0, false
	}
	return bare(p[1:j]), j + 1, true
}

// AppendKey returns path extended by the mapping key key, in the syntax Lookup reads: ".key" for
// plain keys, `["key"]` (Go-quoted) for keys that are empty or contain dots, slashes, brackets,
// quotes, spaces or unprintable characters.
func AppendKey(path, key string) string {
	if !plainKey(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// AppendIndex returns path extended by the sequence index i, e.g. "spec.resources[0]".
func AppendIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if strings.ContainsRune(`.[]/"'`, r) || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
