package engine

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/fluxcd/pkg/envsubst"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resmap"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fsview"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/validate"
	"github.com/fleetctl/fleetctl/pkg/yamlpos"
)

// The Flux graph: what kustomize-controller applies, found the way it finds it. Every Flux
// Kustomization of the repo is followed: its spec.path is built from its source (the repo's own
// GitRepository, or an ExternalArtifact an ArtifactGenerator lays out from it) with a
// kustomization.yaml generated when the folder has none and the Kustomization's own patches,
// images, components, namespace and name prefix/suffix applied, as the controller's generator
// does; then postBuild substitution runs object by object. A Kustomization that a build emits is
// followed as emitted (a patch may change its spec.path); one that no build emits is a root that a
// bootstrap applies, so its folder is built as `flux bootstrap --path` would. Only what a build
// emits is an object: a patch fragment, a chart template or a tool's config is never checked alone.

const (
	groupKustomize = "kustomize.toolkit.fluxcd.io"
	groupSource    = "source.toolkit.fluxcd.io"
	groupSourceExt = "source.extensions.fluxcd.io"
	groupHelm      = "helm.toolkit.fluxcd.io"
)

// rawFile is one YAML file of the repo, read once.
type rawFile struct {
	path    string
	content []byte
	index   *yamlpos.Index
	docs    []map[string]any
	err     error // syntax error: the file cannot be decoded
}

// rawObj is one document of a repo file.
type rawObj struct {
	file string
	doc  int
	obj  map[string]any
}

func (r rawObj) id() string { return fmt.Sprintf("%s#%d", r.file, r.doc) }

// emitted is one object a build produced, with the repo file it came from.
type emitted struct {
	obj  map[string]any
	file string // repo path of the file that declared it ("" when generated, e.g. a ConfigMap generator)
}

// buildResult is one Flux Kustomization (or bootstrap folder) built.
type buildResult struct {
	key      string
	label    string // "Kustomization flux-system/apps" or "folder clusters/staging"
	objects  []emitted
	read     map[string]bool // repo files the build read
	findings []validate.Finding
}

// graph walks the Flux graph of one repo view.
type graph struct {
	c     *checker
	files map[string]*rawFile
	// Flux objects found in the repo's files.
	kustomizations []rawObj
	gitRepos       []rawObj
	generators     []rawObj
	configs        []rawObj // ConfigMaps and Secrets, for substituteFrom
	chartDirs      []string
	repoArtifact   *artifact
	builds         map[string]*buildResult
	// final are the builds the graph settled on, sorted by key.
	final []*buildResult
	// reached are the repo files a final build or chart render read.
	reached map[string]bool
	// roots are the bootstrap folders built.
	roots []string
	// builtRepos are the GitRepositories the final builds emit.
	builtRepos []rawObj
	// fleetClusters is the clusters folder of a fleetctl fleet ("" when the repo is not one): the
	// fleet checks build each cluster folder, so the graph does not build it again.
	fleetClusters string
}

func fluxGroup(apiVersion string) string {
	g, _, _ := strings.Cut(apiVersion, "/")
	return g
}

func objMeta(obj map[string]any) (kind, name, ns string) {
	kind, _ = obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	name, _ = meta["name"].(string)
	ns, _ = meta["namespace"].(string)
	return
}

func nested(obj map[string]any, keys ...string) any {
	var cur any = obj
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func nestedString(obj map[string]any, keys ...string) string {
	s, _ := nested(obj, keys...).(string)
	return s
}

func nestedMap(obj map[string]any, keys ...string) map[string]any {
	m, _ := nested(obj, keys...).(map[string]any)
	return m
}

// scan reads every YAML file of the repo that source-controller would put into the artifact,
// except cluster folders of a fleet (the fleet checks build those) and charts (their templates
// are not YAML until rendered), and collects the Flux objects.
func (g *graph) scan(skipDir func(string) bool) error {
	g.files = map[string]*rawFile{}
	repo := gitArtifact(g.c.opts.Fleet.FS, "")
	g.repoArtifact = &repo
	return fs.WalkDir(repo.fs, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			if p == "." {
				return nil
			}
			if skipDir(p) {
				return fs.SkipDir
			}
			if _, err := fs.Stat(repo.fs, path.Join(p, "Chart.yaml")); err == nil {
				g.chartDirs = append(g.chartDirs, p)
				return fs.SkipDir
			}
			return nil
		}
		if ext := path.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		rf := g.read(p)
		if rf == nil || rf.err != nil {
			return nil
		}
		for i, doc := range rf.docs {
			if doc == nil {
				continue
			}
			apiVersion, _ := doc["apiVersion"].(string)
			kind, _ := doc["kind"].(string)
			o := rawObj{file: p, doc: i, obj: doc}
			switch group := fluxGroup(apiVersion); {
			case group == groupKustomize && kind == "Kustomization":
				g.kustomizations = append(g.kustomizations, o)
			case group == groupSource && kind == "GitRepository":
				g.gitRepos = append(g.gitRepos, o)
			case group == groupSourceExt && kind == "ArtifactGenerator":
				g.generators = append(g.generators, o)
			case apiVersion == "v1" && (kind == "ConfigMap" || kind == "Secret"):
				g.configs = append(g.configs, o)
			}
		}
		return nil
	})
}

// read reads and decodes a repo file once.
func (g *graph) read(p string) *rawFile {
	if rf, ok := g.files[p]; ok {
		return rf
	}
	content, err := fs.ReadFile(g.c.opts.Fleet.FS, p)
	if err != nil {
		return nil
	}
	rf := &rawFile{path: p, content: content}
	if rf.index, rf.err = yamlpos.Parse(content); rf.err == nil {
		rf.docs, rf.err = splitDocuments(content)
	}
	g.files[p] = rf
	return rf
}

// ownSource reports whether a sourceRef names the repo itself: the GitRepository a bootstrap
// calls flux-system, the fleet's configured chart source, or a GitRepository of the repo with the
// same URL as one of those.
func (g *graph) ownSource(kind, name, ns string) (specIgnore string, ok bool) {
	if kind != "GitRepository" {
		return "", false
	}
	cfg := g.c.opts.Fleet.Config
	own := func(n string) bool {
		return n == "flux-system" || (cfg.Chart.SourceRef.Kind == "GitRepository" && n == cfg.Chart.SourceRef.Name)
	}
	// The GitRepositories as the builds emit them (namespace and URL substituted), then as the
	// files declare them.
	repos := append([]rawObj(nil), g.builtRepos...)
	repos = append(repos, g.gitRepos...)
	urls := map[string]bool{}
	for _, r := range repos {
		_, n, _ := objMeta(r.obj)
		if own(n) {
			if u := nestedString(r.obj, "spec", "url"); u != "" {
				urls[u] = true
			}
		}
	}
	for _, r := range repos {
		_, n, rns := objMeta(r.obj)
		if n == name && (rns == "" || ns == "" || rns == ns) {
			if own(n) || urls[nestedString(r.obj, "spec", "url")] {
				return nestedString(r.obj, "spec", "ignore"), true
			}
			return "", false
		}
	}
	return "", own(name)
}

// sourceOf resolves a Kustomization's sourceRef to the artifact it builds from, or explains why
// it is not built offline.
func (g *graph) sourceOf(ks map[string]any) (artifact, string, error) {
	_, _, ns := objMeta(ks)
	ref := nestedMap(ks, "spec", "sourceRef")
	kind, _ := ref["kind"].(string)
	name, _ := ref["name"].(string)
	refNS, _ := ref["namespace"].(string)
	if refNS == "" {
		refNS = ns
	}
	switch kind {
	case "GitRepository":
		ignore, ok := g.ownSource(kind, name, refNS)
		if !ok {
			return artifact{}, fmt.Sprintf("its source GitRepository %s is another repository", name), nil
		}
		if ignore == "" {
			return *g.repoArtifact, "", nil
		}
		return gitArtifact(g.c.opts.Fleet.FS, ignore), "", nil
	case "ExternalArtifact":
		return g.externalArtifact(name, refNS)
	case "":
		return artifact{}, "it has no sourceRef", nil
	default:
		return artifact{}, fmt.Sprintf("its source is a %s, which is not in the repository", kind), nil
	}
}

// externalArtifact lays out the ExternalArtifact name of an ArtifactGenerator of the repo.
func (g *graph) externalArtifact(name, ns string) (artifact, string, error) {
	for _, gen := range g.generators {
		_, _, gns := objMeta(gen.obj)
		if gns != "" && ns != "" && gns != ns {
			continue
		}
		arts, _ := nested(gen.obj, "spec", "artifacts").([]any)
		for _, a := range arts {
			am, _ := a.(map[string]any)
			if am["name"] != name {
				continue
			}
			sources := map[string]artifact{}
			srcs, _ := nested(gen.obj, "spec", "sources").([]any)
			for _, s := range srcs {
				sm, _ := s.(map[string]any)
				alias, _ := sm["alias"].(string)
				kind, _ := sm["kind"].(string)
				sname, _ := sm["name"].(string)
				sns, _ := sm["namespace"].(string)
				if sns == "" {
					sns = gns
				}
				if ignore, ok := g.ownSource(kind, sname, sns); ok {
					sources[alias] = gitArtifact(g.c.opts.Fleet.FS, ignore)
					if ignore == "" {
						sources[alias] = *g.repoArtifact
					}
				}
			}
			var ops []copyOp
			raw, _ := json.Marshal(am["copy"])
			_ = json.Unmarshal(raw, &ops)
			for _, op := range ops {
				alias, _, _ := strings.Cut(strings.TrimPrefix(op.From, "@"), "/")
				if _, ok := sources[alias]; !ok {
					return artifact{}, fmt.Sprintf("ArtifactGenerator source %q is not this repository", alias), nil
				}
			}
			art, err := generatedArtifact(ops, sources)
			if err != nil {
				return artifact{}, "", fmt.Errorf("ArtifactGenerator %s artifact %s: %w", gen.file, name, err)
			}
			return art, "", nil
		}
	}
	return artifact{}, fmt.Sprintf("no ArtifactGenerator of the repository makes its ExternalArtifact %s", name), nil
}

// buildSpecKey identifies a build by what changes its result.
func buildSpecKey(label string, ks map[string]any) string {
	spec := nestedMap(ks, "spec")
	_, _, ns := objMeta(ks)
	keep := map[string]any{"ns": ns, "label": label}
	for _, k := range []string{"path", "sourceRef", "patches", "images", "components", "ignoreMissingComponents",
		"targetNamespace", "namePrefix", "nameSuffix", "postBuild", "patchesStrategicMerge", "patchesJson6902"} {
		if v, ok := spec[k]; ok {
			keep[k] = v
		}
	}
	b, _ := json.Marshal(keep)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// run settles the graph: build every Kustomization as the builds emit it and every bootstrap
// folder, until nothing new appears.
func (g *graph) run(extraRoots []string) {
	g.builds = map[string]*buildResult{}
	current := map[string]rawObj{}
	for _, k := range g.kustomizations {
		current[k.id()] = k
	}
	roots := map[string]bool{}
	for _, r := range extraRoots {
		roots[r] = true
	}
	for range 8 {
		var want []*buildResult
		seen := map[string]bool{}
		for _, id := range sortedKeys(current) {
			k := current[id]
			_, name, ns := objMeta(k.obj)
			label := fmt.Sprintf("Kustomization %s/%s", ns, name)
			if ns == "" {
				label = "Kustomization " + name
			}
			key := buildSpecKey(k.id(), k.obj)
			if seen[key] {
				continue
			}
			seen[key] = true
			want = append(want, g.buildKustomization(key, label, k))
		}
		for _, dir := range sortedKeys(roots) {
			key := "root:" + dir
			if b, ok := g.builds[key]; ok {
				want = append(want, b)
				continue
			}
			b := g.buildFolder(key, "folder "+dir, *g.repoArtifact, dir, nil, rawObj{})
			g.builds[key] = b
			want = append(want, b)
		}
		// What the builds emit replaces what the files say.
		next := map[string]rawObj{}
		for _, k := range g.kustomizations {
			next[k.id()] = k
		}
		reached := map[string]bool{}
		for _, b := range want {
			for p := range b.read {
				reached[p] = true
			}
			for _, o := range b.objects {
				kind, _, _ := objMeta(o.obj)
				apiVersion, _ := o.obj["apiVersion"].(string)
				if kind != "Kustomization" || fluxGroup(apiVersion) != groupKustomize || o.file == "" {
					continue
				}
				if doc := g.docOf(o); doc >= 0 {
					id := rawObj{file: o.file, doc: doc}.id()
					if _, done := next[id]; done && next[id].obj != nil && !isRaw(g.kustomizations, id, next[id]) {
						continue // the first build that emits it wins
					}
					next[id] = rawObj{file: o.file, doc: doc, obj: o.obj}
				}
			}
		}
		// A Kustomization document that a build read but did not emit is a patch (or a fragment
		// a patch consumes), not an object: it is not followed.
		emittedIDs := map[string]bool{}
		for _, b := range want {
			for _, o := range b.objects {
				if kind, _, _ := objMeta(o.obj); kind == "Kustomization" && o.file != "" {
					if doc := g.docOf(o); doc >= 0 {
						emittedIDs[rawObj{file: o.file, doc: doc}.id()] = true
					}
				}
			}
		}
		for _, k := range g.kustomizations {
			if reached[k.file] && !emittedIDs[k.id()] {
				delete(next, k.id())
			}
		}
		nextRoots := map[string]bool{}
		for r := range roots {
			nextRoots[r] = true
		}
		for _, k := range g.kustomizations {
			if !reached[k.file] {
				nextRoots[path.Dir(k.file)] = true
			}
		}
		if sameKeys(next, current) && sameSpecs(next, current) && len(nextRoots) == len(roots) {
			g.final = want
			g.reached = reached
			g.roots = sortedKeys(roots)
			g.collectRepos()
			return
		}
		current, roots = next, nextRoots
	}
	g.final = nil
	for _, k := range sortedKeys(g.builds) {
		g.final = append(g.final, g.builds[k])
	}
	g.reached = map[string]bool{}
	for _, b := range g.final {
		for p := range b.read {
			g.reached[p] = true
		}
	}
	g.roots = sortedKeys(roots)
	g.collectRepos()
}

func (g *graph) collectRepos() {
	for _, b := range g.final {
		for _, o := range b.objects {
			apiVersion, _ := o.obj["apiVersion"].(string)
			if kind, _, _ := objMeta(o.obj); kind == "GitRepository" && fluxGroup(apiVersion) == groupSource {
				g.builtRepos = append(g.builtRepos, rawObj{file: o.file, obj: o.obj})
			}
		}
	}
}

func isRaw(raws []rawObj, id string, o rawObj) bool {
	for _, r := range raws {
		if r.id() == id {
			return fmt.Sprint(r.obj) == fmt.Sprint(o.obj)
		}
	}
	return false
}

func sameKeys(a, b map[string]rawObj) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}

func sameSpecs(a, b map[string]rawObj) bool {
	for k, v := range a {
		if buildSpecKey(k, v.obj) != buildSpecKey(k, b[k].obj) {
			return false
		}
	}
	return true
}

// docOf finds the document of o's file that declared it: the object of the same kind and name,
// else the only one of its kind.
func (g *graph) docOf(o emitted) int {
	rf := g.read(o.file)
	if rf == nil || rf.err != nil {
		return -1
	}
	kind, name, _ := objMeta(o.obj)
	only := -1
	for i, d := range rf.docs {
		if d == nil {
			continue
		}
		k, n, _ := objMeta(d)
		if k != kind {
			continue
		}
		if n == name {
			return i
		}
		if only == -1 {
			only = i
		} else {
			only = -2
		}
	}
	if only >= 0 {
		return only
	}
	return -1
}

// buildKustomization builds one Flux Kustomization, cached by key.
func (g *graph) buildKustomization(key, label string, k rawObj) *buildResult {
	if b, ok := g.builds[key]; ok {
		return b
	}
	b := &buildResult{key: key, label: label, read: map[string]bool{}}
	g.builds[key] = b
	at := func(field string) (int, int) {
		if rf := g.read(k.file); rf != nil && rf.index != nil {
			l, c, _ := rf.index.Lookup(k.doc, field)
			return l, c
		}
		return 0, 0
	}
	art, why, err := g.sourceOf(k.obj)
	switch {
	case err != nil:
		l, c := at("spec.sourceRef")
		b.findings = append(b.findings, validate.Finding{Severity: validate.Error, Rule: validate.RuleFluxSource, File: k.file, Line: l, Column: c,
			Object: label, Message: oneLine(err.Error()), Fix: "fix the ArtifactGenerator's copy rules so source-watcher can lay out the artifact"})
		return b
	case why != "":
		l, c := at("spec.sourceRef")
		b.findings = append(b.findings, validate.Finding{Severity: validate.Info, Rule: validate.RuleFluxSourceNotLocal, File: k.file, Line: l, Column: c,
			Object: label, Message: fmt.Sprintf("%s is not built offline: %s", label, why), Fix: "nothing to do; validate that repository on its own"})
		return b
	}
	dir := path.Clean(strings.TrimPrefix(nestedString(k.obj, "spec", "path"), "/"))
	if dir == "" {
		dir = "."
	}
	if st, err := fs.Stat(art.fs, dir); err != nil || !st.IsDir() || strings.HasPrefix(dir, "../") {
		l, c := at("spec.path")
		b.findings = append(b.findings, validate.Finding{Severity: validate.Error, Rule: validate.RuleFluxPathNotFound, File: k.file, Line: l, Column: c,
			Object: label, Field: "spec.path", Message: fmt.Sprintf("%s: path %q is not a folder of its source; kustomize-controller fails with \"kustomization path not found\"", label, nestedString(k.obj, "spec", "path")),
			Fix: "point spec.path at a folder of the source (relative to its root)"})
		return b
	}
	if g.fleetClusters != "" && dir == g.fleetClusters && art.fs == g.repoArtifact.fs {
		b.read[path.Join(dir, "kustomization.yaml")] = true
		return b
	}
	res := g.buildFolder(key, label, art, dir, k.obj, k)
	res.findings = append(b.findings, res.findings...)
	g.builds[key] = res
	return res
}

// recordingFS is the kustomize file system of a build; it notes every file kustomize reads.
type recordingFS struct {
	filesys.FileSystem
	read map[string]bool
}

func (r recordingFS) ReadFile(p string) ([]byte, error) {
	r.read[strings.TrimPrefix(path.Clean(p), "/")] = true
	return r.FileSystem.ReadFile(p)
}

// buildFolder builds dir of an artifact as kustomize-controller does for ks (nil: a bootstrap
// folder, built as is).
func (g *graph) buildFolder(key, label string, art artifact, dir string, ks map[string]any, decl rawObj) *buildResult {
	b := &buildResult{key: key, label: label, read: map[string]bool{}}
	kfile, content, generated, err := generateKustomization(art.fs, dir, ks)
	fileOf := func(p string) string { return art.origin(p) }
	if generated || err != nil {
		// The generator lists the YAML files of the folder: all of them are read.
		_ = fs.WalkDir(art.fs, dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (path.Ext(p) == ".yaml" || path.Ext(p) == ".yml") {
				b.read[fileOf(p)] = true
			}
			return nil
		})
	} else {
		b.read[fileOf(kfile)] = true
	}
	if err != nil {
		fd := validate.Finding{Severity: validate.Error, Rule: validate.RuleKustomizeBuild, File: fileOf(kfile),
			Object: label, Message: oneLine(err.Error()), Fix: "fix the folder so kustomize-controller can generate its kustomization"}
		g.locateBuildError(&fd, fd.Message, b.read, fileOf)
		b.findings = append(b.findings, fd)
		return b
	}
	view := fsview.Overlay(art.fs, []fsx.Change{{Path: kfile, Content: content}})
	rec := recordingFS{FileSystem: fsview.Kustomize(view), read: map[string]bool{}}
	rm, err := runKustomize(rootedFS{rec}, path.Join(buildRoot, dir))
	for p := range rec.read {
		if p != kfile || !generated {
			b.read[fileOf(p)] = true
			if art.merged != nil {
				for _, m := range art.merged(p) {
					b.read[m] = true
				}
			}
		}
	}
	for p := range rec.read {
		if isKustomizationFile(p) && (p != kfile || !generated) {
			b.findings = append(b.findings, g.deprecations(fileOf(p))...)
		}
	}
	if err != nil {
		file := fileOf(kfile)
		if generated {
			file = decl.file
		}
		msg := fsview.RepoPaths(strings.ReplaceAll(oneLine(err.Error()), buildRoot+"/", "/"))
		fd := validate.Finding{Severity: validate.Error, Rule: validate.RuleKustomizeBuild, File: file, Object: label,
			Message: msg, Fix: "fix the kustomization so `kustomize build " + dir + "` succeeds as kustomize-controller runs it"}
		if f, l := g.syntaxAt(msg, b.read); f != "" {
			fd.File, fd.Line = f, l
		} else {
			g.locateBuildError(&fd, msg, b.read, fileOf)
		}
		b.findings = append(b.findings, fd)
		if strings.Contains(msg, "missing kind") || strings.Contains(msg, "missing Resource metadata") {
			b.findings = append(b.findings, g.kindless(b.read)...)
		}
		return b
	}
	vars, varsOK, varFindings := g.substitutions(ks, decl, label)
	b.findings = append(b.findings, varFindings...)
	for _, r := range rm.Resources() {
		m, err := r.Map()
		if err != nil {
			continue
		}
		file := originFile(m, dir)
		if file != "" {
			file = fileOf(file)
		}
		stripBuildAnnotations(m)
		if r.GetName() == "" || r.GetKind() == "" || r.GetApiVersion() == "" {
			fd := validate.Finding{Severity: validate.Error, Rule: validate.RuleYAMLNotAnObject, File: file, Object: label,
				Message: fmt.Sprintf("%s emits a document without apiVersion, kind and name; kustomize-controller fails with \"failed to decode Kubernetes apiVersion, kind and name\"", label),
				Fix:     "give the document apiVersion, kind and metadata.name, or move the file out of the folder Flux applies"}
			if r.GetName() == "" && r.GetKind() != "" {
				fd.Rule = validate.RuleYAMLMissingName
			}
			b.findings = append(b.findings, fd)
			continue
		}
		if ks != nil && nested(ks, "spec", "postBuild") != nil && varsOK {
			out, fds := g.substitute(m, file, vars, label)
			b.findings = append(b.findings, fds...)
			if out == nil {
				continue
			}
			m = out
		}
		b.objects = append(b.objects, emitted{obj: m, file: file})
	}
	return b
}

// runKustomize runs krusty as kustomize-controller's Build does: no load restrictions (files
// outside the folder, within the source, may be referenced) and built-in plugins only.
func runKustomize(fsys filesys.FileSystem, dir string) (resmap.ResMap, error) {
	opts := &krusty.Options{LoadRestrictions: kustypes.LoadRestrictionsNone, PluginConfig: kustypes.DisabledPluginConfig()}
	return krusty.MakeKustomizer(opts).Run(fsys, dir)
}

func isKustomizationFile(p string) bool {
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		if path.Base(p) == n {
			return true
		}
	}
	return false
}

// deprecations reports the deprecated fields of a kustomization file, which kustomize itself only
// prints to stderr.
func (g *graph) deprecations(p string) []validate.Finding {
	rf := g.read(p)
	if rf == nil || rf.err != nil {
		return nil
	}
	var k kustypes.Kustomization
	if err := k.Unmarshal(rf.content); err != nil {
		return nil
	}
	var out []validate.Finding
	for _, msg := range *k.CheckDeprecatedFields() {
		field := ""
		if m := deprecatedFieldRE.FindStringSubmatch(msg); m != nil {
			field = m[1]
		}
		l, c, _ := rf.index.Lookup(0, field)
		msg = strings.TrimSpace(strings.TrimPrefix(msg, "# Warning:"))
		out = append(out, validate.Finding{Severity: validate.Warning, Rule: validate.RuleKustomizeDeprecated, File: p, Line: l, Column: c, Field: field,
			Message: msg, Fix: "move to the field kustomize names (`kustomize edit fix` rewrites the file)"})
	}
	return out
}

var deprecatedFieldRE = regexp.MustCompile(`'([A-Za-z0-9]+)' is deprecated`)

var (
	decodeFromRE   = regexp.MustCompile(`failed to decode Kubernetes YAML from (\S+?):`)
	patchNoMatchRE = regexp.MustCompile(`no resource matches strategic merge patch "([A-Za-z0-9]+)\.[^/"]*/([^."]+)\.([^"]*)"`)
	fileTokenRE    = regexp.MustCompile(`[A-Za-z0-9_.-][A-Za-z0-9_./-]*`)
)

// locateBuildError points a kustomize error at what a reviewer must fix: the file the generator
// could not decode, the patch that matches nothing, or the line of the kustomization that names
// the missing file or folder.
func (g *graph) locateBuildError(fd *validate.Finding, msg string, read map[string]bool, fileOf func(string) string) {
	if m := decodeFromRE.FindStringSubmatch(msg); m != nil {
		fd.File, fd.Line = fileOf(strings.TrimPrefix(m[1], "/")), 1
		return
	}
	if m := patchNoMatchRE.FindStringSubmatch(msg); m != nil {
		for _, p := range sortedKeys(read) {
			rf := g.read(p)
			if rf == nil || rf.err != nil || isKustomizationFile(p) {
				continue
			}
			for i, d := range rf.docs {
				if k, n, _ := objMeta(d); d != nil && k == m[1] && n == m[2] {
					fd.File = p
					fd.Line, fd.Column, _ = rf.index.Lookup(i, "metadata.name")
					return
				}
			}
		}
	}
	rf := g.read(fd.File)
	if rf == nil || !isKustomizationFile(fd.File) {
		return
	}
	lines := strings.Split(string(rf.content), "\n")
	for _, tok := range fileTokenRE.FindAllString(msg, -1) {
		tok = strings.TrimRight(tok, ".:")
		if !strings.ContainsAny(tok, "./") || len(tok) < 3 {
			continue
		}
		for i, l := range lines {
			t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- "))
			t = strings.Trim(strings.TrimPrefix(t, "path:"), ` "'`)
			if t != "" && (t == tok || path.Clean(t) == tok || strings.HasSuffix(tok, "/"+path.Clean(t))) {
				fd.Line = i + 1
				fd.Column = strings.Index(l, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- "))) + 1
				return
			}
		}
	}
}

// kindless points at the documents without apiVersion or kind among the resource files a failed
// build read (kustomization files have none and need none).
func (g *graph) kindless(read map[string]bool) []validate.Finding {
	var out []validate.Finding
	for _, p := range sortedKeys(read) {
		rf := g.read(p)
		if rf == nil || rf.err != nil || isKustomizationFile(p) {
			continue
		}
		for i, d := range rf.docs {
			if len(d) == 0 || (d["apiVersion"] != nil && d["kind"] != nil) {
				continue
			}
			l, c, _ := rf.index.Lookup(i, "")
			out = append(out, validate.Finding{Severity: validate.Error, Rule: validate.RuleYAMLNotAnObject, File: p, Line: l, Column: c,
				Message: "document has no apiVersion and kind; Flux cannot apply it", Fix: "add apiVersion and kind, or move the file out of the folders Flux applies"})
		}
	}
	return out
}

// syntaxAt returns the file and line of a YAML error kustomize reports about a file it read.
func (g *graph) syntaxAt(msg string, read map[string]bool) (string, int) {
	for _, p := range sortedKeys(read) {
		if !strings.Contains(msg, p) {
			continue
		}
		if rf := g.read(p); rf != nil && rf.err != nil {
			var se *yamlpos.SyntaxError
			if errors.As(rf.err, &se) {
				return p, se.Line
			}
			return p, 0
		}
	}
	return "", 0
}

// generateKustomization returns the kustomization file kustomize-controller builds dir with:
// the folder's own (re-encoded through kustomize's types, as the controller does) or, when it has
// none, one that lists every YAML file below it (a sub folder with its own kustomization as a
// whole), with the Flux Kustomization's targetNamespace, name prefix/suffix, patches, components
// and images on top. It always asks kustomize for origin annotations, which is how objects are
// traced to files.
func generateKustomization(fsys fs.FS, dir string, ks map[string]any) (kfile string, content []byte, generated bool, err error) {
	var data []byte
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		p := path.Join(dir, n)
		if st, err := fs.Stat(fsys, p); err == nil && !st.IsDir() {
			kfile = p
			if data, err = fs.ReadFile(fsys, p); err != nil {
				return kfile, nil, false, err
			}
			break
		}
	}
	kus := kustypes.Kustomization{TypeMeta: kustypes.TypeMeta{APIVersion: kustypes.KustomizationVersion, Kind: kustypes.KustomizationKind}}
	if kfile == "" {
		generated = true
		kfile = path.Join(dir, konfig.DefaultKustomizationFileName())
		resources, err := scanManifests(fsys, dir)
		if err != nil {
			return kfile, nil, true, err
		}
		if len(resources) == 0 {
			kus.Namespace = "_placeholder"
		}
		kus.Resources = resources
	} else if err := yaml.Unmarshal(data, &kus); err != nil {
		return kfile, nil, false, err
	}
	if ks != nil {
		spec := nestedMap(ks, "spec")
		if s, ok := spec["targetNamespace"].(string); ok {
			kus.Namespace = s
		}
		if s, ok := spec["namePrefix"].(string); ok {
			kus.NamePrefix = s
		}
		if s, ok := spec["nameSuffix"].(string); ok {
			kus.NameSuffix = s
		}
		var extra struct {
			Patches []struct {
				Patch  string             `json:"patch"`
				Target *kustypes.Selector `json:"target,omitempty"`
			} `json:"patches"`
			Components              []string         `json:"components"`
			IgnoreMissingComponents bool             `json:"ignoreMissingComponents"`
			Images                  []kustypes.Image `json:"images"`
		}
		raw, _ := json.Marshal(spec)
		if err := json.Unmarshal(raw, &extra); err != nil {
			return kfile, nil, generated, fmt.Errorf("spec: %w", err)
		}
		for _, p := range extra.Patches {
			kus.Patches = append(kus.Patches, kustypes.Patch{Patch: p.Patch, Target: p.Target})
		}
		for _, c := range extra.Components {
			if strings.HasPrefix(c, "/") || strings.Contains(c, "://") {
				return kfile, nil, generated, fmt.Errorf("component path '%s' must be local and relative", c)
			}
			if _, err := fs.Stat(fsys, path.Join(dir, c)); err != nil && extra.IgnoreMissingComponents {
				continue
			}
			kus.Components = append(kus.Components, c)
		}
		for _, im := range extra.Images {
			found := false
			for i := range kus.Images {
				if kus.Images[i].Name == im.Name {
					found = true
					if im.NewName != "" {
						kus.Images[i].NewName = im.NewName
					}
					if im.NewTag != "" || im.Digest != "" {
						kus.Images[i].NewTag, kus.Images[i].Digest = im.NewTag, im.Digest
					}
				}
			}
			if !found {
				kus.Images = append(kus.Images, kustypes.Image{Name: im.Name, NewName: im.NewName, NewTag: im.NewTag, Digest: im.Digest})
			}
		}
	}
	if !containsString(kus.BuildMetadata, "originAnnotations") {
		kus.BuildMetadata = append(kus.BuildMetadata, "originAnnotations")
	}
	content, err = yaml.Marshal(kus)
	return kfile, content, generated, err
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// scanManifests lists what the controller's generator lists for a folder without a
// kustomization: every .yaml/.yml file below it, and every sub folder that has a kustomization
// (not descended into), as paths relative to dir. A file that does not decode as Kubernetes YAML
// fails the generation, as it fails the controller.
func scanManifests(fsys fs.FS, dir string) ([]string, error) {
	rf := provider.NewDefaultDepProvider().GetResourceFactory()
	var out []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if d.IsDir() {
			for _, n := range konfig.RecognizedKustomizationFileNames() {
				if st, err := fs.Stat(fsys, path.Join(p, n)); err == nil && !st.IsDir() {
					out = append(out, "./"+strings.TrimPrefix(p, dir+"/"))
					return fs.SkipDir
				}
			}
			return nil
		}
		if ext := path.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if _, err := safeSlice(rf.SliceFromBytes, data); err != nil {
			return fmt.Errorf("failed to decode Kubernetes YAML from %s: %w", p, err)
		}
		rel := strings.TrimPrefix(p, dir+"/")
		if dir == "." {
			rel = p
		}
		out = append(out, "./"+rel)
		return nil
	})
	return out, err
}

func safeSlice[T any](f func([]byte) (T, error), data []byte) (out T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("kustomize panicked while parsing: %v", r)
		}
	}()
	return f(data)
}

const originAnnotation = "config.kubernetes.io/origin"

// originFile returns the repo path of the file an object came from, from kustomize's origin
// annotation (a path relative to the folder built).
func originFile(m map[string]any, dir string) string {
	ann := nestedMap(m, "metadata", "annotations")
	s, _ := ann[originAnnotation].(string)
	if s == "" {
		return ""
	}
	var o struct {
		Path         string `json:"path"`
		ConfiguredIn string `json:"configuredIn"`
	}
	if yaml.Unmarshal([]byte(s), &o) != nil {
		return ""
	}
	p := o.Path
	if p == "" {
		p = o.ConfiguredIn
	}
	if p == "" || strings.Contains(p, "://") {
		return ""
	}
	return path.Clean(path.Join(dir, p))
}

// stripBuildAnnotations removes what fleetctl asked kustomize to add for tracing, so the object
// is the one the controller applies.
func stripBuildAnnotations(m map[string]any) {
	meta := nestedMap(m, "metadata")
	ann := nestedMap(m, "metadata", "annotations")
	if ann == nil {
		return
	}
	delete(ann, originAnnotation)
	if len(ann) == 0 {
		delete(meta, "annotations")
	}
}

// varNameRE is the name a postBuild variable must have (kustomize-controller's varsubRegex).
var varNameRE = regexp.MustCompile(`^[_[:alpha:]][_[:alpha:][:digit:]]*$`)

// secretPlaceholder stands in for a variable whose value is in a Secret: the value is never read
// into findings or output.
const secretPlaceholder = "fleetctl-secret-placeholder"

// substitutions collects a Kustomization's postBuild variables: substituteFrom ConfigMaps and
// Secrets of the repo, then spec.postBuild.substitute over them, as the controller loads them.
// ok is false when a source is not in the repo: the variables are then unknown offline, and
// nothing is substituted or reported.
func (g *graph) substitutions(ks map[string]any, decl rawObj, label string) (vars map[string]string, ok bool, out []validate.Finding) {
	if ks == nil || nested(ks, "spec", "postBuild") == nil {
		return nil, true, nil
	}
	_, _, ns := objMeta(ks)
	vars = map[string]string{}
	from, _ := nested(ks, "spec", "postBuild", "substituteFrom").([]any)
	ok = true
	for i, f := range from {
		fm, _ := f.(map[string]any)
		kind, _ := fm["kind"].(string)
		name, _ := fm["name"].(string)
		optional, _ := fm["optional"].(bool)
		found := false
		for _, c := range g.configs {
			k, n, cns := objMeta(c.obj)
			if k != kind || n != name || (cns != "" && ns != "" && cns != ns) {
				continue
			}
			found = true
			if kind == "Secret" {
				for key := range nestedMap(c.obj, "data") {
					vars[key] = secretPlaceholder
				}
				for key := range nestedMap(c.obj, "stringData") {
					vars[key] = secretPlaceholder
				}
				break
			}
			for key, v := range nestedMap(c.obj, "data") {
				if s, isStr := v.(string); isStr {
					vars[key] = strings.ReplaceAll(s, "\n", "")
				}
			}
		}
		if !found && !optional {
			ok = false
			line, col := 0, 0
			if rf := g.read(decl.file); rf != nil && rf.index != nil {
				line, col, _ = rf.index.Lookup(decl.doc, fmt.Sprintf("spec.postBuild.substituteFrom[%d]", i))
			}
			out = append(out, validate.Finding{Severity: validate.Info, Rule: validate.RuleFluxSubstituteSource, File: decl.file, Line: line, Column: col, Object: label,
				Message: fmt.Sprintf("%s substitutes from %s %s, which is not in the repository: its variables are not checked offline", label, kind, name),
				Fix:     "nothing to do if the object is created on the cluster; otherwise add it to the repository"})
		}
	}
	for k, v := range nestedMap(ks, "spec", "postBuild", "substitute") {
		if s, isStr := v.(string); isStr {
			vars[k] = strings.ReplaceAll(s, "\n", "")
		} else {
			vars[k] = fmt.Sprint(v)
		}
	}
	for k := range vars {
		if !varNameRE.MatchString(k) {
			out = append(out, validate.Finding{Severity: validate.Error, Rule: validate.RuleFluxSubstitute, File: decl.file, Object: label,
				Message: fmt.Sprintf("postBuild variable name %q is invalid: it must match %s", k, varNameRE), Fix: "rename the variable"})
			return nil, false, out
		}
	}
	return vars, ok, out
}

// varRefRE finds a variable reference; unsetVarRE the name envsubst reports as unset in strict mode.
var unsetVarRE = regexp.MustCompile(`variable not set \(strict mode\): "?([_[:alpha:]][_[:alpha:][:digit:]]*)"?`)

var varRefRE = regexp.MustCompile(`\$\{([_[:alpha:]][_[:alpha:][:digit:]]*)`)

// substitute runs postBuild substitution on one object, strictly, as kustomize-controller does
// by default (StrictPostBuildSubstitutions): a variable that is not set and has no default is an
// error. It returns nil when the object is not usable after substitution.
func (g *graph) substitute(m map[string]any, file string, vars map[string]string, label string) (map[string]any, []validate.Finding) {
	meta := nestedMap(m, "metadata")
	if nestedMap(meta, "labels")["kustomize.toolkit.fluxcd.io/substitute"] == "disabled" ||
		nestedMap(meta, "annotations")["kustomize.toolkit.fluxcd.io/substitute"] == "disabled" {
		return m, nil
	}
	data, err := yaml.Marshal(m)
	if err != nil {
		return m, nil
	}
	out, err := envsubst.Eval(string(data), func(s string) (string, bool) {
		v, ok := vars[s]
		return v, ok
	})
	kind, name, _ := objMeta(m)
	if err != nil {
		fd := validate.Finding{Severity: validate.Error, Rule: validate.RuleFluxSubstitute, File: file, Object: kind + " " + name,
			Message: fmt.Sprintf("postBuild substitution of %s fails: %s (kustomize-controller substitutes strictly)", label, oneLine(err.Error())),
			Fix:     "set the variable in spec.postBuild.substitute or substituteFrom, or give it a default: ${var:=default}"}
		g.locateVar(&fd, err.Error())
		return nil, []validate.Finding{fd}
	}
	var res map[string]any
	if err := yaml.Unmarshal([]byte(out), &res); err != nil {
		return nil, []validate.Finding{{Severity: validate.Error, Rule: validate.RuleFluxSubstitute, File: file, Object: kind + " " + name,
			Message: fmt.Sprintf("%s after postBuild substitution is not valid YAML: %s", kind+" "+name, oneLine(err.Error())),
			Fix:     "quote the substituted value or fix the variable"}}
	}
	return res, nil
}

// locateVar points a substitution finding at the line of the variable in the repo file.
func (g *graph) locateVar(fd *validate.Finding, msg string) {
	rf := g.read(fd.File)
	if rf == nil {
		return
	}
	name := ""
	if m := unsetVarRE.FindStringSubmatch(msg); m != nil {
		name = m[1]
	}
	for i, line := range strings.Split(string(rf.content), "\n") {
		for _, m := range varRefRE.FindAllStringSubmatch(line, -1) {
			if name == "" || m[1] == name {
				fd.Line = i + 1
				fd.Column = strings.Index(line, "${") + 1
				return
			}
		}
	}
}

// decodeSecretValue returns a Secret's data value decoded, or its stringData value.
func decodeSecretValue(obj map[string]any, key string) (string, bool) {
	if s, ok := nestedMap(obj, "stringData")[key].(string); ok {
		return s, true
	}
	if s, ok := nestedMap(obj, "data")[key].(string); ok {
		b, err := base64.StdEncoding.DecodeString(s)
		return string(b), err == nil
	}
	return "", false
}

// isRepoConfig reports files that are configuration of fleetctl itself.
func isRepoConfig(p string) bool { return p == config.FileName }

// dedupe drops repeated findings (two Kustomizations may build the same file).
func dedupe(in []validate.Finding) []validate.Finding {
	seen := map[string]bool{}
	out := in[:0]
	for _, f := range in {
		b, _ := json.Marshal(f)
		k := string(b)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}

// buildRoot is where a build sees its source: under a folder, not at "/", so that a reference
// that climbs above the source ("../base" from the artifact's root) fails as it fails in
// kustomize-controller, whose file system is confined to the source's folder, instead of being
// cleaned back into it.
const buildRoot = "/src"

// rootedFS serves a kustomize file system under buildRoot; anything outside does not exist.
type rootedFS struct{ inner filesys.FileSystem }

func (r rootedFS) in(p string) (string, bool) {
	p = path.Clean(p)
	if p == buildRoot {
		return "/", true
	}
	rest, ok := strings.CutPrefix(p, buildRoot+"/")
	return "/" + rest, ok
}

func outside(op, p string) error { return &fs.PathError{Op: op, Path: p, Err: fs.ErrNotExist} }

func (r rootedFS) Create(p string) (filesys.File, error) { return r.inner.Create(p) }
func (r rootedFS) Mkdir(p string) error                  { return r.inner.Mkdir(p) }
func (r rootedFS) MkdirAll(p string) error               { return r.inner.MkdirAll(p) }
func (r rootedFS) RemoveAll(p string) error              { return r.inner.RemoveAll(p) }
func (r rootedFS) WriteFile(p string, d []byte) error    { return r.inner.WriteFile(p, d) }

func (r rootedFS) Open(p string) (filesys.File, error) {
	q, ok := r.in(p)
	if !ok {
		return nil, outside("open", p)
	}
	return r.inner.Open(q)
}

func (r rootedFS) IsDir(p string) bool {
	q, ok := r.in(p)
	return ok && r.inner.IsDir(q)
}

func (r rootedFS) Exists(p string) bool {
	q, ok := r.in(p)
	return ok && r.inner.Exists(q)
}

func (r rootedFS) ReadDir(p string) ([]string, error) {
	q, ok := r.in(p)
	if !ok {
		return nil, outside("readdir", p)
	}
	return r.inner.ReadDir(q)
}

func (r rootedFS) ReadFile(p string) ([]byte, error) {
	q, ok := r.in(p)
	if !ok {
		return nil, outside("open", p)
	}
	return r.inner.ReadFile(q)
}

func (r rootedFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	q, ok := r.in(p)
	if !ok {
		return "", "", outside("stat", p)
	}
	d, f, err := r.inner.CleanedAbs(q)
	if err != nil {
		return "", "", err
	}
	return filesys.ConfirmedDir(path.Join(buildRoot, string(d))), f, nil
}

func (r rootedFS) Glob(pattern string) ([]string, error) {
	q, ok := r.in(pattern)
	if !ok {
		return nil, nil
	}
	out, err := r.inner.Glob(q)
	for i := range out {
		out[i] = path.Join(buildRoot, out[i])
	}
	return out, err
}

func (r rootedFS) Walk(p string, fn filepath.WalkFunc) error {
	q, ok := r.in(p)
	if !ok {
		return outside("walk", p)
	}
	return r.inner.Walk(q, func(name string, info os.FileInfo, err error) error {
		return fn(path.Join(buildRoot, name), info, err)
	})
}
