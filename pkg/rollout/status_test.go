package rollout

import (
	"strings"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/spec"
)

func TestEvaluate(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	want := func(v string) spec.Cluster {
		return spec.Cluster{KubernetesVersion: v, NodePools: []spec.NodePool{{Name: "system"}}}
	}
	wave := func(n int, ring string, merged bool, clusters ...string) WaveState {
		ws := WaveState{Wave: Wave{Number: n, Of: 3, Key: "ring", Value: ring, Clusters: clusters}, Merged: merged, Want: map[string]spec.Cluster{}}
		for _, c := range clusters {
			ws.Want[c] = want("v1.37.2")
		}
		return ws
	}
	healthy := func(ago time.Duration) Health {
		return Health{Found: true, Ready: true, ReadySince: now.Add(-ago), Reconciled: true, Version: "v1.37.2", PoolVersions: map[string]string{"system": "v1.37.2"}}
	}
	soak := 30 * time.Minute
	for _, tc := range []struct {
		name   string
		waves  []WaveState
		health map[string]Health
		mayGo  bool
		next   int // 0: none
		reason string
	}{
		{name: "nothing merged: the first wave may go", waves: []WaveState{wave(1, "canary", false, "c1"), wave(2, "early", false, "e1")},
			mayGo: true, next: 1, reason: "first wave"},
		{name: "canary healthy past the soak", waves: []WaveState{wave(1, "canary", true, "c1", "c2"), wave(2, "early", false, "e1")},
			health: map[string]Health{"c1": healthy(time.Hour), "c2": healthy(31 * time.Minute)}, mayGo: true, next: 2, reason: "healthy for 30m0s or more"},
		{name: "canary inside the soak", waves: []WaveState{wave(1, "canary", true, "c1", "c2"), wave(2, "early", false, "e1")},
			health: map[string]Health{"c1": healthy(time.Hour), "c2": healthy(10 * time.Minute)}, next: 2, reason: "c2 (wave 1): healthy for 10m0s, soak is 30m0s"},
		{name: "ready long ago but upgraded just now", waves: []WaveState{wave(1, "canary", true, "c1"), wave(2, "early", false, "e1")},
			health: map[string]Health{"c1": func() Health { h := healthy(48 * time.Hour); h.AppliedAt = now.Add(-5 * time.Minute); return h }()}, next: 2, reason: "healthy for 5m0s"},
		{name: "canary not at the version", waves: []WaveState{wave(1, "canary", true, "c1"), wave(2, "early", false, "e1")},
			health: map[string]Health{"c1": func() Health { h := healthy(time.Hour); h.Version = "v1.36.3"; return h }()}, next: 2, reason: "control plane v1.36.3, want v1.37.2"},
		{name: "canary pool behind", waves: []WaveState{wave(1, "canary", true, "c1"), wave(2, "early", false, "e1")},
			health: map[string]Health{"c1": func() Health { h := healthy(time.Hour); h.PoolVersions = nil; return h }()}, next: 2, reason: "pool system (none), want v1.37.2"},
		{name: "canary not ready", waves: []WaveState{wave(1, "canary", true, "c1"), wave(2, "early", false, "e1")},
			health: map[string]Health{"c1": func() Health { h := healthy(time.Hour); h.Ready = false; return h }()}, next: 2, reason: "not Ready"},
		{name: "canary not applied yet", waves: []WaveState{wave(1, "canary", true, "c1"), wave(2, "early", false, "e1")},
			next: 2, reason: "not on the management cluster yet"},
		{name: "not reconciled", waves: []WaveState{wave(1, "canary", true, "c1"), wave(2, "early", false, "e1")},
			health: map[string]Health{"c1": func() Health { h := healthy(time.Hour); h.Reconciled = false; return h }()}, next: 2, reason: "not reconciled"},
		{name: "all merged and done", waves: []WaveState{wave(1, "canary", true, "c1"), wave(2, "early", true, "e1")},
			health: map[string]Health{"c1": healthy(time.Hour), "e1": healthy(time.Hour)}, mayGo: true, reason: "every wave is merged"},
		{name: "no waves", reason: "no wave"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := Evaluate(tc.waves, tc.health, now, soak)
			if g.MayGo != tc.mayGo || !strings.Contains(g.Reason, tc.reason) {
				t.Errorf("MayGo %v reason %q; want %v containing %q", g.MayGo, g.Reason, tc.mayGo, tc.reason)
			}
			switch {
			case tc.next == 0 && g.Next != nil:
				t.Errorf("next wave %d, want none", g.Next.Number)
			case tc.next != 0 && (g.Next == nil || g.Next.Number != tc.next):
				t.Errorf("next wave %+v, want %d", g.Next, tc.next)
			}
		})
	}
}

func TestParseWaveTrailer(t *testing.T) {
	w, err := parseWaveTrailer("2/4 ring=broad part 1/3")
	if err != nil || w.Number != 2 || w.Of != 4 || w.Key != "ring" || w.Value != "broad" || w.Part != 1 || w.Parts != 3 {
		t.Errorf("%+v %v", w, err)
	}
	for _, bad := range []string{"", "2/4", "0/4 ring=a", "5/4 ring=a", "2/4 ring", "2/4 ring=a piece 1/2", "x/4 ring=a"} {
		if _, err := parseWaveTrailer(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// Round trip with Trailers.
	in := Wave{Number: 3, Of: 3, Key: "ring", Value: "broad"}
	got, err := parseWaveTrailer(trailer(Trailers("x", in), TrailerWave))
	if err != nil || got.Number != 3 || got.Of != 3 || got.Value != "broad" || got.Parts != 0 {
		t.Errorf("round trip %+v %v", got, err)
	}
}
