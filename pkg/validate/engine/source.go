package engine

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing/fstest"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/fluxcd/pkg/sourceignore"
	"github.com/fluxcd/pkg/sourceignore/gitignore"
	"sigs.k8s.io/yaml"
)

// An artifact is the tree a Flux source hands to kustomize-controller: for the repo's own
// GitRepository, the repo without what source-controller leaves out of the artifact (its default
// ignore patterns, .sourceignore files and spec.ignore); for an ExternalArtifact of an
// ArtifactGenerator, the tree its copy rules lay out. origin maps a path of the artifact back to the
// repo file it came from, so findings name repo files.
type artifact struct {
	fs     fs.FS
	origin func(p string) string
	// merged lists every repo file merged into an artifact file (the Merge strategy), last wins;
	// nil for a plain copy.
	merged func(p string) []string
}

// ignoredFS hides the files source-controller does not put into a GitRepository's artifact.
type ignoredFS struct {
	base fs.FS
	m    gitignore.Matcher
}

// gitArtifact is the artifact source-controller makes of the repo: the VCS, CI and extra default
// patterns, every .sourceignore of the repo, and the GitRepository's spec.ignore, matched as
// source-controller matches them (github.com/fluxcd/pkg/sourceignore).
func gitArtifact(view fs.FS, specIgnore string) artifact {
	var ps []gitignore.Pattern
	_ = fs.WalkDir(view, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && d.Name() == ".git" {
			return fs.SkipDir
		}
		if !d.IsDir() && d.Name() == sourceignore.IgnoreFile {
			if data, err := fs.ReadFile(view, p); err == nil {
				var domain []string
				if dir := path.Dir(p); dir != "." {
					domain = strings.Split(dir, "/")
				}
				ps = append(ps, sourceignore.ReadPatterns(strings.NewReader(string(data)), domain)...)
			}
		}
		return nil
	})
	if specIgnore != "" {
		ps = append(ps, sourceignore.ReadPatterns(strings.NewReader(specIgnore), nil)...)
	}
	// As source-controller's archive filter: the default patterns only when the repo sets none
	// of its own; the VCS patterns always.
	m := sourceignore.NewDefaultMatcher(ps, nil)
	if len(ps) > 0 {
		m = sourceignore.NewMatcher(append(sourceignore.VCSPatterns(nil), ps...))
	}
	return artifact{fs: ignoredFS{base: view, m: m}, origin: func(p string) string { return p }}
}

// ignored reports whether the archive leaves a path out. Like source-controller's archive walk,
// which tests every path on its own and never skips a folder's contents, only files are left
// out: a folder stays (its kept files are in the artifact, under it), even one a pattern matches.
func (i ignoredFS) ignored(name string, dir bool) bool {
	if name == "." || dir {
		return false
	}
	return i.m.Match(strings.Split(name, "/"), false)
}

func (i ignoredFS) Open(name string) (fs.File, error) {
	if st, err := fs.Stat(i.base, name); err == nil && i.ignored(name, st.IsDir()) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	f, err := i.base.Open(name)
	if err != nil {
		return nil, err
	}
	if rd, ok := f.(fs.ReadDirFile); ok {
		return ignoredDir{ReadDirFile: rd, fs: i, name: name}, nil
	}
	return f, nil
}

func (i ignoredFS) ReadDir(name string) ([]fs.DirEntry, error) {
	es, err := fs.ReadDir(i.base, name)
	if err != nil {
		return nil, err
	}
	out := es[:0:0]
	for _, e := range es {
		if !i.ignored(path.Join(name, e.Name()), e.IsDir()) {
			out = append(out, e)
		}
	}
	return out, nil
}

type ignoredDir struct {
	fs.ReadDirFile
	fs   ignoredFS
	name string
}

func (d ignoredDir) ReadDir(n int) ([]fs.DirEntry, error) {
	es, err := d.fs.ReadDir(d.name)
	if err != nil || n <= 0 {
		return es, err
	}
	if len(es) > n {
		es = es[:n]
	}
	return es, nil
}

// generatedArtifact lays out the tree of one artifact of an ArtifactGenerator from its copy
// operations, as source-watcher's builder does: "@alias/pattern" selects files of a source (a glob
// is matched one level deep, as fs.Glob does, and a matched folder is copied whole; "dir/**"
// copies the contents of dir), "@artifact/path" is where they go (a trailing slash means "into
// this folder"), exclude patterns are doublestar globs (a pattern without "/" matches a file name
// at any depth), and the Merge strategy merges a YAML file into one already copied, the later one
// winning key by key. sources maps each alias to its artifact.
func generatedArtifact(ops []copyOp, sources map[string]artifact) (artifact, error) {
	files := map[string][]byte{}
	origin := map[string]string{}
	merged := map[string][]string{}
	put := func(dst string, src artifact, srcPath string, merge bool) error {
		data, err := fs.ReadFile(src.fs, srcPath)
		if err != nil {
			return err
		}
		if old, ok := files[dst]; ok && merge {
			merged[dst] = append(append(merged[dst], origin[dst]), src.origin(srcPath))
			var a, b map[string]any
			if yaml.Unmarshal(old, &a) == nil && yaml.Unmarshal(data, &b) == nil {
				merged, err := yaml.Marshal(mergeMaps(a, b))
				if err != nil {
					return err
				}
				data = merged
			}
		}
		if !merge {
			delete(merged, dst)
		}
		files[dst] = data
		origin[dst] = src.origin(srcPath)
		return nil
	}
	copyTree := func(src artifact, srcPath, dst string, op copyOp, excludeBase string) error {
		st, err := fs.Stat(src.fs, srcPath)
		if err != nil {
			return err
		}
		if !st.IsDir() {
			return put(dst, src, srcPath, op.Strategy == "Merge")
		}
		return fs.WalkDir(src.fs, srcPath, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p == srcPath {
				return nil
			}
			if excluded(p, excludeBase, op.Exclude) {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			return put(path.Join(dst, strings.TrimPrefix(p, srcPath+"/")), src, p, false)
		})
	}
	for _, op := range ops {
		alias, pattern, ok := strings.Cut(strings.TrimPrefix(op.From, "@"), "/")
		if !strings.HasPrefix(op.From, "@") || !ok {
			return artifact{}, fmt.Errorf("copy from %q: must be @<alias>/<path>", op.From)
		}
		src, ok := sources[alias]
		if !ok {
			return artifact{}, fmt.Errorf("copy from %q: source alias %q not found", op.From, alias)
		}
		if !strings.HasPrefix(op.To, "@artifact/") {
			return artifact{}, fmt.Errorf("copy to %q: must start with @artifact/", op.To)
		}
		dest := path.Clean(strings.TrimPrefix(op.To, "@artifact/"))
		if op.Strategy == "Extract" {
			return artifact{}, fmt.Errorf("copy from %q: the Extract strategy (tarballs) is not laid out offline", op.From)
		}
		if !strings.ContainsAny(pattern, "*?[") {
			p := path.Clean(pattern)
			st, err := fs.Stat(src.fs, p)
			if err != nil {
				return artifact{}, fmt.Errorf("copy from %q: source %q does not exist", op.From, p)
			}
			switch {
			case st.IsDir():
				err = copyTree(src, p, path.Join(dest, path.Base(p)), op, p)
			case strings.HasSuffix(op.To, "/") || isDirIn(files, dest):
				err = copyTree(src, p, path.Join(dest, path.Base(p)), op, ".")
			default:
				err = copyTree(src, p, dest, op, ".")
			}
			if err != nil {
				return artifact{}, err
			}
			continue
		}
		matches, err := fs.Glob(src.fs, pattern)
		if err != nil {
			return artifact{}, fmt.Errorf("copy from %q: %w", op.From, err)
		}
		base := selectionRoot(pattern)
		var kept []string
		for _, m := range matches {
			if m != "." && !excluded(m, base, op.Exclude) {
				kept = append(kept, m)
			}
		}
		if len(kept) == 0 {
			return artifact{}, fmt.Errorf("copy from %q: no files match", op.From)
		}
		for _, m := range kept {
			dst := path.Join(dest, m)
			if prefix, ok := strings.CutSuffix(pattern, "/**"); ok {
				if rel, ok := strings.CutPrefix(m, prefix+"/"); ok {
					dst = path.Join(dest, rel)
				}
			}
			if err := copyTree(src, m, dst, op, base); err != nil {
				return artifact{}, err
			}
		}
	}
	m := fstest.MapFS{}
	for p, data := range files {
		m[p] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return artifact{fs: m, origin: func(p string) string {
		if o, ok := origin[p]; ok {
			return o
		}
		return p
	}, merged: func(p string) []string { return merged[p] }}, nil
}

// copyOp is one copy operation of an ArtifactGenerator's artifact.
type copyOp struct {
	From     string   `json:"from"`
	To       string   `json:"to"`
	Exclude  []string `json:"exclude,omitempty"`
	Strategy string   `json:"strategy,omitempty"`
}

func isDirIn(files map[string][]byte, dir string) bool {
	for p := range files {
		if strings.HasPrefix(p, dir+"/") {
			return true
		}
	}
	return false
}

// selectionRoot is the part of a glob before its first wildcard element.
func selectionRoot(pattern string) string {
	var parts []string
	for _, part := range strings.Split(path.Clean(pattern), "/") {
		if strings.ContainsAny(part, "*?[") {
			break
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return "."
	}
	return path.Join(parts...)
}

func excluded(p, base string, patterns []string) bool {
	match := func(p string) bool {
		for _, pat := range patterns {
			if ok, _ := doublestar.Match(pat, p); ok {
				return true
			}
			if !strings.Contains(pat, "/") {
				if ok, _ := doublestar.Match(pat, path.Base(p)); ok {
					return true
				}
			}
		}
		return false
	}
	if len(patterns) == 0 {
		return false
	}
	if match(p) {
		return true
	}
	if base != "." && strings.HasPrefix(p, base+"/") {
		return match(strings.TrimPrefix(p, base+"/"))
	}
	return false
}

// mergeMaps merges b over a, key by key, as Helm merges values: maps merge, anything else is
// replaced.
func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeMaps(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
