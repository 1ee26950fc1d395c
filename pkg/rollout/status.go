package rollout

import (
	"bytes"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// WaveState is one wave of a rollout as the repository has it.
type WaveState struct {
	Wave
	// Branch is the wave's branch as found ("fleetctl/x-wave-1-canary" or "origin/...").
	Branch string
	Commit string
	// Merged says the base branch holds the wave's change: its commit is an ancestor of the base,
	// or (a squash or rebase merge) the base has every file the wave's commit changed as the commit
	// has it.
	Merged bool
	// Want is, per cluster of the wave, the cluster as the wave's branch declares it.
	Want map[string]spec.Cluster
}

// Discover finds the waves of rollout id: the branches (local, else the remote's) named
// <prefix>/<id>-wave-N-... (or <id>-wave-N-... when --branch named them), whose commits' trailers
// say they belong to it, in wave order. base is the revision merges are looked for in
// (origin/main, main).
func Discover(repo *gitrepo.Repo, fl *fleet.Fleet, id, remote, base string) ([]WaveState, error) {
	all, err := repo.Branches(remote, "")
	if err != nil {
		return nil, err
	}
	var refs []gitrepo.BranchRef
	for _, r := range all {
		if strings.HasPrefix(r.Name, fl.Config.Git.BranchPrefix+"/"+id+"-wave-") || strings.HasPrefix(r.Name, id+"-wave-") {
			refs = append(refs, r)
		}
	}
	baseCommit, err := repo.ResolveCommit(base)
	if err != nil {
		return nil, fmt.Errorf("base branch %q: no such branch in this repo", base)
	}
	baseView, err := repo.SnapshotAt(baseCommit)
	if err != nil {
		return nil, err
	}
	byName := map[string]gitrepo.BranchRef{}
	var names []string
	for _, r := range refs {
		if _, ok := byName[r.Name]; !ok { // the local branch wins over the remote's
			byName[r.Name] = r
			names = append(names, r.Name)
		}
	}
	var out []WaveState
	for _, name := range names {
		ref := byName[name]
		msg, parents, err := repo.CommitMessage(ref.Commit)
		if err != nil {
			return nil, err
		}
		if trailer(msg, TrailerRollout) != id {
			continue // a branch of another rollout whose id starts like this one
		}
		w, err := parseWaveTrailer(trailer(msg, TrailerWave))
		if err != nil {
			return nil, fmt.Errorf("branch %s: %s %w", ref.Ref, TrailerWave, err)
		}
		if len(parents) != 1 {
			return nil, fmt.Errorf("branch %s: the wave's commit has %d parents, want 1 (fleetctl commits every wave on the base)", ref.Ref, len(parents))
		}
		changes, err := repo.DiffCommits(parents[0], ref.Commit)
		if err != nil {
			return nil, err
		}
		tip, err := repo.SnapshotAt(ref.Commit)
		if err != nil {
			return nil, err
		}
		view := fl.WithFS(tip)
		ws := WaveState{Wave: w, Branch: ref.Ref, Commit: ref.Commit, Want: map[string]spec.Cluster{}}
		for _, c := range changes {
			if name := fl.ClusterOf(c.Path); name != "" && !slices.Contains(ws.Clusters, name) {
				ws.Clusters = append(ws.Clusters, name)
			}
		}
		slices.Sort(ws.Clusters)
		for _, c := range ws.Clusters {
			s := view.Summary(c)
			if s.Err != "" {
				return nil, fmt.Errorf("branch %s: cluster %s: %s", ref.Ref, c, s.Err)
			}
			ws.Want[c] = s.Cluster()
		}
		if ws.Merged, err = merged(repo, baseView, baseCommit, ref.Commit, changes); err != nil {
			return nil, err
		}
		out = append(out, ws)
	}
	slices.SortFunc(out, func(a, b WaveState) int { return a.Number - b.Number })
	for i := 1; i < len(out); i++ {
		if out[i].Number == out[i-1].Number {
			return nil, fmt.Errorf("rollout %s: branches %s and %s are both wave %d", id, out[i-1].Branch, out[i].Branch, out[i].Number)
		}
	}
	return out, nil
}

// merged reports whether the base holds the wave's commit or its content.
func merged(repo *gitrepo.Repo, base fs.FS, baseCommit, commit string, changes []gitrepo.TreeChange) (bool, error) {
	if ok, err := repo.IsAncestor(commit, baseCommit); err != nil || ok {
		return ok, err
	}
	for _, c := range changes {
		have, err := fs.ReadFile(base, c.Path)
		exists := err == nil
		if c.To == nil {
			if exists {
				return false, nil
			}
			continue
		}
		if !exists {
			return false, nil
		}
		want, err := repo.ReadBlob(c.To.Hash)
		if err != nil {
			return false, err
		}
		if !bytes.Equal(have, want) {
			return false, nil
		}
	}
	return len(changes) > 0, nil
}

// trailer returns the value of the last trailer key in a commit message.
func trailer(msg, key string) string {
	v := ""
	for _, line := range strings.Split(msg, "\n") {
		if rest, ok := strings.CutPrefix(line, key+": "); ok {
			v = strings.TrimSpace(rest)
		}
	}
	return v
}

// parseWaveTrailer reads "2/4 ring=broad" or "2/4 ring=broad part 1/3".
func parseWaveTrailer(s string) (Wave, error) {
	f := strings.Fields(s)
	var w Wave
	bad := fmt.Errorf("%q: want N/OF KEY=VALUE [part P/PARTS]", s)
	if len(f) != 2 && len(f) != 4 {
		return w, bad
	}
	n, of, ok := fraction(f[0])
	if !ok {
		return w, bad
	}
	w.Number, w.Of = n, of
	if w.Key, w.Value, ok = strings.Cut(f[1], "="); !ok {
		return w, bad
	}
	if len(f) == 4 {
		if f[2] != "part" {
			return w, bad
		}
		if w.Part, w.Parts, ok = fraction(f[3]); !ok {
			return w, bad
		}
	}
	return w, nil
}

func fraction(s string) (int, int, bool) {
	a, b, ok := strings.Cut(s, "/")
	n, err1 := strconv.Atoi(a)
	m, err2 := strconv.Atoi(b)
	return n, m, ok && err1 == nil && err2 == nil && n >= 1 && n <= m
}

// Health is what the management cluster says of one cluster, as the gate needs it.
type Health struct {
	// Found is false when the management cluster has none of the cluster's objects yet.
	Found bool
	// Ready: the HelmRelease and the CAPI Cluster are Ready; ReadySince is when the later of the
	// two became so.
	Ready      bool
	ReadySince time.Time
	// Reconciled: the objects are from the repo's current commit; AppliedAt is when that revision
	// was applied (the soak counts from the later of it and ReadySince, so a cluster that stayed
	// Ready through its upgrade soaks from the upgrade).
	Reconciled bool
	AppliedAt  time.Time
	// Version is the control plane's version as its status reports it; PoolVersions the
	// MachinePools', by pool name.
	Version      string
	PoolVersions map[string]string
	// Drift lists what the cluster has that the repo does not say.
	Drift []string
}

// ClusterGate is one cluster of a wave: at the wave's target, healthy, and since when.
type ClusterGate struct {
	Name     string
	AtTarget bool
	Healthy  bool
	// Since is how long the cluster has been healthy at the target (zero when it is not).
	Since time.Duration
	// Why says what is missing when it is not done ("control plane v1.36.3, want v1.37.2").
	Why string
}

// WaveGate is the state of one wave.
type WaveGate struct {
	WaveState
	Clusters []ClusterGate
	// Done: merged, and every cluster at the target and healthy for the soak time.
	Done bool
}

// Gate is the decision `rollout status` prints: each wave, and whether the next may go.
type Gate struct {
	Waves []WaveGate
	// Next is the first wave not merged (nil: every wave is merged).
	Next *WaveGate
	// MayGo says Next may be merged: every wave before it is done.
	MayGo bool
	// Reason says why (not).
	Reason string
}

// Evaluate decides the gate from the waves and the health of their clusters (health of merged
// waves only is needed; a cluster missing from health has no objects yet).
func Evaluate(waves []WaveState, health map[string]Health, now time.Time, soak time.Duration) Gate {
	var g Gate
	for _, ws := range waves {
		wg := WaveGate{WaveState: ws}
		done := ws.Merged
		for _, name := range ws.Clusters {
			cg := clusterGate(name, ws.Want[name], health[name], now, soak)
			if ws.Merged && !(cg.AtTarget && cg.Healthy && cg.Since >= soak) {
				done = false
			}
			wg.Clusters = append(wg.Clusters, cg)
		}
		wg.Done = done
		g.Waves = append(g.Waves, wg)
	}
	for i := range g.Waves {
		if !g.Waves[i].Merged {
			g.Next = &g.Waves[i]
			break
		}
	}
	var notDone []string
	var last *WaveGate
	for i := range g.Waves {
		w := &g.Waves[i]
		if g.Next != nil && w.Number >= g.Next.Number {
			break
		}
		last = w
		for _, c := range w.Clusters {
			if !(c.AtTarget && c.Healthy && c.Since >= soak) {
				notDone = append(notDone, fmt.Sprintf("%s (wave %d): %s", c.Name, w.Number, c.Why))
			}
		}
	}
	switch {
	case len(waves) == 0:
		g.Reason = "no wave of this rollout was found"
	case len(notDone) > 0:
		g.Reason = "not yet: " + describe(notDone, 5)
	case g.Next == nil:
		g.MayGo = true
		g.Reason = fmt.Sprintf("every wave is merged and every cluster at its target, healthy for %s or more", soak)
	case last == nil:
		g.MayGo = true
		g.Reason = "it is the first wave"
	default:
		g.MayGo = true
		g.Reason = fmt.Sprintf("every cluster of the waves before it is at its target and healthy for %s or more", soak)
	}
	return g
}

func clusterGate(name string, want spec.Cluster, h Health, now time.Time, soak time.Duration) ClusterGate {
	cg := ClusterGate{Name: name}
	var why []string
	if !h.Found {
		cg.Why = "not on the management cluster yet"
		return cg
	}
	if !h.Reconciled {
		why = append(why, "not reconciled to the merged commit yet")
	}
	if h.Version != want.KubernetesVersion {
		why = append(why, fmt.Sprintf("control plane %s, want %s", orNone(h.Version), want.KubernetesVersion))
	}
	for _, p := range want.NodePools {
		if got, wantV := h.PoolVersions[p.Name], want.PoolVersion(p); got != wantV {
			why = append(why, fmt.Sprintf("pool %s %s, want %s", p.Name, orNone(got), wantV))
		}
	}
	if len(h.Drift) > 0 {
		why = append(why, "drift: "+strings.Join(h.Drift, "; "))
	}
	cg.AtTarget = len(why) == 0
	cg.Healthy = h.Ready
	if !h.Ready {
		why = append(why, "not Ready")
	}
	if cg.AtTarget && cg.Healthy {
		since := h.ReadySince
		if h.AppliedAt.After(since) {
			since = h.AppliedAt
		}
		cg.Since = now.Sub(since)
		if cg.Since < soak {
			why = append(why, fmt.Sprintf("healthy for %s, soak is %s", cg.Since.Round(time.Second), soak))
		}
	}
	cg.Why = strings.Join(why, ", ")
	return cg
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
