package fleet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/strictyaml"
	"github.com/fleetctl/fleetctl/pkg/yamledit"
	"github.com/fleetctl/fleetctl/templates"
)

// ClusterSource is one cluster as its folder defines it: the values Flux gives the chart, read from
// values.yaml (the HelmRelease's valuesFrom ConfigMap) and from the HelmRelease's inline spec.values,
// which Flux merges on top. Edits go to the file that defines the value, in place, keeping every other
// byte; nothing is written until the caller applies Changes.
type ClusterSource struct {
	Name string
	// Dir is the repo-relative cluster folder.
	Dir string
	// Values are the effective values (values.yaml, then spec.values merged over it key by key).
	Values spec.Values
	// Cluster is Values in model form; pools sorted by name.
	Cluster spec.Cluster

	layers []*layer       // highest precedence first: inline spec.values, then values.yaml
	merged map[string]any // the values as Flux gives them to the chart
}

// layer is one place values are written.
type layer struct {
	file   string   // repo-relative
	doc    int      // document index in the file
	prefix []string // path of the values inside the document
	orig   []byte
	cur    []byte
}

func (l *layer) path(p []string) []string { return append(slices.Clone(l.prefix), p...) }

// where names values path p in the layer's file for messages, e.g. "values.yaml (nodePools.work)".
func (l *layer) where(p []string) string {
	if full := l.path(p); len(full) > 0 {
		return fmt.Sprintf("%s (%s)", l.file, strings.Join(full, "."))
	}
	return l.file
}

func (l *layer) lookup(p []string) (*yaml.Node, error) {
	n, err := yamledit.Lookup(l.cur, l.doc, l.path(p))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.file, err)
	}
	return n, nil
}

// NotFoundError says a cluster has no folder.
type NotFoundError struct {
	Name, Dir string
	Known     []string
}

func (e *NotFoundError) Error() string {
	known := "none"
	if len(e.Known) > 0 {
		known = strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("cluster %q not found: no folder %s (clusters: %s)", e.Name, e.Dir, known)
}

// LoadCluster reads cluster name's folder.
func (f *Fleet) LoadCluster(name string) (*ClusterSource, error) {
	if err := spec.ValidateName(name); err != nil {
		return nil, err
	}
	dir := f.ClusterDir(name)
	if st, err := fs.Stat(f.FS, dir); err != nil || !st.IsDir() {
		known, _ := f.ClusterFolders()
		return nil, &NotFoundError{Name: name, Dir: dir, Known: known}
	}
	s := &ClusterSource{Name: name, Dir: dir}
	hr, err := f.findHelmRelease(dir)
	if err != nil {
		return nil, err
	}
	if hr != nil {
		s.layers = append(s.layers, hr)
	}
	valuesPath := path.Join(dir, ValuesFile)
	data, err := f.readRepoFile(valuesPath)
	switch {
	case err == nil:
		s.layers = append(s.layers, &layer{file: valuesPath, orig: data, cur: data})
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	case hr == nil:
		return nil, fmt.Errorf("%s: neither %s nor a HelmRelease with spec.values: not a cluster folder fleetctl can read", dir, ValuesFile)
	}
	if err := s.refresh(); err != nil {
		return nil, err
	}
	if s.Values.Name != "" && s.Values.Name != name {
		return nil, fmt.Errorf("%s: values name %q differs from the folder name %q; fleetctl names clusters after their folder: fix one of them by hand", dir, s.Values.Name, name)
	}
	return s, nil
}

// ClusterFolders returns the names of the folders under the clusters folder, sorted.
func (f *Fleet) ClusterFolders() ([]string, error) {
	entries, err := fs.ReadDir(f.FS, f.ClustersDir())
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// findHelmRelease returns the layer of the folder's HelmRelease inline values, or nil when the
// HelmRelease has no spec.values. A folder without a HelmRelease, or with several, is refused.
func (f *Fleet) findHelmRelease(dir string) (*layer, error) {
	entries, err := fs.ReadDir(f.FS, dir)
	if err != nil {
		return nil, err
	}
	type hit struct {
		file string
		doc  int
		data []byte
		vals *yaml.Node
	}
	var hits []hit
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") || e.Name() == ValuesFile {
			continue
		}
		rel := path.Join(dir, e.Name())
		data, err := f.readRepoFile(rel)
		if err != nil {
			return nil, err
		}
		if !bytes.Contains(data, []byte("HelmRelease")) {
			continue
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for i := 0; ; i++ {
			var n yaml.Node
			if err := dec.Decode(&n); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, fmt.Errorf("%s: %w", rel, err)
			}
			var head struct {
				APIVersion string `yaml:"apiVersion"`
				Kind       string `yaml:"kind"`
			}
			if n.Decode(&head) != nil || head.Kind != "HelmRelease" || !strings.HasPrefix(head.APIVersion, "helm.toolkit.fluxcd.io/") {
				continue
			}
			vals, err := yamledit.Lookup(data, i, []string{"spec", "values"})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", rel, err)
			}
			hits = append(hits, hit{rel, i, data, vals})
		}
	}
	switch len(hits) {
	case 0:
		return nil, fmt.Errorf("%s: no Flux HelmRelease found: not a cluster folder fleetctl can read", dir)
	case 1:
	default:
		return nil, fmt.Errorf("%s: %d HelmReleases (%s and %s); fleetctl reads folders with exactly one", dir, len(hits), hits[0].file, hits[1].file)
	}
	h := hits[0]
	if h.vals == nil || (h.vals.Kind == yaml.ScalarNode && h.vals.ShortTag() == "!!null") {
		return nil, nil
	}
	if h.vals.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: spec.values is not a mapping", h.file)
	}
	return &layer{file: h.file, doc: h.doc, prefix: []string{"spec", "values"}, orig: h.data, cur: h.data}, nil
}

// refresh decodes the effective values from the layers' current bytes.
func (s *ClusterSource) refresh() error {
	merged := map[string]any{}
	var files []string
	for i := len(s.layers) - 1; i >= 0; i-- { // lowest precedence first
		l := s.layers[i]
		files = append(files, l.where(nil))
		var m map[string]any
		if len(l.prefix) == 0 {
			if err := yaml.Unmarshal(l.cur, &m); err != nil {
				return fmt.Errorf("%s: %w", l.file, err)
			}
		} else {
			n, err := l.lookup(nil)
			if err != nil {
				return err
			}
			if n != nil {
				if err := n.Decode(&m); err != nil {
					return fmt.Errorf("%s: spec.values: %w", l.file, err)
				}
			}
		}
		mergeMaps(merged, m)
	}
	data, err := json.Marshal(merged)
	if err != nil {
		return fmt.Errorf("%s: values: %w", s.Dir, err)
	}
	var v spec.Values
	if err := strictyaml.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("%s: values in %s are not in the aks-cluster chart's shape: %w", s.Dir, strings.Join(files, " and "), err)
	}
	s.Values = v
	s.merged = merged
	var c spec.Cluster
	c.Overlay(v)
	if c.Name == "" {
		c.Name = s.Name
	}
	s.Cluster = c
	return nil
}

// mergeMaps merges src into dst the way Helm and Flux merge values: maps key by key, anything else
// replaced.
func mergeMaps(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeMaps(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// Has reports whether any file of the cluster sets the values path.
func (s *ClusterSource) Has(p ...string) (bool, error) {
	for _, l := range s.layers {
		n, err := l.lookup(p)
		if err != nil {
			return false, err
		}
		if n != nil {
			return true, nil
		}
	}
	return false, nil
}

// owner returns the highest-precedence layer that sets p, or nil. A layer that sets a prefix of p to
// something that is not a mapping cannot hold p: that is an error.
func (s *ClusterSource) owner(p []string) (*layer, error) {
	for _, l := range s.layers {
		n, err := l.lookup(p)
		if err != nil {
			return nil, err
		}
		if n != nil {
			return l, nil
		}
		for i := len(p) - 1; i > 0; i-- {
			n, err := l.lookup(p[:i])
			if err != nil {
				return nil, err
			}
			if n == nil {
				continue
			}
			if n.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("%s is not a mapping; fleetctl cannot set %s under it", l.where(p[:i]), strings.Join(p, "."))
			}
			break
		}
	}
	return nil, nil
}

// parentOwner returns the layer to insert p into: the one that holds p's parent mapping, values.yaml
// first, since that is where fleetctl writes values.
func (s *ClusterSource) parentOwner(p []string) (*layer, error) {
	for i := len(s.layers) - 1; i >= 0; i-- {
		l := s.layers[i]
		n, err := l.lookup(p[:len(p)-1])
		if err != nil {
			return nil, err
		}
		if n != nil && n.Kind == yaml.MappingNode {
			return l, nil
		}
	}
	return nil, fmt.Errorf("%s: no file of the cluster holds %s, so there is no place to add %s", s.Dir, strings.Join(p[:len(p)-1], "."), p[len(p)-1])
}

// SetScalar sets the scalar at values path p in the file that defines it (the HelmRelease's inline
// values win over values.yaml, as in Flux), keeping every other byte.
func (s *ClusterSource) SetScalar(p []string, value string, kind yamledit.Kind) error {
	l, err := s.owner(p)
	if err != nil {
		return err
	}
	if l == nil {
		return s.SetNode(p, scalarNode(value, kind), "")
	}
	out, _, err := yamledit.SetScalar(l.cur, l.doc, l.path(p), value, kind)
	if err != nil {
		return fmt.Errorf("%s: %w", l.where(p), err)
	}
	l.cur = out
	return s.refresh()
}

// SetNode sets values path p to node: in place where a file defines p, else added to the file that
// holds p's parent, after sibling key after.
func (s *ClusterSource) SetNode(p []string, node *yaml.Node, after string) error {
	l, err := s.owner(p)
	if err != nil {
		return err
	}
	if l == nil && after != "" {
		// next to its sibling, where that is set: a value replacing another lands where it was
		sibling := append(slices.Clone(p[:len(p)-1]), after)
		if l, err = s.owner(sibling); err != nil {
			return err
		}
	}
	if l == nil {
		if l, err = s.parentOwner(p); err != nil {
			return err
		}
	}
	out, _, err := yamledit.SetNode(l.cur, l.doc, l.path(p), node, after)
	if err != nil {
		return fmt.Errorf("%s: %w", l.where(p), err)
	}
	l.cur = out
	// A lower layer's map under p would merge into the new value: it must go.
	for _, other := range s.layers {
		if other == l {
			continue
		}
		if err := other.delete(p); err != nil {
			return err
		}
	}
	return s.refresh()
}

// Delete removes values path p from every file of the cluster that sets it.
func (s *ClusterSource) Delete(p ...string) error {
	for _, l := range s.layers {
		if err := l.delete(p); err != nil {
			return err
		}
	}
	return s.refresh()
}

func (l *layer) delete(p []string) error {
	out, _, err := yamledit.DeleteKey(l.cur, l.doc, l.path(p))
	if err != nil {
		return fmt.Errorf("%s: %w", l.where(p), err)
	}
	l.cur = out
	return nil
}

// Changes returns the files the edits changed, sorted by path.
func (s *ClusterSource) Changes() []fsx.Change {
	var out []fsx.Change
	for _, l := range s.layers {
		if !bytes.Equal(l.orig, l.cur) {
			out = append(out, fsx.Change{Path: l.file, Content: l.cur})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Original returns the content a changed file had when the cluster was loaded.
func (s *ClusterSource) Original(file string) ([]byte, bool) {
	for _, l := range s.layers {
		if l.file == file {
			return l.orig, true
		}
	}
	return nil, false
}

// Files returns the repo-relative files the cluster's values come from, highest precedence first.
func (s *ClusterSource) Files() []string {
	out := make([]string, len(s.layers))
	for i, l := range s.layers {
		out[i] = l.file
	}
	return out
}

func scalarNode(value string, kind yamledit.Kind) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: value, Tag: "!!str"}
	if kind == yamledit.Int {
		n.Tag = "!!int"
	}
	return n
}

// PoolNode renders pool p as the values template writes it (with its "# immutable" comments), for
// adding it to an existing values file.
func (f *Fleet) PoolNode(c spec.Cluster, p spec.NodePool) (*yaml.Node, error) {
	c.NodePools = []spec.NodePool{p}
	data, err := f.engine.Render(templates.ClusterValues, f.clusterData(c), 1)
	if err != nil {
		return nil, err
	}
	n, err := yamledit.Lookup(data, 0, []string{"nodePools", p.Name})
	if err != nil {
		return nil, fmt.Errorf("values template: %w", err)
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("values template: renders no mapping at nodePools.%s", p.Name)
	}
	return n, nil
}

// Pool returns the cluster's node pool of that name, or an error naming the pools it has.
func (s *ClusterSource) Pool(name string) (spec.NodePool, error) {
	if p, ok := s.Cluster.Pool(name); ok {
		return p, nil
	}
	names := make([]string, len(s.Cluster.NodePools))
	for i, p := range s.Cluster.NodePools {
		names[i] = p.Name
	}
	return spec.NodePool{}, fmt.Errorf("cluster %q has no node pool %q (pools: %s)", s.Name, name, strings.Join(names, ", "))
}

// Want returns a copy of the cluster as read, safe to change: the target a command's edits must
// reach (see Reached).
func (s *ClusterSource) Want() spec.Cluster {
	c := s.Cluster
	c.NodePools = slices.Clone(c.NodePools)
	return c
}

// Reached checks that the edited files give exactly the cluster want: a command computes the result
// it means, edits the files, and refuses to write when the two disagree (for example a value the
// edit could not reach because another file overrides it).
func (s *ClusterSource) Reached(want spec.Cluster) error {
	if reflect.DeepEqual(normalize(s.Cluster), normalize(want)) {
		return nil
	}
	return fmt.Errorf("%s: the edited files do not give the intended values (%s); nothing written: edit the values by hand", s.Dir, strings.Join(s.Files(), ", "))
}

func normalize(c spec.Cluster) spec.Cluster {
	c.NodePools = slices.Clone(c.NodePools)
	sort.Slice(c.NodePools, func(i, j int) bool { return c.NodePools[i].Name < c.NodePools[j].Name })
	for i, p := range c.NodePools {
		if len(p.Zones) == 0 {
			c.NodePools[i].Zones = nil
		}
		if len(p.Labels) == 0 {
			c.NodePools[i].Labels = nil
		}
		if len(p.Taints) == 0 {
			c.NodePools[i].Taints = nil
		}
	}
	if len(c.MaintenanceWindows) == 0 {
		c.MaintenanceWindows = nil
	}
	return c
}

// Effective returns a copy of the merged values as the chart receives them.
func (s *ClusterSource) Effective() map[string]any {
	return deepCopy(s.merged).(map[string]any)
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}
