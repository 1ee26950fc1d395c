package report

import (
	"io"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/validate"
)

// ANSI styles, used only when Text is asked for color.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[1;31m"
	ansiYellow = "\x1b[1;33m"
	ansiGreen  = "\x1b[32m"
	ansiCyan   = "\x1b[36m"
	ansiDim    = "\x1b[2m"
)

// Text writes the findings for a terminal, grouped by file (a blank line between files), then a
// summary line:
//
//	clusters/a/values.yaml:12:3: error aks/no-system-pool: cluster a has no System node pool
//	    fix: set mode: System on one node pool
//
//	2 errors, 1 warning in 12 files (30 objects), 1.2s
//
// Findings without a file come first, without a location. A finding about a rendered object
// adds a line "in <object>, field <field>, template <template>". Control characters in the
// findings are escaped. ANSI colors are written only when color is true.
func Text(w io.Writer, fs []validate.Finding, m Meta, color bool) error {
	style := func(code, s string) string {
		if !color || s == "" {
			return s
		}
		return code + s + ansiReset
	}
	fs = sorted(fs)
	notes := 0
	if !m.Notes {
		shown := fs[:0]
		for _, f := range fs {
			if f.Severity == validate.Info {
				notes++
				continue
			}
			shown = append(shown, f)
		}
		fs = shown
	}
	var b strings.Builder
	for i, f := range fs {
		if i > 0 && f.File != fs[i-1].File {
			b.WriteByte('\n')
		}
		if loc := location(f); loc != "" {
			b.WriteString(style(ansiBold, printable(loc)+":") + " ")
		}
		sev := ansiYellow
		switch f.Severity {
		case validate.Error:
			sev = ansiRed
		case validate.Info:
			sev = ansiCyan
		}
		b.WriteString(style(sev, printable(string(f.Severity))) + " " + style(ansiDim, printable(f.Rule)+":") + " ")
		b.WriteString(indent(printable(f.Message), "    ") + "\n")
		if c := context(f); c != "" {
			b.WriteString("    " + indent(printable(c), "      ") + "\n")
		}
		if f.Fix != "" {
			b.WriteString("    " + style(ansiCyan, "fix:") + " " + indent(printable(f.Fix), "      ") + "\n")
		}
	}
	if len(fs) > 0 {
		b.WriteByte('\n')
	}
	line := summary(fs, m)
	if notes > 0 {
		line += ", " + plural(notes, "note", "notes") + " (--notes shows them)"
	}
	if m.Duration > 0 {
		line += ", " + duration(m.Duration)
	}
	errors, warnings := validate.Count(fs)
	switch {
	case errors > 0:
		line = style(ansiRed, line)
	case warnings > 0:
		line = style(ansiYellow, line)
	default:
		line = style(ansiGreen, line)
	}
	b.WriteString(line + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// indent indents the continuation lines of a multi-line text.
func indent(s, prefix string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}
