package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/support"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

type supportCase struct {
	name string
	now  string
	lts  bool
	edit func(v *spec.Values)
	want []string
	msg  string
}

func supportOn(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func supportCases() []supportCase {
	version := func(cp string) func(v *spec.Values) { return func(v *spec.Values) { v.KubernetesVersion = cp } }
	return []supportCase{
		{"newest minor", "2026-12-04", false, version("v1.37.2"), nil, ""},
		{"any patch of an offered minor", "2026-12-04", false, version("v1.35.99"), nil, ""},
		{"61 days left", "2027-01-30", false, version("v1.35.4"), nil, ""},
		{"60 days left", "2027-01-31", false, version("v1.35.4"), []string{validate.RuleVersionSupportEnding}, "ends on 2027-03-31, in 59 days"},
		{"30 days left", "2027-03-01", false, version("v1.35.4"), []string{validate.RuleVersionSupportEnding}, "AKS support of v1.35 ends on 2027-03-31, in 30 days (checked on 2027-03-01)"},
		{"last day", "2027-03-31", false, version("v1.35.4"), []string{validate.RuleVersionSupportEnding}, "in 0 days"},
		{"day after", "2027-04-01", false, version("v1.35.4"), []string{validate.RuleVersionUnsupported}, "v1.35 left AKS standard support on 2027-03-31 (long-term support until 2028-03-31 needs the Premium tier)"},
		{"on LTS", "2027-04-01", true, version("v1.35.4"), nil, ""},
		{"the cluster's values on LTS", "2027-04-01", false, func(v *spec.Values) {
			v.KubernetesVersion, v.SupportPlan, v.SKUTier = "v1.35.4", spec.LTS, "Premium"
		}, nil, ""},
		{"LTS plan without Premium is not LTS", "2027-04-01", false, func(v *spec.Values) {
			v.KubernetesVersion, v.SupportPlan, v.SKUTier = "v1.35.4", spec.LTS, "Standard"
		}, []string{validate.RuleVersionUnsupported}, "needs the Premium tier"},
		{"past the LTS end", "2028-04-01", false, func(v *spec.Values) {
			v.KubernetesVersion, v.SupportPlan, v.SKUTier = "v1.35.4", spec.LTS, "Premium"
		}, []string{validate.RuleVersionUnsupported}, "v1.35 left AKS support on 2028-03-31"},
		{"out of support and LTS", "2026-12-04", false, version("v1.29.6"), []string{validate.RuleVersionUnsupported}, "v1.29 left AKS support on 2025-03-31"},
		{"not in the table", "2026-12-04", false, version("v1.20.0"), []string{validate.RuleVersionUnsupported}, "v1.20 is not in the support table of 2026-12-01"},
		{"not yet GA", "2026-09-30", false, version("v1.37.2"), []string{validate.RuleVersionUnsupported}, "AKS offers v1.37 only from 2026-10-01"},
		{"malformed is the format rule's", "2026-12-04", false, version("1.37"), nil, ""},
		{"pool behind, out of support", "2026-12-04", false, func(v *spec.Values) {
			v.KubernetesVersion = "v1.36.3"
			setPoolVersion(v, "work", "v1.34.4")
		}, []string{validate.RuleVersionUnsupported}, `node pool "work" runs v1.34.4: v1.34 left AKS standard support on 2026-11-30`},
		{"unknown VM size", "2026-12-04", false, func(v *spec.Values) {
			setPool(v, "work", func(p *spec.PoolValue) { p.VMSize = "Standard_Bogus_v99" })
		}, []string{validate.RuleVMSizeUnknown}, `node pool "work": vmSize "Standard_Bogus_v99": is not a known AKS VM size (table of 2026-12-01)`},
		{"VM size of a known family", "2026-12-04", false, func(v *spec.Values) {
			setPool(v, "work", func(p *spec.PoolValue) { p.VMSize = "Standard_D6s_v5" })
		}, []string{validate.RuleVMSizeUnknown}, `vmSize "Standard_D6s_v5"`},
		{"extra VM size", "2026-12-04", false, func(v *spec.Values) {
			setPool(v, "work", func(p *spec.PoolValue) { p.VMSize = "Standard_L8s_v3" })
		}, nil, ""},
	}
}

// supportFindings runs SupportRules on a case.
func (c supportCase) findings() []validate.Finding {
	v := validValues()
	v.KubernetesVersion = "v1.37.2"
	c.edit(&v)
	s := Support{Table: support.Default(), Now: supportOn(c.now), LTS: c.lts, VMSizes: []string{"Standard_L8s_v3"}}
	return SupportRules(clusterOf(v), s)
}

func TestSupportRules(t *testing.T) {
	for _, c := range supportCases() {
		t.Run(c.name, func(t *testing.T) {
			got := c.findings()
			expectRules(t, got, c.want...)
			if c.msg != "" && (len(got) == 0 || !strings.Contains(got[0].Message, c.msg)) {
				t.Errorf("findings %v, want the first to contain %q", got, c.msg)
			}
		})
	}
}

// Without a table or a day nothing is checked: writes and tests that pass no day never read a clock.
func TestSupportRulesNeedADay(t *testing.T) {
	v := validValues()
	v.KubernetesVersion = "v1.20.0"
	if got := SupportRules(clusterOf(v), Support{Table: support.Default()}); len(got) != 0 {
		t.Fatalf("findings without a day: %v", got)
	}
}
