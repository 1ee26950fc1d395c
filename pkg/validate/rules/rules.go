// Package rules holds the checks of `fleetctl validate` that work on compact facts rather than on
// files: the AKS rules inside one cluster that the chart's values.schema.json cannot express, the
// rules across the clusters of a fleet, the scan for committed secrets, and the comparison of a
// cluster's values with the base revision. Every function is pure: no disk, no git.
package rules

import (
	"reflect"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// Cluster is the compact fact sheet of one cluster folder, built from its values.yaml.
type Cluster struct {
	// Name is the cluster's name as the fleet knows it (the folder name).
	Name string
	// Dir is the repo-relative cluster folder, e.g. capi/clusters/atlantic-aks.
	Dir string
	// ValuesFile is the repo-relative values file every finding about the cluster points at.
	ValuesFile string
	// Values are the cluster's values as written; an empty field means "not set here, the chart
	// default applies".
	Values spec.Values
	// Pos returns the 1-based position of a values path such as "nodePools.work.count", or 0, 0 when
	// the path is not in the file. May be nil.
	Pos func(path string) (line, col int)
	// Effective, when set, are the values the chart gets when they are not values.yaml alone (the
	// HelmRelease's spec.values merged over it); nil means values.yaml as written.
	Effective map[string]any
}

// newFinding builds a finding with the rule's severity from the registry (validate.Rules).
func newFinding(rule, file, field, msg, fix string) validate.Finding {
	return validate.Finding{Severity: validate.SeverityOf(rule), Rule: rule, File: file, Field: field, Message: msg, Fix: fix}
}

// at is newFinding positioned at field in c's values file. When the field itself is not in the file
// (a default, a removed key), the nearest enclosing key that is gives the position.
func (c Cluster) at(rule, field, msg, fix string) validate.Finding {
	f := newFinding(rule, c.ValuesFile, field, msg, fix)
	f.Cluster = c.Name
	f.Line, f.Column = c.position(field)
	return f
}

func (c Cluster) position(field string) (int, int) {
	if c.Pos == nil {
		return 0, 0
	}
	for p := field; p != ""; {
		if l, col := c.Pos(p); l > 0 {
			return l, col
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0, 0
}

// empty reports a cluster without values: its file is empty or could not be decoded.
func (c Cluster) empty() bool { return reflect.ValueOf(c.Values).IsZero() }

// clusterName is the name the chart derives object names from: values.name, else the folder name.
func (c Cluster) clusterName() string {
	if c.Values.Name != "" {
		return c.Values.Name
	}
	return c.Name
}

// label names the cluster in messages about other clusters: its folder, else its name.
func (c Cluster) label() string {
	switch {
	case c.Dir != "":
		return c.Dir
	case c.Name != "":
		return c.Name
	}
	return c.ValuesFile
}

// dnsPrefix is the effective DNS prefix: the chart uses the cluster name when dnsPrefix is empty.
func (c Cluster) dnsPrefix() string {
	if c.Values.DNSPrefix != "" {
		return c.Values.DNSPrefix
	}
	return c.clusterName()
}

func (c Cluster) network() spec.NetworkValues {
	if c.Values.Network == nil {
		return spec.NetworkValues{}
	}
	return *c.Values.Network
}

func poolPath(pool, field string) string {
	if field == "" {
		return "nodePools." + pool
	}
	return "nodePools." + pool + "." + field
}
