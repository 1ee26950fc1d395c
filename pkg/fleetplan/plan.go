// Package fleetplan computes the offline plan of a merge: what merging the working tree into the base
// revision does to each AKS cluster of the fleet, in a reviewer's words. Both sides are rendered the
// way Flux renders them (the cluster chart with each cluster's values, the infra folders with
// kustomize) and compared as objects, not as files; each change is classed as create, update in
// place, rolling (nodes replaced one batch at a time), replace (AKS cannot do it in place) or
// destroy.
//
// Only what differs is rendered: clusters whose folder is unchanged (by content key) are not read,
// so a one-cluster change to a 1,000-cluster fleet plans in milliseconds. A change to the cluster
// chart re-plans every cluster.
package fleetplan

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/fleetctl/fleetctl/pkg/chart"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fsview"
)

// APIVersion names the JSON shape of a plan (docs/plan.md).
const APIVersion = "fleetctl.io/plan/v1"

// Action classes a change by what it does to Azure, mildest first.
type Action string

const (
	None    Action = ""
	Update  Action = "update"  // changed in place, nothing replaced
	Rolling Action = "rolling" // nodes are replaced batch by batch (an upgrade)
	Create  Action = "create"
	Replace Action = "replace" // AKS cannot change it in place: a new pool or cluster is needed
	Destroy Action = "destroy"
)

var rank = map[Action]int{None: 0, Update: 1, Rolling: 2, Create: 3, Replace: 4, Destroy: 5}

// Worse returns the more severe of a and b.
func Worse(a, b Action) Action {
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// Plan is what merging does.
type Plan struct {
	APIVersion string `json:"apiVersion"`
	// Base and Head name the two sides, e.g. "main" and "working tree".
	Base string `json:"base"`
	Head string `json:"head"`
	// Clusters are the clusters that change, by name.
	Clusters []Cluster `json:"clusters"`
	// Infra are the changed folders that Flux applies to workload clusters, with the clusters each
	// reaches.
	Infra []Infra `json:"infra"`
	// Files are the other changed files (management, docs, the chart itself), repo-relative.
	Files   []FileChange `json:"files"`
	Summary Summary      `json:"summary"`
}

// Cluster is the plan of one cluster.
type Cluster struct {
	Name          string   `json:"name"`
	ResourceGroup string   `json:"resourceGroup,omitempty"`
	Location      string   `json:"location,omitempty"`
	Action        Action   `json:"action"`
	Changes       []Change `json:"changes"`
	// Objects are the rendered objects that change, as the API server would see them.
	Objects []ObjectChange `json:"objects"`
}

// Change is one thing that happens, in a reviewer's words.
type Change struct {
	Action Action `json:"action"`
	// Subject is what changes: "cluster", "control plane", "node pool work".
	Subject string `json:"subject"`
	// Description says what happens, e.g. "scaled 3 → 5".
	Description string `json:"description"`
	// Reason says why a replace or a destroy is one, or what AKS refuses.
	Reason string `json:"reason,omitempty"`
}

// ObjectChange is one object created, changed or deleted.
type ObjectChange struct {
	Action     Action  `json:"action"` // create, update or destroy
	APIVersion string  `json:"apiVersion"`
	Kind       string  `json:"kind"`
	Namespace  string  `json:"namespace,omitempty"`
	Name       string  `json:"name"`
	Fields     []Field `json:"fields,omitempty"`
}

// ID is "Kind namespace/name".
func (o ObjectChange) ID() string {
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// Field is one changed field of an object.
type Field struct {
	Path string `json:"path"`
	// From and To are the values in compact YAML ("" when the field is added or removed).
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Infra is a folder that Flux Kustomizations apply to workload clusters, changed.
type Infra struct {
	Path     string         `json:"path"`
	Clusters []string       `json:"clusters"`
	Files    []string       `json:"files"`
	Objects  []ObjectChange `json:"objects"`
	// Error is set when a side does not build (validate says why).
	Error string `json:"error,omitempty"`
}

// FileChange is a changed file the plan has no object view of.
type FileChange struct {
	Path   string `json:"path"`
	Change string `json:"change"` // added, modified, deleted
}

// Summary counts the plan.
type Summary struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Rolling int `json:"rolling"`
	Replace int `json:"replace"`
	Destroy int `json:"destroy"`
	// ClustersChanged is the number of clusters with any change.
	ClustersChanged int `json:"clustersChanged"`
}

// Destructive reports whether the plan destroys or replaces anything (plan --exit-code).
func (p *Plan) Destructive() bool { return p.Summary.Replace > 0 || p.Summary.Destroy > 0 }

// Options are the two sides of the plan.
type Options struct {
	// Head is the tree that would be merged (the working tree); Base is the tree it merges into.
	Head, Base *fleet.Fleet
	// HeadName and BaseName label the sides in the output.
	HeadName, BaseName string
}

type side struct {
	f      *fleet.Fleet
	listed map[string]bool

	chartOnce sync.Once
	chart     *chart.Chart
	chartErr  error
}

func (s *side) loadChart() (*chart.Chart, error) {
	s.chartOnce.Do(func() { s.chart, s.chartErr = chart.Load(s.f.FS, s.f.ChartDir()) })
	return s.chart, s.chartErr
}

// Compute computes the plan of merging o.Head into o.Base.
func Compute(o Options) (*Plan, error) {
	if o.Head == nil || o.Base == nil {
		return nil, errors.New("plan: both sides are needed")
	}
	head, base := &side{f: o.Head}, &side{f: o.Base}
	for _, s := range []*side{head, base} {
		l, err := s.f.ListedClusters()
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		s.listed = l
	}
	p := &Plan{APIVersion: APIVersion, Base: o.BaseName, Head: o.HeadName, Clusters: []Cluster{}, Infra: []Infra{}, Files: []FileChange{}}

	// The clusters: those whose folder differs, those whose listing differs, and all of them when
	// the chart changed.
	names := map[string]bool{}
	changed, err := changedFolders(head.f, base.f)
	if err != nil {
		return nil, err
	}
	for n := range changed {
		names[n] = true
	}
	for n := range head.listed {
		if !base.listed[n] {
			names[n] = true
		}
	}
	for n := range base.listed {
		if !head.listed[n] {
			names[n] = true
		}
	}
	chartChanged := treeDiffers(head.f.FS, base.f.FS, head.f.ChartDir())
	if chartChanged {
		for n := range head.listed {
			names[n] = true
		}
	}
	sorted := sortedKeys(names)
	plans := make([]*Cluster, len(sorted))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	errs := make([]error, len(sorted))
	for i, n := range sorted {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			plans[i], errs[i] = planCluster(n, base, head)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, c := range plans {
		if c != nil && (c.Action != None || len(c.Objects) > 0) {
			p.Clusters = append(p.Clusters, *c)
		}
	}

	// Files outside the cluster folders.
	files, err := changedFiles(head.f, base.f)
	if err != nil {
		return nil, err
	}
	infra, rest := planInfra(head, base, files)
	p.Infra = infra
	for _, fc := range rest {
		if chartChanged && strings.HasPrefix(fc.Path, head.f.ChartDir()+"/") {
			fc.Change += " (the cluster chart: every cluster is re-rendered above)"
		}
		p.Files = append(p.Files, fc)
	}
	p.summarize()
	return p, nil
}

func (p *Plan) summarize() {
	var s Summary
	count := func(a Action) {
		switch a {
		case Create:
			s.Create++
		case Update:
			s.Update++
		case Rolling:
			s.Rolling++
		case Replace:
			s.Replace++
		case Destroy:
			s.Destroy++
		}
	}
	for _, c := range p.Clusters {
		if c.Action != None {
			s.ClustersChanged++
		}
		for _, ch := range c.Changes {
			count(ch.Action)
		}
	}
	for _, in := range p.Infra {
		for _, o := range in.Objects {
			count(o.Action)
		}
	}
	p.Summary = s
}

// changedFolders are the cluster folders whose content differs between the sides.
func changedFolders(head, base *fleet.Fleet) (map[string]bool, error) {
	out := map[string]bool{}
	for _, s := range []*fleet.Fleet{head, base} {
		names, err := s.ClusterFolders()
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		for _, n := range names {
			if !out[n] && treeDiffers(head.FS, base.FS, head.ClusterDir(n)) {
				out[n] = true
			}
		}
	}
	return out, nil
}

// treeDiffers compares a folder of both views by content key.
func treeDiffers(a, b fs.FS, dir string) bool {
	x, okA := fsview.TreeID(a, dir)
	y, okB := fsview.TreeID(b, dir)
	return okA != okB || x != y
}

// changedFiles lists the files outside the cluster folders that differ, by content key.
func changedFiles(head, base *fleet.Fleet) ([]FileChange, error) {
	skip, list := head.ClustersDir(), head.ClustersKustomization()
	ids := func(fsys fs.FS) (map[string]string, error) {
		out := map[string]string{}
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == "." {
					return err
				}
				return nil
			}
			if d.IsDir() {
				if p == ".git" || strings.HasPrefix(p, skip+"/") {
					return fs.SkipDir // git's own folder; a cluster folder is compared as a folder
				}
				return nil
			}
			if p == list {
				return nil // the clusters list: its changes are the clusters created and destroyed
			}
			id, ok := fsview.BlobID(fsys, p)
			if !ok {
				return nil
			}
			out[p] = id
			return nil
		})
		return out, err
	}
	h, err := ids(head.FS)
	if err != nil {
		return nil, err
	}
	b, err := ids(base.FS)
	if err != nil {
		return nil, err
	}
	var out []FileChange
	for _, p := range sortedKeys(h) {
		switch id, ok := b[p]; {
		case !ok:
			out = append(out, FileChange{Path: p, Change: "added"})
		case id != h[p]:
			out = append(out, FileChange{Path: p, Change: "modified"})
		}
	}
	for _, p := range sortedKeys(b) {
		if _, ok := h[p]; !ok {
			out = append(out, FileChange{Path: p, Change: "deleted"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// under reports whether repo path p is dir or inside it.
func under(p, dir string) bool {
	dir = path.Clean(dir)
	return dir == "." || p == dir || strings.HasPrefix(p, dir+"/")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
