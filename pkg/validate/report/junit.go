package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fleetctl/fleetctl/pkg/validate"
)

// FleetCase is the name of the JUnit test case that holds the findings without a file (checks
// across the fleet). It is always present, so that even a run without a file list reports a test.
const FleetCase = "fleet-wide checks"

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

// junitText is element text written as CDATA, so that listings keep their lines readable.
type junitText struct {
	Text string `xml:",cdata"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// JUnit writes the findings as JUnit XML, the dialect Azure Pipelines (PublishTestResults,
// testResultsFormat JUnit) and GitLab (artifacts:reports:junit) read.
//
// A file is a test: one <testsuites> holds one <testsuite name="<tool> validate"> with one
// <testcase> per file, named by its repo-relative path (also in the file attribute), plus the
// test case "fleet-wide checks" for findings without a file. The files are those of
// Meta.Paths together with those that have findings, so with Meta.Paths a clean file shows as a
// passed test, and test history follows each file from run to run. A file with errors (or, with
// Meta.Strict, warnings) fails: its <failure> has the first failing finding as message and every
// finding of the file as text. Warnings of a passing file go to <system-out>. Every run has at
// least one test case. See FORMAT.md.
func JUnit(w io.Writer, fs []validate.Finding, m Meta) error {
	fs = sorted(fs)
	name := m.tool() + " validate"
	byFile := map[string][]validate.Finding{}
	files := []string{""} // "" is the fleet-wide case
	add := func(f string) {
		if _, ok := byFile[f]; !ok && f != "" {
			files = append(files, f)
		}
	}
	for _, p := range m.Paths {
		add(p)
		byFile[p] = byFile[p][:0:0]
	}
	for _, f := range fs {
		add(f.File)
		byFile[f.File] = append(byFile[f.File], f)
	}
	slices.Sort(files[1:])
	files = slices.Compact(files)

	suite := junitSuite{Name: name, Time: seconds(m)}
	for _, file := range files {
		c := junitCase{Name: file, Classname: name, File: file, Time: "0"}
		if file == "" {
			c.Name = FleetCase
		}
		var failing []validate.Finding
		for _, f := range byFile[file] {
			if fails(f, m.Strict) {
				failing = append(failing, f)
			}
		}
		if text := xmlText(printable(listing(byFile[file]))); len(failing) > 0 {
			msg := printable(junitLine(failing[0], false))
			if len(failing) > 1 {
				msg += fmt.Sprintf(" (and %d more)", len(failing)-1)
			}
			c.Failure = &junitFailure{Message: msg, Type: string(failing[0].Severity), Text: text}
			suite.Failures++
		} else if text != "" {
			c.SystemOut = &junitText{text}
		}
		suite.Cases = append(suite.Cases, c)
	}
	suite.Tests = len(suite.Cases)
	if m.Version != "" {
		suite.Properties = append(suite.Properties, junitProperty{"version", m.Version})
	}
	for _, s := range m.Schemas {
		suite.Properties = append(suite.Properties, junitProperty{"schema", s})
	}
	suite.Properties = append(suite.Properties, junitProperty{"summary", summary(fs, m)})
	doc := junitSuites{Name: name, Tests: suite.Tests, Failures: suite.Failures, Time: suite.Time, Suites: []junitSuite{suite}}

	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s%s\n", xml.Header, out)
	return err
}

// seconds is the run's duration in seconds, as JUnit's time attributes have it; "0" when unknown.
func seconds(m Meta) string {
	if m.Duration <= 0 {
		return "0"
	}
	return strconv.FormatFloat(m.Duration.Seconds(), 'f', 3, 64)
}

// junitLine formats a finding on one line, "line:col: severity rule: message", with the file
// when withFile is set.
func junitLine(f validate.Finding, withFile bool) string {
	loc := location(f)
	if !withFile && f.File != "" {
		loc = strings.TrimPrefix(strings.TrimPrefix(loc, f.File), ":")
	}
	if loc != "" {
		loc += ": "
	}
	return loc + string(f.Severity) + " " + f.Rule + ": " + f.Message
}

// listing lists findings as the text format does, one per line with its context and fix.
func listing(fs []validate.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(junitLine(f, true) + "\n")
		if c := context(f); c != "" {
			b.WriteString("    " + c + "\n")
		}
		if f.Fix != "" {
			b.WriteString("    fix: " + f.Fix + "\n")
		}
	}
	return b.String()
}

// xmlText replaces what XML 1.0 does not allow in text (most control characters, invalid UTF-8)
// with U+FFFD. encoding/xml does this when it escapes text, but not for CDATA.
func xmlText(s string) string {
	ok := func(r rune) bool {
		return r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF ||
			r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
	}
	if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !ok(r) }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !ok(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}
