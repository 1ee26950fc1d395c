package rollout

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

func sel(pairs ...string) []fleet.Selected {
	var out []fleet.Selected
	for _, p := range pairs {
		name, ring, _ := strings.Cut(p, ":")
		s := fleet.Selected{Summary: fleet.Summary{Name: name}, Labels: map[string]string{}}
		if ring != "" {
			s.Labels["ring"] = ring
		}
		out = append(out, s)
	}
	return out
}

func TestSplit(t *testing.T) {
	waves, err := spec.ParseWaves("--waves", "ring=canary,early,broad")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   []fleet.Selected
		max  int
		want []string // "number/of name: clusters"
		err  string
	}{
		{name: "three rings", in: sel("b1:broad", "c1:canary", "e2:early", "e1:early", "b2:broad", "c2:canary"),
			want: []string{"1/3 canary: c1 c2", "2/3 early: e1 e2", "3/3 broad: b1 b2"}},
		{name: "empty ring gives no wave", in: sel("c1:canary", "b1:broad"),
			want: []string{"1/2 canary: c1", "2/2 broad: b1"}},
		{name: "max per wave, even parts", in: sel("c1:canary", "b1:broad", "b2:broad", "b3:broad", "b4:broad", "b5:broad", "b6:broad", "b7:broad"), max: 3,
			want: []string{"1/4 canary: c1", "2/4 broad-1: b1 b2", "3/4 broad-2: b3 b4", "4/4 broad-3: b5 b6 b7"}},
		{name: "max per wave not reached", in: sel("c1:canary", "c2:canary"), max: 2, want: []string{"1/1 canary: c1 c2"}},
		{name: "cluster without the label", in: sel("c1:canary", "x1"), err: "1 selected cluster(s) belong to no wave: x1 (no ring label)"},
		{name: "cluster in another ring", in: sel("c1:canary", "x1:lab"), err: "x1 (ring=lab)"},
		{name: "nothing selected", in: nil, want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Split(tc.in, waves, tc.max)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, w := range got {
				lines = append(lines, fmt.Sprintf("%d/%d %s: %s", w.Number, w.Of, w.Name(), strings.Join(w.Clusters, " ")))
			}
			if !reflect.DeepEqual(lines, tc.want) {
				t.Errorf("got %q, want %q", lines, tc.want)
			}
		})
	}
}

func TestParseWaves(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{in: "ring=canary,early,broad"},
		{in: "example.com/ring=a"},
		{in: "ring", err: "must be LABEL=VALUE,VALUE"},
		{in: "ring=", err: "must be LABEL=VALUE,VALUE"},
		{in: "ring=a,,b", err: `wave "" is not a label value`},
		{in: "ring=a,a", err: `wave "a" is named twice`},
		{in: "bad key=a", err: `label key "bad key"`},
	} {
		_, err := spec.ParseWaves("--waves", tc.in)
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.err)
		}
	}
}

func TestBranchAndTrailers(t *testing.T) {
	w := Wave{Number: 2, Of: 4, Key: "ring", Value: "broad", Part: 1, Parts: 3}
	if got := Branch("fleetctl/upgrade-v1.37.2", w); got != "fleetctl/upgrade-v1.37.2-wave-2-broad-1" {
		t.Errorf("branch %s", got)
	}
	if got := w.Describe(); got != "wave 2/4 (ring=broad, part 1 of 3)" {
		t.Errorf("describe %s", got)
	}
	if got := Trailers("upgrade-v1.37.2", w); got != "Fleetctl-Rollout: upgrade-v1.37.2\nFleetctl-Wave: 2/4 ring=broad part 1/3\n" {
		t.Errorf("trailers %q", got)
	}
}
