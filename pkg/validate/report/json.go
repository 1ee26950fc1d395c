package report

import (
	"encoding/json"
	"io"

	"github.com/fleetctl/fleetctl/pkg/validate"
)

// JSONAPIVersion versions the JSON document. Fields may be added within a version; renaming or
// removing one, or changing its meaning, needs a new version.
const JSONAPIVersion = "fleetctl.io/validate/v1"

// The JSON document. A finding's shape is validate.Finding's, the one JSON form of a finding.
type jsonReport struct {
	APIVersion string             `json:"apiVersion"`
	Tool       jsonTool           `json:"tool"`
	Schemas    []string           `json:"schemas"`
	Summary    jsonSummary        `json:"summary"`
	Findings   []validate.Finding `json:"findings"`
}

type jsonTool struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

type jsonSummary struct {
	Errors     int    `json:"errors"`
	Warnings   int    `json:"warnings"`
	Files      int    `json:"files"`
	Objects    int    `json:"objects"`
	DurationMS *int64 `json:"durationMs,omitempty"`
}

// JSON writes the findings as one JSON document (indented, ending in a newline):
//
//	{"apiVersion": "fleetctl.io/validate/v1", "tool": {...}, "schemas": [...],
//	 "summary": {"errors", "warnings", "files", "objects", "durationMs"}, "findings": [...]}
//
// Keys are in a fixed order, findings are sorted, and durationMs is left out when
// Meta.Duration is zero. See FORMAT.md.
func JSON(w io.Writer, fs []validate.Finding, m Meta) error {
	fs = sorted(fs)
	if fs == nil {
		fs = []validate.Finding{} // "findings": [], never null
	}
	errors, warnings := validate.Count(fs)
	r := jsonReport{
		APIVersion: JSONAPIVersion,
		Tool:       jsonTool{Name: m.tool(), Version: m.Version},
		Schemas:    append([]string{}, m.Schemas...),
		Summary:    jsonSummary{Errors: errors, Warnings: warnings, Files: m.files(), Objects: m.Objects},
		Findings:   fs,
	}
	if m.Duration > 0 {
		ms := m.Duration.Milliseconds()
		r.Summary.DurationMS = &ms
	}
	return encodeJSON(w, r)
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
