package fleet

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/labels"
)

func TestParseSelector(t *testing.T) {
	for _, tc := range []struct {
		sel, err string
		match    map[string]string
		want     bool
	}{
		{sel: "", match: nil, want: true},
		{sel: "env=prod", match: map[string]string{"env": "prod"}, want: true},
		{sel: "env=prod,ring in (early,broad)", match: map[string]string{"env": "prod", "ring": "canary"}, want: false},
		{sel: "env=prod,ring in (early,broad)", match: map[string]string{"env": "prod", "ring": "broad"}, want: true},
		{sel: "!canary", match: map[string]string{"canary": ""}, want: false},
		{sel: "!canary", match: map[string]string{"env": "prod"}, want: true},
		{sel: "ring notin (canary)", match: map[string]string{}, want: true},
		{sel: "env==prod,tier!=gold", match: map[string]string{"env": "prod", "tier": "gold"}, want: false},
		{sel: "env in (", err: `selector "env in ("`},
		{sel: "a b", err: `selector "a b"`},
	} {
		sel, err := ParseSelector(tc.sel)
		if tc.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%q: error %v, want one line starting %q", tc.sel, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.sel, err)
		}
		if got := sel.Matches(labels.Set(tc.match)); got != tc.want {
			t.Errorf("%q matches %v = %v, want %v", tc.sel, tc.match, got, tc.want)
		}
	}
}
