// Package validate holds the findings model shared by every check of `fleetctl validate`.
package validate

import (
	"cmp"
	"slices"
)

// Severity of a finding.
type Severity string

// Severities, from most to least serious.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	// Info is a note that needs no action: what was not checked offline, and why.
	Info Severity = "info"
)

// Finding is one problem found in a fleet repo. Position fields are 1-based; 0 means unknown. Its
// JSON form is the "findings" item of `fleetctl validate -o json` (report.JSONAPIVersion): a field
// may be added, never renamed or removed, within that version.
type Finding struct {
	Severity Severity `json:"severity"`
	// Rule is a stable identifier, e.g. "yaml/duplicate-key", "schema/unknown-field", "aks/no-system-pool".
	Rule    string `json:"rule"`
	Message string `json:"message"`
	// Fix says how to resolve it, in one sentence.
	Fix string `json:"fix,omitempty"`
	// File is repo-relative with forward slashes; empty for fleet-wide findings without a file.
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// Object identifies the Kubernetes object, e.g. "MachinePool fleet-clusters/atlantic-aks-system".
	Object string `json:"object,omitempty"`
	// Field is the field path inside the object or values file, e.g. "spec.replicas".
	Field string `json:"field,omitempty"`
	// Template is the chart template that produced a rendered object, when the finding is in one.
	Template string `json:"template,omitempty"`
	// Cluster is the cluster (its folder name) the finding is about, when it is about one: a file of
	// its folder, a fleet-wide rule naming it, a change to it.
	Cluster string `json:"cluster,omitempty"`
}

// Sort orders findings by file, line, column, rule and message, so output is deterministic.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// Count returns the number of errors and warnings (notes of severity info are neither).
func Count(fs []Finding) (errors, warnings int) {
	for _, f := range fs {
		switch f.Severity {
		case Error:
			errors++
		case Warning:
			warnings++
		}
	}
	return errors, warnings
}
