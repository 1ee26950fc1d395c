package report

import (
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/validate"
)

// SARIF constants: the schema and version written, and the base id file URIs are relative to.
const (
	SARIFSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	SARIFVersion = "2.1.0"
	SARIFRootID  = "%SRCROOT%"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"` // one key: encoded the same every time
	ColumnKind         string                      `json:"columnKind"`
	Results            []sarifResult               `json:"results"`
	Properties         *sarifRunProps              `json:"properties,omitempty"`
}

type sarifRunProps struct {
	Schemas []string `json:"schemas,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
	Help             sarifMessage `json:"help"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID     string           `json:"ruleId"`
	RuleIndex  int              `json:"ruleIndex"`
	Level      string           `json:"level"`
	Message    sarifMessage     `json:"message"`
	Locations  []sarifLocation  `json:"locations,omitempty"`
	Properties *sarifResultProp `json:"properties,omitempty"`
}

type sarifResultProp struct {
	Object   string `json:"object,omitempty"`
	Field    string `json:"field,omitempty"`
	Template string `json:"template,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           *sarifRegion     `json:"region,omitempty"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// SARIF writes the findings as a SARIF 2.1.0 log with one run. The driver lists every rule that
// has a result (sorted by id, with the summary of the rule registry, validate.Rules, as
// shortDescription and help); each result
// has ruleId and ruleIndex, level "error" or "warning", the message (with the fix on a second
// line) and, for findings with a file, one location relative to %SRCROOT% (Meta.Root), with a
// region when the line is known. Columns are Unicode code points (run.columnKind). See
// FORMAT.md.
func SARIF(w io.Writer, fs []validate.Finding, m Meta) error {
	fs = sorted(fs)
	var ids []string
	for _, f := range fs {
		if !slices.Contains(ids, f.Rule) {
			ids = append(ids, f.Rule)
		}
	}
	slices.Sort(ids)
	rules := make([]sarifRule, len(ids))
	for i, id := range ids {
		short := ruleSummary(id)
		help := short
		if fix := commonFix(fs, id); fix != "" {
			help += "\nFix: " + fix
		}
		rules[i] = sarifRule{ID: id, ShortDescription: sarifMessage{short}, Help: sarifMessage{help}}
	}
	run := sarifRun{
		Tool:       sarifTool{Driver: sarifDriver{Name: m.tool(), Version: m.Version, InformationURI: InformationURI, Rules: rules}},
		ColumnKind: "unicodeCodePoints",
		Results:    make([]sarifResult, len(fs)),
	}
	if root := rootURI(m.Root); root != "" {
		run.OriginalURIBaseIDs = map[string]sarifArtifactLoc{SARIFRootID: {URI: root}}
	}
	if len(m.Schemas) > 0 {
		run.Properties = &sarifRunProps{Schemas: m.Schemas}
	}
	for i, f := range fs {
		r := sarifResult{RuleID: f.Rule, Level: "warning", Message: sarifMessage{f.Message}}
		r.RuleIndex, _ = slices.BinarySearch(ids, f.Rule)
		switch f.Severity {
		case validate.Error:
			r.Level = "error"
		case validate.Info:
			r.Level = "note"
		}
		if f.Fix != "" {
			r.Message.Text += "\nFix: " + f.Fix
		}
		if f.File != "" {
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifactLoc{URI: fileURI(f.File), URIBaseID: SARIFRootID}}}
			if f.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Line, StartColumn: max(f.Column, 0)}
			}
			r.Locations = []sarifLocation{loc}
		}
		if f.Object != "" || f.Field != "" || f.Template != "" {
			r.Properties = &sarifResultProp{Object: f.Object, Field: f.Field, Template: f.Template}
		}
		run.Results[i] = r
	}
	return encodeJSON(w, sarifLog{Schema: SARIFSchema, Version: SARIFVersion, Runs: []sarifRun{run}})
}

// commonFix returns the fix every finding of rule suggests, or "" when they differ.
func commonFix(fs []validate.Finding, rule string) string {
	fix, seen := "", false
	for _, f := range fs {
		if f.Rule != rule {
			continue
		}
		if seen && f.Fix != fix {
			return ""
		}
		fix, seen = f.Fix, true
	}
	return fix
}

// fileURI makes a relative URI reference of a repo-relative, slash-separated path.
func fileURI(p string) string {
	return (&url.URL{Path: strings.TrimPrefix(p, "./")}).String()
}

// rootURI makes the file: URI of an absolute directory, ending in a slash as SARIF requires of
// base URIs; "" for an empty or relative root.
func rootURI(root string) string {
	if root == "" {
		return ""
	}
	p := filepath.ToSlash(root)
	if vol := filepath.VolumeName(root); vol != "" && !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/repo -> /C:/repo
	}
	if !strings.HasPrefix(p, "/") {
		return ""
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}
