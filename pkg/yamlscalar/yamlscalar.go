// Package yamlscalar decides how a string is written as a YAML scalar. It is the one quoter of
// fleetctl: templates print values through it (render.Quote and render.Scalar) and yamledit writes
// every new scalar with it, so both follow the same rules:
//
//   - A string is written plain only when it reads back as the same string under YAML 1.2
//     (go.yaml.in/yaml/v3) and is not a word that a YAML 1.1 resolver (go.yaml.in/yaml/v2 behind
//     sigs.k8s.io/yaml, Helm and kubectl) reads as something else: a bool or null word in any case
//     (y, yes, n, no, on, off, true, false, null, ~), an integer (binary, octal with 0 or 0o, hex,
//     decimal, base 60, underscores allowed), a float (".5", "1.", "1e3", base 60, .inf, .nan), a
//     timestamp or the merge key "<<" (see Special).
//   - Its characters must allow it at all (see PlainForm): not empty, no leading or trailing
//     white space, nothing but printable characters (so no line break, tab or byte order mark),
//     and no indicator at the start other than '-', '?' and ':', which the read-back check decides.
//   - Whether it reads back is checked by parsing it in small documents that put it where it is
//     going (see Context and ReadsBack). Where the place is not known (templates), only words that
//     are plain everywhere are written plain (see Word).
//   - Otherwise it is single-quoted when every character is printable (see SingleQuoted), or
//     double-quoted with escapes (see DoubleQuoted), which can write any string.
package yamlscalar

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	yaml "go.yaml.in/yaml/v3"
)

// special matches the plain scalars that a YAML 1.1 or 1.2 resolver reads as something other than
// a string. It is stricter than any one parser: what one of them reads as a bool, null, number,
// timestamp or merge key is in it.
var special = regexp.MustCompile(`^(?:` +
	`(?i:y|yes|n|no|on|off|true|false|null|~)` + // bools and nulls, in any case
	`|[-+]?(?:0[bB][01_]+|0[oO]?[0-7_]+|0[xX][0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])*)` + // integers
	`|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9_]+)?` + // floats with a dot (YAML 1.1 allows "." and "1.")
	`|[-+]?[0-9][0-9_]*[eE][-+]?[0-9_]+` + // floats with an exponent only
	`|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*` + // base 60 floats
	`|[-+]?\.(?i:inf|nan)` +
	`|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt \t].*)?` + // timestamps
	`|<<` + // the merge key
	`)$`)

// Special reports whether s, written plain, would be read as something other than the string s by
// a YAML 1.1 or YAML 1.2 resolver: a bool, null, number, timestamp or merge key.
func Special(s string) bool { return special.MatchString(s) }

// printable reports whether r may stand raw in a quoted scalar of any kind: Go's printable
// characters (letters, marks, numbers, punctuation, symbols and the ASCII space) less the byte
// order mark.
func printable(r rune) bool { return r != '\ufeff' && unicode.IsPrint(r) }

func allPrintable(s string) bool {
	for _, r := range s {
		if !printable(r) {
			return false
		}
	}
	return true
}

// PlainForm reports whether the characters of s allow a plain scalar at all: s is not empty, has
// no leading or trailing white space, holds only printable characters and does not start with an
// indicator other than '-', '?' or ':'. It says nothing of what s resolves to (see Special) or of
// the place it goes (see ReadsBack).
func PlainForm(s string) bool {
	if s == "" || s != strings.TrimSpace(s) || !allPrintable(s) {
		return false
	}
	return !strings.ContainsRune(",[]{}#&*!|>'\"%@`", rune(s[0]))
}

// word is the shape of the strings that are plain in every context: no white space, no indicator,
// nothing that starts a comment, a flow collection or a key.
var word = regexp.MustCompile(`^[A-Za-z_./][A-Za-z0-9_./-]*$`)

// Word reports whether s can be written plain wherever a scalar can stand (a key or a value, in a
// block or a flow collection) without checking the place: it is made of letters, digits and
// "_./-", starts with a letter, '_', '.' or '/', and is not Special.
func Word(s string) bool { return word.MatchString(s) && !Special(s) }

// SingleQuoted returns s as a single-quoted scalar, and false when s holds a character that a
// single-quoted scalar cannot keep (a line break, a tab, a control character, a byte order mark).
func SingleQuoted(s string) (string, bool) {
	if !allPrintable(s) {
		return "", false
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'", true
}

// DoubleQuoted returns s as a double-quoted scalar on one line. Quotes and backslashes are escaped,
// and so is every character that is not printable: line breaks and tabs as \n, \r and \t, other
// characters as \xXX, \uXXXX or \UXXXXXXXX. Invalid UTF-8 becomes U+FFFD.
func DoubleQuoted(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case printable(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Quote returns s as a scalar that reads back as exactly s wherever it is put, on one line: plain
// when s is a Word, double-quoted otherwise. It is for text whose place is not known, such as a
// template's.
func Quote(s string) string {
	if Word(s) {
		return s
	}
	return DoubleQuoted(s)
}

// Style is a way to write a scalar.
type Style int

const (
	// Plain is the bare text, when PlainForm allows it and it is not Special.
	Plain Style = iota
	// Single is single-quoted, when every character is printable.
	Single
	// Double is double-quoted with escapes, always possible.
	Double
)

// Candidates returns the texts that can write the string value, in the order of the styles given;
// a style that cannot write value is left out.
func Candidates(value string, order ...Style) []string {
	out := make([]string, 0, len(order))
	for _, st := range order {
		switch st {
		case Plain:
			if PlainForm(value) && !Special(value) {
				out = append(out, value)
			}
		case Single:
			if s, ok := SingleQuoted(value); ok {
				out = append(out, s)
			}
		case Double:
			out = append(out, DoubleQuoted(value))
		}
	}
	return out
}

// Text returns the first of the Candidates for value that reads back as the string value in ctx,
// and false when none does.
func Text(value string, ctx Context, order ...Style) (string, bool) {
	for _, c := range Candidates(value, order...) {
		if ReadsBack(c, value, "!!str", ctx) {
			return c, true
		}
	}
	return "", false
}

// Context is where a scalar's text goes.
type Context int

const (
	// BlockValue is the value of a block mapping: "key: TEXT".
	BlockValue Context = iota
	// BlockKey is a key of a block mapping: "TEXT: value".
	BlockKey
	// BlockItem is an item of a block list: "- TEXT".
	BlockItem
	// FlowValue is an item of a flow list or a value of a flow mapping, on the line of the
	// brackets or on a line of its own: "[TEXT, x]", "{k: TEXT}".
	FlowValue
	// FlowKey is a key of a flow mapping: "{TEXT: value}".
	FlowKey
)

// probe is a small document with the text in it: before + text + after, where the scalar at path
// (indexes into Content from the document's root) must read back, in a tree of size nodes.
type probe struct {
	before, after string
	path          []int
	size          int
}

var probes = [...][]probe{
	BlockValue: {
		{"k: ", "\n", []int{1}, 3},
		{"k: ", "\nz: x\n", []int{1}, 5},
		{"- k: ", "\n  z: x\n", []int{0, 1}, 6},
	},
	BlockKey: {
		{"", ": x\n", []int{0}, 3},
		{"", ":\n  - x\n", []int{0}, 4},
	},
	BlockItem: {
		{"- ", "\n", []int{0}, 2},
		{"k:\n  - ", "\n  - x\n", []int{1, 0}, 5},
	},
	FlowValue: {
		{"[", "]\n", []int{0}, 2},
		{"[", ", x]\n", []int{0}, 3},
		{"[x, ", "]\n", []int{1}, 3},
		{"k: [\n  x,\n  ", ",\n]\n", []int{1, 1}, 5},
		{"k: [\n  x,\n  ", "\n]\n", []int{1, 1}, 5},
		{"{k: ", "}\n", []int{1}, 3},
		{"{k: ", ", z: x}\n", []int{1}, 5},
	},
	FlowKey: {
		{"{", ": x}\n", []int{0}, 3},
		{"{z: x, ", ": x}\n", []int{2}, 5},
	},
}

func size(n *yaml.Node) int {
	s := 1
	for _, c := range n.Content {
		s += size(c)
	}
	return s
}

// ReadsBack reports whether text, written in ctx, reads back under YAML 1.2 as a scalar with the
// tag (such as "!!str" or "!!int") and the value, with no anchor and nothing else around it.
func ReadsBack(text, value, tag string, ctx Context) bool {
	if ctx < 0 || int(ctx) >= len(probes) {
		return false
	}
	for _, p := range probes[ctx] {
		var d yaml.Node
		if err := yaml.Unmarshal([]byte(p.before+text+p.after), &d); err != nil || len(d.Content) != 1 || size(d.Content[0]) != p.size {
			return false
		}
		n := d.Content[0]
		for _, i := range p.path {
			if i >= len(n.Content) {
				return false
			}
			n = n.Content[i]
		}
		if n.Kind != yaml.ScalarNode || n.ShortTag() != tag || n.Value != value || n.Anchor != "" {
			return false
		}
	}
	return true
}
