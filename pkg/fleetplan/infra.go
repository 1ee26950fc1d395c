package fleetplan

import (
	"bytes"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	kio "sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/fleetctl/fleetctl/pkg/fsview"
)

// target is a folder Flux applies, and to which clusters.
type target struct {
	dir      string   // repo path
	clusters []string // the workload clusters whose Kustomizations apply it, or the management cluster
}

// ManagementCluster names the management cluster in Infra.Clusters.
const ManagementCluster = "(management cluster)"

// targets are the folders the clusters' Flux Kustomizations apply (their fluxPath and infraPath,
// on either side), and the management folder.
func targets(head, base *side) []target {
	byDir := map[string]map[string]bool{}
	add := func(dir, cluster string) {
		dir = path.Clean(strings.TrimPrefix(dir, "./"))
		if byDir[dir] == nil {
			byDir[dir] = map[string]bool{}
		}
		byDir[dir][cluster] = true
	}
	for _, s := range []*side{head, base} {
		names := sortedKeys(s.listed)
		for _, sum := range s.f.Summaries(names) {
			if sum.Err != "" {
				continue
			}
			c := sum.Cluster()
			add(or(c.Flux.FluxPath, "./infra/flux-system"), sum.Name)
			add(or(c.Flux.InfraPath, "./infra"), sum.Name)
		}
	}
	add(head.f.Config.Paths.Management, ManagementCluster)
	var out []target
	for _, d := range sortedKeys(byDir) {
		out = append(out, target{dir: d, clusters: sortedKeys(byDir[d])})
	}
	return out
}

// planInfra builds, on both sides, each folder that a changed file may reach, and returns the
// folders that change with their object diff; rest are the changed files no folder reads.
func planInfra(head, base *side, files []FileChange) (infra []Infra, rest []FileChange) {
	infra = []Infra{}
	if len(files) == 0 {
		return infra, nil
	}
	ts := targets(head, base)
	type built struct {
		objs []object
		read map[string]bool
		err  error
	}
	results := make([][2]built, len(ts))
	var wg sync.WaitGroup
	for i, t := range ts {
		for j, s := range []*side{base, head} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				objs, read, err := buildDir(s.f.FS, t.dir)
				results[i][j] = built{objs, read, err}
			}()
		}
	}
	wg.Wait()
	reached := map[string]bool{}
	for i, t := range ts {
		b, h := results[i][0], results[i][1]
		var touched []string
		for _, fc := range files {
			if b.read[fc.Path] || h.read[fc.Path] || under(fc.Path, t.dir) {
				touched = append(touched, fc.Path)
				reached[fc.Path] = true
			}
		}
		if len(touched) == 0 {
			continue
		}
		in := Infra{Path: t.dir, Clusters: t.clusters, Files: touched, Objects: []ObjectChange{}}
		switch {
		case h.err != nil:
			in.Error = "does not build: " + h.err.Error()
		case b.err != nil && !isNotExist(b.err):
			in.Error = "does not build at the base: " + b.err.Error()
		default:
			in.Objects = diffObjectSets(b.objs, h.objs)
		}
		if in.Error != "" || len(in.Objects) > 0 {
			infra = append(infra, in)
		}
	}
	for _, fc := range files {
		if !reached[fc.Path] {
			rest = append(rest, fc)
		}
	}
	return infra, rest
}

func isNotExist(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "no such file") || strings.Contains(err.Error(), "does not exist"))
}

// recording notes the files kustomize reads.
type recording struct {
	filesys.FileSystem
	mu   *sync.Mutex
	read map[string]bool
}

func (r recording) ReadFile(p string) ([]byte, error) {
	r.mu.Lock()
	r.read[strings.TrimPrefix(path.Clean(p), "/")] = true
	r.mu.Unlock()
	return r.FileSystem.ReadFile(p)
}

// buildDir renders a folder as Flux applies it: kustomize when it has a kustomization, else every
// YAML file under it (kustomize-controller generates the same list).
func buildDir(fsys fs.FS, dir string) ([]object, map[string]bool, error) {
	read := map[string]bool{}
	if st, err := fs.Stat(fsys, dir); err != nil || !st.IsDir() {
		return nil, read, fs.ErrNotExist
	}
	hasKustomization := false
	for _, n := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if _, err := fs.Stat(fsys, path.Join(dir, n)); err == nil {
			hasKustomization = true
		}
	}
	if !hasKustomization {
		var objs []object
		err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || (path.Ext(p) != ".yaml" && path.Ext(p) != ".yml") {
				return err
			}
			read[p] = true
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
			if err != nil {
				return err
			}
			for _, n := range nodes {
				m, err := n.Map()
				if err != nil {
					return err
				}
				objs = append(objs, object{apiVersion: n.GetApiVersion(), kind: n.GetKind(), namespace: n.GetNamespace(), name: n.GetName(), body: m})
			}
			return nil
		})
		return objs, read, err
	}
	rec := recording{FileSystem: fsview.Kustomize(fsys), mu: &sync.Mutex{}, read: read}
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(rec, "/"+dir)
	if err != nil {
		return nil, read, err
	}
	var objs []object
	for _, r := range rm.Resources() {
		m, err := r.Map()
		if err != nil {
			return nil, read, err
		}
		objs = append(objs, object{apiVersion: r.GetApiVersion(), kind: r.GetKind(), namespace: r.GetNamespace(), name: r.GetName(), body: m})
	}
	slices.SortFunc(objs, func(a, b object) int { return strings.Compare(a.key(), b.key()) })
	return objs, read, nil
}
