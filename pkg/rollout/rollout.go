// Package rollout splits a fleet-wide change into waves and follows it: which clusters each wave
// holds (by the value of one label, in order, a large wave split in parts), the branch each wave is
// committed on (every one from the base branch), the trailers its commit carries, and, for
// `fleetctl rollout status`, which waves are merged and whether the next may go.
package rollout

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// Wave is one step of a rollout: the clusters of one label value (or one part of them).
type Wave struct {
	// Number counts from 1; Of is the number of waves.
	Number, Of int
	// Key and Value are the label the wave's clusters carry.
	Key, Value string
	// Part and Parts are set (from 1) when --max-per-wave split the value's clusters.
	Part, Parts int
	Clusters    []string
}

// Name is the wave's short name: the label value, with the part when split ("early-2").
func (w Wave) Name() string {
	if w.Parts > 1 {
		return fmt.Sprintf("%s-%d", w.Value, w.Part)
	}
	return w.Value
}

// Describe names the wave for people: "wave 2/3 (ring=early, part 1 of 2)".
func (w Wave) Describe() string {
	s := fmt.Sprintf("wave %d/%d (%s=%s", w.Number, w.Of, w.Key, w.Value)
	if w.Parts > 1 {
		s += fmt.Sprintf(", part %d of %d", w.Part, w.Parts)
	}
	return s + ")"
}

// Split puts the selected clusters into waves, in the order of waves.Values; maxPerWave > 0 splits a
// value with more clusters into parts of at most that many (in name order). Every selected cluster
// must carry the key with one of the values: a cluster that would be in no wave is an error, so
// that no cluster is silently left out of a fleet-wide change. A value with no selected cluster
// gives no wave.
func Split(selected []fleet.Selected, waves spec.Waves, maxPerWave int) ([]Wave, error) {
	by := map[string][]string{}
	var stray []string
	for _, s := range selected {
		v, ok := s.Labels[waves.Key]
		if !ok || !slices.Contains(waves.Values, v) {
			label := "no " + waves.Key + " label"
			if ok {
				label = waves.Key + "=" + v
			}
			stray = append(stray, fmt.Sprintf("%s (%s)", s.Name, label))
			continue
		}
		by[v] = append(by[v], s.Name)
	}
	if len(stray) > 0 {
		return nil, fmt.Errorf("--waves %s: %d selected cluster(s) belong to no wave: %s; label them (fleetctl cluster label NAME %s=VALUE) or narrow the selector",
			waves, len(stray), describe(stray, 5), waves.Key)
	}
	var out []Wave
	for _, v := range waves.Values {
		names := by[v]
		slices.Sort(names)
		parts := 1
		if maxPerWave > 0 && len(names) > maxPerWave {
			parts = (len(names) + maxPerWave - 1) / maxPerWave
		}
		for p := range parts {
			chunk := names
			if parts > 1 {
				// Even parts, the larger last: 7 clusters at most 3 per wave are 2, 2, 3, not 3, 3, 1.
				lo, hi := p*len(names)/parts, (p+1)*len(names)/parts
				chunk = names[lo:hi]
			}
			if len(chunk) == 0 {
				continue
			}
			w := Wave{Key: waves.Key, Value: v, Clusters: slices.Clone(chunk)}
			if parts > 1 {
				w.Part, w.Parts = p+1, parts
			}
			out = append(out, w)
		}
	}
	for i := range out {
		out[i].Number, out[i].Of = i+1, len(out)
	}
	return out, nil
}

// Branch is the branch of wave w of the rollout whose branch would be base without waves
// ("fleetctl/upgrade-v1.37.2" gives "fleetctl/upgrade-v1.37.2-wave-1-canary").
func Branch(base string, w Wave) string {
	return fmt.Sprintf("%s-wave-%d-%s", base, w.Number, w.Name())
}

// Trailer keys of a wave's commit message: they let `rollout status` find the waves of a rollout
// and their order from the branches alone.
const (
	TrailerRollout = "Fleetctl-Rollout"
	TrailerWave    = "Fleetctl-Wave"
)

// Trailers returns the lines that end a wave's commit message.
// ("Fleetctl-Wave: 2/4 ring=broad part 1/3" for a split wave).
func Trailers(id string, w Wave) string {
	wave := fmt.Sprintf("%d/%d %s=%s", w.Number, w.Of, w.Key, w.Value)
	if w.Parts > 1 {
		wave += fmt.Sprintf(" part %d/%d", w.Part, w.Parts)
	}
	return fmt.Sprintf("%s: %s\n%s: %s\n", TrailerRollout, id, TrailerWave, wave)
}

func describe(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}
