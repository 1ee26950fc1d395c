package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/support"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// Support is what SupportRules check against: the support table, the day, whether every cluster
// is on long-term support (a cluster whose values say so is on it either way), and VM sizes accepted beside the table's. A nil Table or
// a zero Now checks nothing.
type Support struct {
	Table   *support.Table
	Now     time.Time
	LTS     bool
	VMSizes []string
}

func (s Support) enabled() bool { return s.Table != nil && !s.Now.IsZero() }

// SupportRules checks a cluster against the support windows at s.Now: the control plane's and each
// pool's own Kubernetes version (a warning within 60 days of the end of standard support, an error
// after it or for a minor AKS does not offer), and each pool's VM size against the known sizes.
// Malformed versions are aks/kubernetes-version-format's. Findings are sorted.
func SupportRules(c Cluster, s Support) []validate.Finding {
	if !s.enabled() || c.empty() {
		return nil
	}
	s.LTS = s.LTS || spec.OnLTS(c.Values.SupportPlan, c.Values.SKUTier)
	var out []validate.Finding
	if f, ok := versionFinding(c, s, "kubernetesVersion", "the control plane", c.Values.KubernetesVersion); ok {
		out = append(out, f)
	}
	sizes := s.Table.KnownSizes(s.VMSizes...)
	for _, name := range sortedPools(c.Values.NodePools) {
		p := c.Values.NodePools[name]
		if f, ok := versionFinding(c, s, poolPath(name, "kubernetesVersion"), fmt.Sprintf("node pool %q", name), p.KubernetesVersion); ok {
			out = append(out, f)
		}
		if p.VMSize != "" {
			if err := sizes.Check("vmSize", p.VMSize); err != nil {
				out = append(out, c.at(validate.RuleVMSizeUnknown, poolPath(name, "vmSize"),
					fmt.Sprintf("node pool %q: %s", name, firstClause(err.Error())),
					"use a size the table knows ("+restClauses(err.Error())+")"))
			}
		}
	}
	validate.Sort(out)
	return out
}

// firstClause and restClauses split a support error at its first "; ".
func firstClause(s string) string { a, _, _ := strings.Cut(s, "; "); return a }
func restClauses(s string) string { _, b, _ := strings.Cut(s, "; "); return b }

func versionFinding(c Cluster, s Support, field, who, version string) (validate.Finding, bool) {
	v, ok := spec.ParseVersion(version)
	if !ok {
		return validate.Finding{}, false
	}
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	var newer []string
	for _, m := range s.Table.OfferedMinors(s.Now, s.LTS) {
		if w, ok := spec.ParseVersion(m + ".0"); ok && w.MinorsBehind(v) < 0 {
			newer = append(newer, m)
		}
	}
	offered := strings.Join(s.Table.OfferedMinors(s.Now, s.LTS), ", ")
	upgrade := fmt.Sprintf("upgrade one minor at a time (fleetctl cluster upgrade) to a minor AKS offers: %s", strings.Join(newer, ", "))
	if len(newer) == 0 {
		upgrade = "AKS offers no newer minor yet; upgrade as soon as one is GA (fleetctl cluster upgrade)"
	}
	minor := fmt.Sprintf("v%d.%d", v.Major, v.Minor)
	st := s.Table.Status(v, s.Now, s.LTS)
	var rule, msg string
	switch st.State {
	case support.Supported:
		return validate.Finding{}, false
	case support.Ending:
		rule = validate.RuleVersionSupportEnding
		left := int(st.LastDay.Sub(s.Now).Hours() / 24)
		msg = fmt.Sprintf("%s runs %s: AKS support of %s ends on %s, in %d days", who, version, minor, day(st.LastDay), left)
		upgrade = "plan the upgrade before then: " + upgrade
	case support.LTSOnly:
		rule = validate.RuleVersionUnsupported
		msg = fmt.Sprintf("%s runs %s: %s left AKS standard support on %s (long-term support until %s needs the Premium tier)", who, version, minor, day(st.Minor.LastDay()), day(st.LastDay))
	case support.Unsupported:
		rule = validate.RuleVersionUnsupported
		msg = fmt.Sprintf("%s runs %s: %s left AKS support on %s", who, version, minor, day(st.LastDay))
	case support.NotYetGA:
		rule = validate.RuleVersionUnsupported
		msg = fmt.Sprintf("%s runs %s: AKS offers %s only from %s", who, version, minor, day(st.Minor.GADay()))
		upgrade = "use a version AKS offers: " + offered
	default:
		rule = validate.RuleVersionUnsupported
		msg = fmt.Sprintf("%s runs %s: %s is not in the support table of %s", who, version, minor, s.Table.Date)
		upgrade = "use a version AKS offers (" + offered + "), or a --versions-file that lists it"
	}
	msg += fmt.Sprintf(" (checked on %s)", day(s.Now))
	return c.at(rule, field, msg, upgrade), true
}

// ProviderPin is one provider version of .fleetctl.yaml's providers section: its key (clusterAPI,
// capz, aso, flux), the version and the line it is on (0 when not written: a default).
type ProviderPin struct {
	Name, Version string
	Line          int
}

// providerNames are the projects the support table's provider rows name, by key.
var providerNames = map[string]string{"clusterAPI": "Cluster API", "capz": "CAPZ", "aso": "ASO", "flux": "Flux"}

// ProviderRules checks the provider pins of file against the support table's provider rows at
// s.Now: a warning within 60 days of a documented end of support, an error after it. A line the
// table has no end date for, or no row for, gives nothing: the table names only what the projects
// document.
func ProviderRules(file string, pins []ProviderPin, s Support) []validate.Finding {
	if !s.enabled() {
		return nil
	}
	var out []validate.Finding
	for _, p := range pins {
		row, state, ok := s.Table.ProviderStatus(p.Name, p.Version, s.Now)
		if !ok || (state != support.Ending && state != support.Unsupported) {
			continue
		}
		who := fmt.Sprintf("providers.%s %s", p.Name, p.Version)
		last := row.LastDay().Format(time.DateOnly)
		var f validate.Finding
		fix := fmt.Sprintf("move the fleet to the current providers (fleetctl providers upgrade; see docs/providers.md); %s %s: %s", providerNames[p.Name], row.Minor, row.Status)
		if state == support.Ending {
			left := int(row.LastDay().Sub(s.Now).Hours() / 24)
			f = newFinding(validate.RuleProviderEnding, file, "providers."+p.Name,
				fmt.Sprintf("%s: support of %s %s ends on %s, in %d days (checked on %s)", who, providerNames[p.Name], row.Minor, last, left, s.Now.Format(time.DateOnly)), fix)
		} else {
			f = newFinding(validate.RuleProviderUnsupported, file, "providers."+p.Name,
				fmt.Sprintf("%s: %s %s left support on %s (checked on %s)", who, providerNames[p.Name], row.Minor, last, s.Now.Format(time.DateOnly)), fix)
		}
		f.Line = p.Line
		out = append(out, f)
	}
	validate.Sort(out)
	return out
}
