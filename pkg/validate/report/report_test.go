package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/validate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// findings covers every shape: with and without file, line, column, fix and context; multi-line
// and hostile text; a warning-only file.
var findings = []validate.Finding{
	{Severity: validate.Warning, Rule: "fleet/folder-not-listed", Message: "folder capi/clusters/pacific is not listed",
		Fix: "add pacific to fleet/clusters.yaml", File: "fleet/clusters.yaml", Line: 3, Column: 3},
	{Severity: validate.Error, Rule: "aks/no-system-pool", Message: "cluster atlantic-aks has no node pool with mode System",
		Fix: "set mode: System on one node pool", File: "capi/clusters/atlantic-aks/values.yaml", Line: 14, Column: 7, Field: "nodePools"},
	{Severity: validate.Error, Rule: "schema/unknown-field", Message: `unknown field "spec.foo"`,
		Fix: "remove the field or fix its spelling", File: "capi/clusters/atlantic-aks/values.yaml", Line: 21, Column: 5,
		Object: "MachinePool fleet-clusters/atlantic-aks-work", Field: "spec.foo", Template: "templates/machinepool.yaml"},
	{Severity: validate.Error, Rule: "fleet/duplicate-cluster-name", Message: "clusters atlantic-aks and atlantic-2 are both named atlantic",
		Fix: "rename one of the clusters"},
	{Severity: validate.Error, Rule: "kustomize/build", Message: "accumulating resources:\nmissing.yaml: no such file or directory",
		File: "capi/clusters/pacific/kustomization.yaml"},
	{Severity: validate.Warning, Rule: "schema/unknown-kind", Message: "no schema for example.com/v1 Widget: not validated",
		File: "apps/widget.yaml", Line: 2, Object: "Widget default/w"},
	{Severity: validate.Error, Rule: "yaml/duplicate-key", Message: "key \"a<b>&c]]>\" is set twice \x1b[31mred\u202e",
		Fix: "keep one of the two keys", File: "dir with space/ü.yaml", Line: 4, Column: 1, Field: `["a<b>&c]]>"]`},
	{Severity: validate.Error, Rule: "yaml/duplicate-key", Message: "key b is set twice",
		Fix: "keep one of the two keys", File: "dir with space/ü.yaml", Line: 9, Column: 3, Field: "b"},
}

var meta = Meta{
	Tool: "fleetctl", Version: "v0.4.0", Root: "/home/ci/fleet",
	Schemas: []string{"sigs.k8s.io/cluster-api@v1.10.3", "sigs.k8s.io/cluster-api-provider-azure@v1.20.1"},
	Files:   12, Objects: 30,
}

func withDuration(m Meta) Meta { m.Duration = 1240 * time.Millisecond; return m }

func withPaths(m Meta) Meta {
	m.Files = 0
	m.Paths = []string{"apps/widget.yaml", "capi/clusters/atlantic-aks/values.yaml", "capi/clusters/clean/values.yaml", "fleet/clusters.yaml"}
	return m
}

type writer func(io.Writer, []validate.Finding, Meta) error

func text(color bool) writer {
	return func(w io.Writer, fs []validate.Finding, m Meta) error { return Text(w, fs, m, color) }
}

var goldens = []struct {
	name  string
	write writer
	fs    []validate.Finding
	m     Meta
}{
	{"text.txt", text(false), findings, withDuration(meta)},
	{"text-color.txt", text(true), findings, meta},
	{"text-clean.txt", text(false), nil, Meta{Files: 1, Objects: 1}},
	{"report.json", JSON, findings, meta},
	{"clean.json", JSON, nil, Meta{}},
	{"report.sarif", SARIF, findings, meta},
	{"clean.sarif", SARIF, nil, Meta{Version: "v0.4.0"}},
	{"junit.xml", JUnit, findings, withPaths(withDuration(meta))},
	{"junit-clean.xml", JUnit, nil, Meta{}},
	{"junit-strict.xml", JUnit, findings[:1], Meta{Strict: true, Paths: []string{"fleet/clusters.yaml", "other.yaml"}}},
}

func TestGolden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := g.write(&buf, g.fs, g.m); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", g.name+".golden")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("output differs from %s (go test -update rewrites it):\n%s", path, buf.String())
			}
			// Input order and repeated runs do not matter, and the caller's slice is kept.
			in := slices.Clone(g.fs)
			slices.Reverse(in)
			before := slices.Clone(in)
			var again bytes.Buffer
			if err := g.write(&again, in, g.m); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), buf.Bytes()) {
				t.Error("output depends on the order of the findings")
			}
			if !slices.Equal(in, before) {
				t.Error("the caller's findings were reordered")
			}
		})
	}
}

func TestTextColor(t *testing.T) {
	var plain, color bytes.Buffer
	if err := Text(&plain, findings, meta, false); err != nil {
		t.Fatal(err)
	}
	if err := Text(&color, findings, meta, true); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b") {
		t.Error("text without color has an escape character")
	}
	if !strings.Contains(plain.String(), `\x1b[31mred\u202e`) {
		t.Error("control characters of a finding are not escaped")
	}
	if !strings.Contains(color.String(), ansiRed+"error"+ansiReset) {
		t.Error("text with color does not color errors")
	}
	stripped := strings.NewReplacer(ansiReset, "", ansiBold, "", ansiRed, "", ansiYellow, "", ansiGreen, "", ansiCyan, "", ansiDim, "").Replace(color.String())
	if stripped != plain.String() {
		t.Errorf("color changes more than colors:\n%s\n---\n%s", stripped, plain.String())
	}
}

func TestTextSummary(t *testing.T) {
	tests := []struct {
		fs   []validate.Finding
		m    Meta
		want string
	}{
		{nil, Meta{}, "0 errors, 0 warnings in 0 files (0 objects)\n"},
		{findings[:2], Meta{Files: 1, Objects: 1, Duration: 340 * time.Millisecond}, "1 error, 1 warning in 1 file (1 object), 340ms\n"},
		{nil, Meta{Paths: []string{"a", "b"}, Duration: 61500 * time.Millisecond}, "0 errors, 0 warnings in 2 files (0 objects), 1m1.5s\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := Text(&b, tt.fs, tt.m, false); err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(b.String(), "\n")
		if got := lines[len(lines)-2]; got != tt.want {
			t.Errorf("summary %q, want %q", got, tt.want)
		}
	}
}

func TestJSONDecodesBack(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, findings, withDuration(meta)); err != nil {
		t.Fatal(err)
	}
	var got jsonReport
	dec := json.NewDecoder(&b)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.APIVersion != JSONAPIVersion || got.Tool.Name != "fleetctl" || got.Tool.Version != "v0.4.0" {
		t.Errorf("header: %+v %+v", got.APIVersion, got.Tool)
	}
	if got.Summary.Errors != 6 || got.Summary.Warnings != 2 || got.Summary.Files != 12 || got.Summary.Objects != 30 ||
		got.Summary.DurationMS == nil || *got.Summary.DurationMS != 1240 {
		t.Errorf("summary: %+v", got.Summary)
	}
	want := sorted(findings)
	if len(got.Findings) != len(want) {
		t.Fatalf("%d findings, want %d", len(got.Findings), len(want))
	}
	for i, f := range got.Findings {
		back := validate.Finding{Severity: validate.Severity(f.Severity), Rule: f.Rule, Message: f.Message, Fix: f.Fix,
			File: f.File, Line: f.Line, Column: f.Column, Object: f.Object, Field: f.Field, Template: f.Template}
		if back != want[i] {
			t.Errorf("finding %d: %+v, want %+v", i, back, want[i])
		}
	}
	// Without a duration, and without findings or schemas, the arrays stay arrays.
	b.Reset()
	if err := JSON(&b, nil, Meta{}); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["findings"].([]any); !ok {
		t.Errorf("findings is %T, want an array", raw["findings"])
	}
	if _, ok := raw["schemas"].([]any); !ok {
		t.Errorf("schemas is %T, want an array", raw["schemas"])
	}
	if _, ok := raw["summary"].(map[string]any)["durationMs"]; ok {
		t.Error("durationMs present without a duration")
	}
}

func TestSARIFRequiredFields(t *testing.T) {
	for _, fs := range [][]validate.Finding{findings, nil} {
		var b bytes.Buffer
		if err := SARIF(&b, fs, meta); err != nil {
			t.Fatal(err)
		}
		var log struct {
			Schema  *string `json:"$schema"`
			Version *string `json:"version"`
			Runs    []struct {
				Tool struct {
					Driver struct {
						Name           string `json:"name"`
						InformationURI string `json:"informationUri"`
						Rules          []struct {
							ID               string `json:"id"`
							ShortDescription struct{ Text string }
							Help             struct{ Text string }
						} `json:"rules"`
					} `json:"driver"`
				} `json:"tool"`
				OriginalURIBaseIDs map[string]struct{ URI string } `json:"originalUriBaseIds"`
				Results            []struct {
					RuleID    *string `json:"ruleId"`
					RuleIndex *int    `json:"ruleIndex"`
					Level     string  `json:"level"`
					Message   struct{ Text string }
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct {
								URI       string `json:"uri"`
								URIBaseID string `json:"uriBaseId"`
							} `json:"artifactLocation"`
							Region *struct {
								StartLine   int `json:"startLine"`
								StartColumn int `json:"startColumn"`
							} `json:"region"`
						} `json:"physicalLocation"`
					} `json:"locations"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(b.Bytes(), &log); err != nil {
			t.Fatal(err)
		}
		if log.Schema == nil || *log.Schema != SARIFSchema || log.Version == nil || *log.Version != "2.1.0" || len(log.Runs) != 1 {
			t.Fatalf("sarifLog: $schema %v, version %v, %d runs", log.Schema, log.Version, len(log.Runs))
		}
		run := log.Runs[0]
		d := run.Tool.Driver
		if d.Name == "" || d.InformationURI == "" {
			t.Errorf("driver %+v", d)
		}
		if got := run.OriginalURIBaseIDs[SARIFRootID].URI; got != "file:///home/ci/fleet/" {
			t.Errorf("%%SRCROOT%% = %q", got)
		}
		ids := map[string]int{}
		for i, r := range d.Rules {
			if r.ID == "" || r.ShortDescription.Text == "" || r.Help.Text == "" {
				t.Errorf("rule %+v lacks a field", r)
			}
			ids[r.ID] = i
		}
		if len(run.Results) != len(fs) {
			t.Errorf("%d results, want %d", len(run.Results), len(fs))
		}
		for _, r := range run.Results {
			if r.RuleID == nil || r.RuleIndex == nil {
				t.Fatalf("result without ruleId or ruleIndex: %+v", r)
			}
			if i, ok := ids[*r.RuleID]; !ok || i != *r.RuleIndex {
				t.Errorf("result rule %q (index %d) not in rules at that index", *r.RuleID, *r.RuleIndex)
			}
			if r.Level != "error" && r.Level != "warning" || r.Message.Text == "" {
				t.Errorf("result %q: level %q, message %q", *r.RuleID, r.Level, r.Message.Text)
			}
			for _, l := range r.Locations {
				a := l.PhysicalLocation.ArtifactLocation
				if a.URI == "" || a.URIBaseID != SARIFRootID || strings.HasPrefix(a.URI, "/") {
					t.Errorf("artifactLocation %+v", a)
				}
				if rg := l.PhysicalLocation.Region; rg != nil && (rg.StartLine < 1 || rg.StartColumn < 0) {
					t.Errorf("region %+v", rg)
				}
			}
		}
	}
}

func TestRootURI(t *testing.T) {
	tests := map[string]string{
		"":                "",
		"relative/dir":    "",
		"/home/ci/fleet":  "file:///home/ci/fleet/",
		"/home/ci/a b/":   "file:///home/ci/a%20b/",
		"/home/ci/ü#x?y%": "file:///home/ci/%C3%BC%23x%3Fy%25/",
	}
	for in, want := range tests {
		if got := rootURI(in); got != want {
			t.Errorf("rootURI(%q) = %q, want %q", in, got, want)
		}
	}
	if got := fileURI("a b/c:d.yaml"); got != "a%20b/c:d.yaml" {
		t.Errorf("fileURI = %q", got)
	}
	if got := fileURI("c:d.yaml"); got != "./c:d.yaml" {
		t.Errorf("fileURI with a colon first = %q", got)
	}
}

func TestJUnitWellFormed(t *testing.T) {
	for _, g := range goldens {
		if !strings.HasSuffix(g.name, ".xml") {
			continue
		}
		var b bytes.Buffer
		if err := JUnit(&b, g.fs, g.m); err != nil {
			t.Fatal(err)
		}
		// Well-formed: every token decodes.
		dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: not well-formed: %v\n%s", g.name, err, b.String())
			}
		}
		var doc junitSuites
		if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Suites) != 1 {
			t.Fatalf("%s: %d suites", g.name, len(doc.Suites))
		}
		s := doc.Suites[0]
		failures := 0
		for _, c := range s.Cases {
			if c.Failure != nil {
				failures++
			}
		}
		if s.Tests != len(s.Cases) || s.Tests < 1 || s.Failures != failures || doc.Tests != s.Tests || doc.Failures != s.Failures {
			t.Errorf("%s: counts tests=%d/%d failures=%d/%d for %d cases, %d failing", g.name, doc.Tests, s.Tests,
				doc.Failures, s.Failures, len(s.Cases), failures)
		}
		if s.Cases[0].Name != FleetCase {
			t.Errorf("%s: first case %q", g.name, s.Cases[0].Name)
		}
	}
}

func TestJUnitCases(t *testing.T) {
	decode := func(fs []validate.Finding, m Meta) map[string]string {
		var b bytes.Buffer
		if err := JUnit(&b, fs, m); err != nil {
			t.Fatal(err)
		}
		var doc junitSuites
		if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, c := range doc.Suites[0].Cases {
			switch {
			case c.Failure != nil:
				out[c.Name] = "fail " + c.Failure.Type
			case c.SystemOut != nil:
				out[c.Name] = "pass with output"
			default:
				out[c.Name] = "pass"
			}
		}
		return out
	}
	m := withPaths(meta)
	got := decode(findings, m)
	want := map[string]string{
		FleetCase:                                  "fail error",
		"apps/widget.yaml":                         "pass with output",
		"capi/clusters/atlantic-aks/values.yaml":   "fail error",
		"capi/clusters/clean/values.yaml":          "pass",
		"capi/clusters/pacific/kustomization.yaml": "fail error",
		"dir with space/ü.yaml":                    "fail error",
		"fleet/clusters.yaml":                      "pass with output",
	}
	if !equalMaps(got, want) {
		t.Errorf("cases:\n got %v\nwant %v", got, want)
	}
	m.Strict = true
	got = decode(findings, m)
	want["apps/widget.yaml"], want["fleet/clusters.yaml"] = "fail warning", "fail warning"
	if !equalMaps(got, want) {
		t.Errorf("strict cases:\n got %v\nwant %v", got, want)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestExitCode(t *testing.T) {
	warn := validate.Finding{Severity: validate.Warning, Rule: "w"}
	fail := validate.Finding{Severity: validate.Error, Rule: "e"}
	tests := []struct {
		fs     []validate.Finding
		strict bool
		want   int
	}{
		{nil, false, 0},
		{nil, true, 0},
		{[]validate.Finding{warn}, false, 0},
		{[]validate.Finding{warn}, true, 1},
		{[]validate.Finding{fail}, false, 1},
		{[]validate.Finding{warn, fail}, true, 1},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.fs, tt.strict); got != tt.want {
			t.Errorf("ExitCode(%v, %v) = %d, want %d", tt.fs, tt.strict, got, tt.want)
		}
	}
}

func TestRuleSummary(t *testing.T) {
	for id, want := range map[string]string{
		"yaml/duplicate-key": "A YAML mapping sets the same key twice; strict decoders (the API server, Flux) reject it.",
		"aks/not-registered": "Not registered (aks)",
		"schema/":            "Rule schema/",
		"odd":                "Rule odd",
	} {
		if got := ruleSummary(id); got != want {
			t.Errorf("ruleSummary(%q) = %q, want %q", id, got, want)
		}
	}
}
