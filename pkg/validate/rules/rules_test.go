package rules

import (
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/fleetctl/fleetctl/pkg/validate"
)

// allFindings runs every table case of every rule family.
func allFindings() []validate.Finding {
	var out []validate.Finding
	for _, tc := range clusterCases() {
		v := validValues()
		tc.edit(&v)
		out = append(out, ClusterRules(clusterOf(v))...)
	}
	for _, tc := range fleetCases() {
		out = append(out, tc.findings()...)
	}
	for _, tc := range secretCases() {
		out = append(out, SecretRules("f.yaml", []byte(tc.content))...)
	}
	sops, err := NewSecretScanner(fstest.MapFS{".sops.yaml": {Data: []byte("creation_rules:\n- path_regex: \\.enc\\.yaml$\n")}})
	if err != nil {
		panic(err)
	}
	out = append(out, sops.Scan("x.enc.yaml", []byte("a: b\n"))...)
	for _, tc := range changeCases() {
		out = append(out, Changes(tc.pair())...)
	}
	for _, tc := range supportCases() {
		out = append(out, tc.findings()...)
	}
	return out
}

// TestRuleIDs checks the rules of this package in the registry: ids unique, stable-looking and
// complete, and every emitted id listed with the severity it is emitted with.
func TestRuleIDs(t *testing.T) {
	idRE := regexp.MustCompile(`^(aks|fleet|secret|change)/[a-z0-9]+(-[a-z0-9]+)*$`)
	engineRules := map[string]bool{validate.RuleClusterList: true, validate.RuleChangeClusterRemoved: true, validate.RuleChangeClusterUnlisted: true}
	listed := map[string]validate.Rule{}
	for _, r := range validate.Rules {
		if !idRE.MatchString(r.ID) || engineRules[r.ID] {
			continue // the engine's own rules (yaml/, schema/, ...), tested with the engine
		}
		if _, dup := listed[r.ID]; dup {
			t.Errorf("rule %s listed twice", r.ID)
		}
		listed[r.ID] = r
		if r.Severity != validate.Error && r.Severity != validate.Warning {
			t.Errorf("rule %s severity %q", r.ID, r.Severity)
		}
		if r.Summary == "" || !strings.HasSuffix(r.Summary, ".") {
			t.Errorf("rule %s summary %q should be a sentence", r.ID, r.Summary)
		}
	}
	emitted := map[string]bool{}
	for _, f := range allFindings() {
		emitted[f.Rule] = true
		r, ok := listed[f.Rule]
		if !ok {
			t.Errorf("emitted rule %s is not in the registry", f.Rule)
			continue
		}
		if r.Severity != f.Severity {
			t.Errorf("rule %s emitted as %s, the registry says %s", f.Rule, f.Severity, r.Severity)
		}
	}
	for id := range listed {
		if !emitted[id] {
			t.Errorf("rule %s is in the registry but no test case emits it", id)
		}
	}
}
