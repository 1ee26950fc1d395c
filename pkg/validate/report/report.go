// Package report writes the findings of `fleetctl validate` for people and for CI: text for a
// terminal, a versioned JSON document, SARIF 2.1.0 for code-scanning tools and JUnit XML for test
// tabs (Azure Pipelines, GitLab). FORMAT.md documents every shape.
//
// Every writer is deterministic: findings are sorted with validate.Sort (the caller's slice is
// not modified), no map is iterated in output order, and nothing depends on the clock except
// Meta.Duration, which is left out when it is zero.
package report

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/fleetctl/fleetctl/pkg/validate"
)

// Meta describes the run that produced the findings.
type Meta struct {
	// Tool is the tool's name, "fleetctl" when empty; Version its version.
	Tool, Version string
	// Root is the absolute repo root. SARIF resolves the repo-relative file paths against it
	// (the %SRCROOT% base); the other formats leave it out.
	Root string
	// Schemas lists the schema sources used, as "module@version", in the order given.
	Schemas []string
	// Files and Objects are the number of files and Kubernetes objects checked. When Files is 0,
	// len(Paths) is used.
	Files, Objects int
	// Duration is how long validation took; zero leaves it out of every format.
	Duration time.Duration

	// Paths optionally lists the repo-relative files checked. JUnit reports each one as a test
	// case, so that files without findings show as passed tests.
	Paths []string
	// Strict says that warnings fail the run, as ExitCode(fs, true) does. JUnit then reports files
	// with only warnings as failed tests.
	Strict bool
	// Notes says that the text format shows the findings of severity info (what was not checked
	// offline, and why); it counts them in its summary either way. The other formats always
	// carry them.
	Notes bool
}

func (m Meta) tool() string {
	if m.Tool == "" {
		return "fleetctl"
	}
	return m.Tool
}

func (m Meta) files() int {
	if m.Files == 0 {
		return len(m.Paths)
	}
	return m.Files
}

// InformationURI is the tool's home page, written to SARIF's tool.driver.informationUri.
const InformationURI = "https://github.com/fleetctl/fleetctl"

// ExitCode returns the process exit code for the findings: 1 when there are errors, or warnings
// and strict is set; 0 otherwise.
func ExitCode(fs []validate.Finding, strict bool) int {
	errors, warnings := validate.Count(fs)
	if errors > 0 || strict && warnings > 0 {
		return 1
	}
	return 0
}

// sorted returns the findings in report order without changing the caller's slice.
func sorted(fs []validate.Finding) []validate.Finding {
	out := slices.Clone(fs)
	validate.Sort(out)
	return out
}

// fails reports whether f fails the run.
func fails(f validate.Finding, strict bool) bool {
	return f.Severity == validate.Error || strict && f.Severity == validate.Warning
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// summary is the one-line summary the text and JUnit formats share:
// "N errors, M warnings in F files (O objects)".
func summary(fs []validate.Finding, m Meta) string {
	errors, warnings := validate.Count(fs)
	return fmt.Sprintf("%s, %s in %s (%s)", plural(errors, "error", "errors"), plural(warnings, "warning", "warnings"),
		plural(m.files(), "file", "files"), plural(m.Objects, "object", "objects"))
}

// duration formats d for people: milliseconds under a second, else hundredths of a second.
func duration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

// location formats a finding's position as "file:line:col", leaving out what is unknown; empty for
// a finding without a file.
func location(f validate.Finding) string {
	switch {
	case f.File == "":
		return ""
	case f.Line <= 0:
		return f.File
	case f.Column <= 0:
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Column)
}

// context says where in the object a finding is, when its position alone does not: the object,
// the field (if it has no line) and the template that rendered it. Empty when there is nothing
// to add.
func context(f validate.Finding) string {
	if f.Object == "" && f.Template == "" && (f.Field == "" || f.Line > 0) {
		return ""
	}
	var parts []string
	if f.Object != "" {
		parts = append(parts, f.Object)
	}
	if f.Field != "" {
		parts = append(parts, "field "+f.Field)
	}
	if f.Template != "" {
		parts = append(parts, "template "+f.Template)
	}
	return "in " + strings.Join(parts, ", ")
}

// ruleSummary describes a rule: the caller's summary, or one made from the id
// ("yaml/duplicate-key" becomes "Duplicate key (yaml)").
func ruleSummary(id string) string {
	if r, ok := validate.Lookup(id); ok {
		return r.Summary
	}
	category, name, ok := strings.Cut(id, "/")
	if !ok || name == "" {
		return "Rule " + id
	}
	name = strings.ReplaceAll(name, "-", " ")
	r := []rune(name)
	r[0] = unicode.ToUpper(r[0])
	return string(r) + " (" + category + ")"
}

// printable replaces control characters (which a file could use to drive a terminal), line and
// paragraph separators and bidirectional controls with Go escapes; tabs and line breaks are kept.
func printable(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unsafeRune(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return r != '\n' && r != '\t' &&
		(unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r))
}
