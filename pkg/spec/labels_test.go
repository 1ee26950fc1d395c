package spec

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseClusterLabels(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want map[string]string
		err  string
	}{
		{in: []string{"ring=canary", "env=prod"}, want: map[string]string{"ring": "canary", "env": "prod"}},
		{in: []string{"example.com/team=platform", "empty="}, want: map[string]string{"example.com/team": "platform", "empty": ""}},
		{in: []string{"ring=canary", "ring=canary"}, want: map[string]string{"ring": "canary"}},
		{in: []string{"ring=canary", "ring=broad"}, err: `--label "ring=broad": sets label ring twice`},
		{in: []string{"ring"}, err: `--label "ring": must be key=value`},
		{in: []string{"ring=can ary"}, err: `label value "can ary"`},
		{in: []string{"-ring=x"}, err: `label key "-ring"`},
		{in: []string{"helm.sh/chart=x"}, err: `label key "helm.sh/chart": is set by the cluster chart`},
		{in: []string{"cluster.x-k8s.io/cluster-name=x"}, err: `is set by the cluster chart`},
		{in: []string{"topology.cluster.x-k8s.io/owned=x"}, err: `Cluster API reserves`},
		{in: []string{"cluster.x-k8s.io/watch-filter=x"}, err: `Cluster API reserves`},
	} {
		got, err := ParseClusterLabels("--label", tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseLabelChange(t *testing.T) {
	lc, err := ParseLabelChange([]string{"ring=early", "canary-", "env=prod"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lc.Set, map[string]string{"ring": "early", "env": "prod"}) || !reflect.DeepEqual(lc.Remove, []string{"canary"}) {
		t.Errorf("got %+v", lc)
	}
	if _, err := ParseLabelChange([]string{"ring=x", "ring-"}); err == nil || !strings.Contains(err.Error(), "both set and removed") {
		t.Errorf("set and removed: %v", err)
	}
	if _, err := ParseLabelChange([]string{"bad key-"}); err == nil {
		t.Error("bad key to remove accepted")
	}
	// A value ending in '-' is a set, not a removal.
	if lc, err := ParseLabelChange([]string{"note=a-"}); err == nil {
		t.Errorf("value ending in '-' accepted as %+v", lc)
	}
}
