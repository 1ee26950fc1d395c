// Package diff formats the unified diff of two versions of a file, as `git diff` shows it, for the
// --dry-run of commands that edit files.
package diff

import (
	"fmt"
	"strings"

	gitdiff "github.com/go-git/go-git/v5/utils/diff"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// Context is the number of unchanged lines shown around each change.
const Context = 3

// op is one line of the edit script.
type op struct {
	kind byte // ' ', '-' or '+'
	text string
}

// Unified returns the unified diff turning a into b, with headers "--- a/<name>" and "+++ b/<name>";
// a nil a is a new file, a nil b a deleted one. Equal contents give "".
func Unified(name string, a, b []byte) string {
	if string(a) == string(b) && (a == nil) == (b == nil) {
		return ""
	}
	ops := script(string(a), string(b))
	var out strings.Builder
	from, to := "a/"+name, "b/"+name
	if a == nil {
		from = "/dev/null"
	}
	if b == nil {
		to = "/dev/null"
	}
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", from, to)
	for _, h := range hunks(ops) {
		out.WriteString(h)
	}
	return out.String()
}

// script turns the line diff into one op per line. A last line without a line break gets git's
// marker.
func script(a, b string) []op {
	var ops []op
	for _, d := range gitdiff.Do(a, b) {
		kind := byte(' ')
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			kind = '-'
		case diffmatchpatch.DiffInsert:
			kind = '+'
		}
		text := d.Text
		for text != "" {
			line := text
			if i := strings.IndexByte(text, '\n'); i >= 0 {
				line, text = text[:i+1], text[i+1:]
			} else {
				text = ""
				line += "\n\\ No newline at end of file\n"
			}
			ops = append(ops, op{kind, line})
		}
	}
	return ops
}

// hunks groups the changed lines with Context lines around them into "@@ -a,n +b,m @@" hunks.
func hunks(ops []op) []string {
	var out []string
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(0, i-Context)
		// extend while the next change is within 2*Context unchanged lines
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].kind != ' ' {
				end = j
			} else if j-end > 2*Context {
				break
			}
		}
		stop := min(len(ops), end+Context+1)
		out = append(out, hunk(ops, start, stop))
		i = stop
	}
	return out
}

func hunk(ops []op, start, stop int) string {
	aLine, bLine := 1, 1
	for _, o := range ops[:start] {
		if o.kind != '+' {
			aLine++
		}
		if o.kind != '-' {
			bLine++
		}
	}
	var body strings.Builder
	aN, bN := 0, 0
	for _, o := range ops[start:stop] {
		if o.kind != '+' {
			aN++
		}
		if o.kind != '-' {
			bN++
		}
		body.WriteByte(o.kind)
		body.WriteString(o.text)
	}
	return fmt.Sprintf("@@ -%s +%s @@\n%s", span(aLine, aN), span(bLine, bN), body.String())
}

// span formats a hunk range as diff does: "l,n", "l" when n is 1, and "l-1,0" for an empty side.
func span(line, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", line-1)
	case 1:
		return fmt.Sprint(line)
	}
	return fmt.Sprintf("%d,%d", line, n)
}
