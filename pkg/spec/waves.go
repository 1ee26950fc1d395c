package spec

import (
	"fmt"
	"strings"
)

// Waves says how a fleet-wide change is split: by the value of one label, in order, e.g.
// ring=canary,early,broad: first the clusters labelled ring=canary, then ring=early, then
// ring=broad.
type Waves struct {
	Key    string
	Values []string
}

// String gives the waves back as written.
func (w Waves) String() string { return w.Key + "=" + strings.Join(w.Values, ",") }

// ParseWaves reads KEY=VALUE,VALUE,... (field names the flag or config key for errors).
func ParseWaves(field, s string) (Waves, error) {
	k, vals, ok := strings.Cut(s, "=")
	if !ok || vals == "" {
		return Waves{}, fieldErr("", field, s, "must be LABEL=VALUE,VALUE,... naming the waves in order, e.g. ring=canary,early,broad")
	}
	if err := checkLabel("", k, ""); err != nil {
		return Waves{}, fieldErr("", field, s, fmt.Sprintf("label key %q is not a Kubernetes label key", k))
	}
	w := Waves{Key: k}
	seen := map[string]bool{}
	for _, v := range strings.Split(vals, ",") {
		v = strings.TrimSpace(v)
		if v == "" || !labelValRE.MatchString(v) {
			return Waves{}, fieldErr("", field, s, fmt.Sprintf("wave %q is not a label value (1-63 letters, digits, '-', '_' or '.')", v))
		}
		if seen[v] {
			return Waves{}, fieldErr("", field, s, fmt.Sprintf("wave %q is named twice", v))
		}
		seen[v] = true
		w.Values = append(w.Values, v)
	}
	return w, nil
}
