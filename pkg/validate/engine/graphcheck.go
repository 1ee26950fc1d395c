package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"helm.sh/helm/v4/pkg/strvals"
	"sigs.k8s.io/yaml"

	"github.com/fleetctl/fleetctl/pkg/chart"
	"github.com/fleetctl/fleetctl/pkg/validate"
	"github.com/fleetctl/fleetctl/pkg/yamlpos"
)

// checkGraph walks the Flux graph of the repo and checks what it applies: every object a build
// emits against its schema, every HelmRelease whose chart is in the repo rendered and its objects
// checked, and every YAML file no build reaches reported once as unreferenced.
func (c *checker) checkGraph(fleetClusters string, roots []string) {
	f := c.opts.Fleet
	g := &graph{c: c, fleetClusters: fleetClusters}
	skip := func(dir string) bool {
		return strings.HasPrefix(path.Base(dir), ".") || (fleetClusters != "" && dir == fleetClusters) || skippedDir(f, dir)
	}
	if err := g.scan(skip); err != nil {
		c.col.add(errf(validate.RuleYAMLRead, ".", "cannot read the repository: %v", err))
		return
	}
	if len(g.kustomizations) == 0 && len(roots) == 0 {
		// No Flux Kustomization: every kustomization folder is built as if one pointed at it.
		for _, p := range sortedKeys(g.files) {
			if isKustomizationFile(p) {
				roots = append(roots, path.Dir(p))
			}
		}
	}
	g.run(roots)
	if fleetClusters != "" {
		g.reached[path.Join(fleetClusters, "kustomization.yaml")] = true
	}

	var out []validate.Finding
	checked := map[string]bool{}
	var releases []release
	for _, b := range g.final {
		out = append(out, b.findings...)
		for _, o := range b.objects {
			kind, name, ns := objMeta(o.obj)
			raw, _ := json.Marshal(o.obj)
			key := o.file + "|" + string(raw)
			if checked[key] {
				continue
			}
			checked[key] = true
			c.col.count(0, 1)
			apiVersion, _ := o.obj["apiVersion"].(string)
			if kind == "HelmRelease" && fluxGroup(apiVersion) == groupHelm {
				releases = append(releases, release{o, b, string(raw)})
			}
			for _, fd := range append(builtinChecks(o.obj), c.validateObject(o.obj, "")...) {
				g.place(&fd, o, b.read)
				if fd.Object == "" {
					fd.Object = strings.TrimSpace(kind + " " + strings.TrimPrefix(ns+"/"+name, "/"))
				}
				out = append(out, fd)
			}
		}
	}
	out = append(out, g.renderReleases(releases)...)

	// Files a build read but that do not parse: the finding with the line, beside kustomize's.
	for _, p := range sortedKeys(g.reached) {
		rf := g.read(p)
		if rf == nil || g.inChart(p) {
			continue // a chart's files are read by the chart engine, never as YAML
		}
		c.col.checked(p)
		if rf.err != nil {
			fd := errf(validate.RuleYAMLSyntax, p, "%s", oneLine(rf.err.Error()))
			var se *yamlpos.SyntaxError
			if errors.As(rf.err, &se) {
				fd.Line, fd.Column, fd.Message = se.Line, se.Column, se.Msg
			}
			fd.Fix = "fix the YAML syntax"
			out = append(out, fd)
			continue
		}
		for _, d := range rf.index.DuplicateKeys() {
			out = append(out, validate.Finding{Severity: validate.Error, Rule: validate.RuleYAMLDuplicateKey, File: p, Line: d.Line, Column: d.Column,
				Field: d.Path, Message: fmt.Sprintf("key %s is set twice (first on line %d); strict decoders (the API server, Flux) reject duplicate keys", d.Path, d.FirstLine),
				Fix: "keep one of the two keys"})
		}
	}
	sev := validate.Info
	if c.opts.Strict {
		sev = validate.Warning
	}
	for _, p := range sortedKeys(g.files) {
		if g.reached[p] || hiddenPath(p) || isRepoConfig(p) || g.inChart(p) {
			continue
		}
		out = append(out, validate.Finding{Severity: sev, Rule: validate.RuleFluxUnreferenced, File: p,
			Message: "no Flux Kustomization applies this file (it is not under a built path, nor listed by a kustomization); it is not checked as objects",
			Fix:     "list it in a kustomization, point a Flux Kustomization at its folder, or move it out of the repository's manifests"})
	}
	c.col.add(dedupe(out)...)
}

func hiddenPath(p string) bool {
	for _, part := range strings.Split(p, "/") {
		if strings.HasPrefix(part, ".") {
			return true
		}
	}
	return false
}

func (g *graph) inChart(p string) bool {
	for _, d := range g.chartDirs {
		if strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// place sets the file and line of a finding about an emitted object: the line of the field in the
// file that declared the object when the value there is the one emitted; otherwise (a patch set
// it) the patch file, or the inline patch in a kustomization, that the build read and that sets
// the field to the emitted value.
func (g *graph) place(fd *validate.Finding, o emitted, read map[string]bool) {
	fd.File = o.file
	kind, name, _ := objMeta(o.obj)
	value := valueAt(o.obj, fd.Field)
	doc := -1
	if o.file != "" {
		doc = g.docOf(o)
	}
	if doc >= 0 {
		rf := g.read(o.file)
		l, c, exact := rf.index.Lookup(doc, fd.Field)
		fd.Line, fd.Column = l, c
		if fd.Field == "" || exact && valueAt(rf.docs[doc], fd.Field) == value {
			return
		}
	}
	for _, p := range sortedKeys(read) {
		rf := g.read(p)
		if p == o.file || rf == nil || rf.err != nil {
			continue
		}
		for i, d := range rf.docs {
			k, n, _ := objMeta(d)
			if d == nil || k != kind || (n != name && !strings.HasSuffix(name, n) && !strings.HasPrefix(name, n)) {
				continue
			}
			if l, c, exact := rf.index.Lookup(i, fd.Field); exact && valueAt(d, fd.Field) == value {
				fd.File, fd.Line, fd.Column = p, l, c
				return
			}
		}
	}
	// An inline patch: a JSON patch op on the field's path, or the field set in a strategic
	// merge patch, in a kustomization the build read.
	if value == "" {
		return
	}
	pointer := "/" + strings.NewReplacer(".", "/", "[", "/", "]", "").Replace(fd.Field)
	key := fd.Field
	if i := strings.LastIndexAny(key, ".]"); i >= 0 {
		key = key[i+1:]
	}
	candidates := map[string]bool{o.file: o.file != ""}
	for p := range read {
		candidates[p] = true
	}
	for _, p := range sortedKeys(candidates) {
		rf := g.read(p)
		if (!isKustomizationFile(p) && p != o.file) || rf == nil {
			continue
		}
		lines := strings.Split(string(rf.content), "\n")
		for i, l := range lines {
			t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- "))
			if strings.HasSuffix(t, "path: "+pointer) {
				for j := max(i-2, 0); j < min(i+3, len(lines)); j++ {
					v := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[j]), "- "))
					if strings.Trim(strings.TrimPrefix(v, "value:"), ` "'`) == value && strings.HasPrefix(v, "value:") {
						fd.File, fd.Line, fd.Column = p, j+1, strings.Index(lines[j], "value:")+1
						return
					}
				}
			}
			if strings.HasPrefix(t, key+":") && strings.Trim(strings.TrimPrefix(t, key+":"), ` "'`) == value {
				fd.File, fd.Line, fd.Column = p, i+1, strings.Index(l, key)+1
				return
			}
		}
	}
}

// release is a HelmRelease a final build emitted, with the build and its JSON (its identity).
type release struct {
	emitted
	build *buildResult
	raw   string
}

// renderReleases renders every HelmRelease whose chart is in the repo, with the values Flux
// gives it, and checks the objects the chart renders.
func (g *graph) renderReleases(releases []release) []validate.Finding {
	var out []validate.Finding
	var sourceRead map[string]bool // the files read by the build that emitted the last object found
	charts := map[string]*chart.Chart{}
	seen := map[string]bool{}
	for _, rel := range releases {
		hr := rel.emitted
		// The same HelmRelease from two builds renders the same, once; the objects it refers to
		// are looked up in its own build first (two clusters' builds may each have their own).
		if seen[rel.raw] {
			continue
		}
		seen[rel.raw] = true
		objects := func(kind, name, ns string) (emitted, bool) {
			for _, b := range append([]*buildResult{rel.build}, g.final...) {
				for _, o := range b.objects {
					k, n, ons := objMeta(o.obj)
					if k == kind && n == name && (ons == ns || ons == "") {
						sourceRead = b.read
						return o, true
					}
				}
			}
			return emitted{}, false
		}
		_, name, ns := objMeta(hr.obj)
		label := fmt.Sprintf("HelmRelease %s/%s", ns, name)
		doc := g.docOf(hr)
		at := func(field string) (int, int) {
			if rf := g.read(hr.file); doc >= 0 && rf != nil && rf.index != nil {
				l, c, _ := rf.index.Lookup(doc, field)
				return l, c
			}
			return 0, 0
		}
		info := func(field, why string) {
			l, c := at(field)
			out = append(out, validate.Finding{Severity: validate.Info, Rule: validate.RuleHelmNotRendered, File: hr.file, Line: l, Column: c, Object: label,
				Message: fmt.Sprintf("%s is not rendered offline: %s", label, why), Fix: "nothing to do; its objects are checked by helm-controller and the API server"})
		}
		// Where the chart is: in the repo, or in a chart repository (then only --chart-cache has it).
		var chartFS fs.FS // the artifact a chart in the repo is read from
		chartPath := nestedString(hr.obj, "spec", "chart", "spec", "chart")
		version := nestedString(hr.obj, "spec", "chart", "spec", "version")
		ref := nestedMap(hr.obj, "spec", "chart", "spec", "sourceRef")
		field := "spec.chart.spec.sourceRef"
		var remote *remoteChart
		if cr := nestedMap(hr.obj, "spec", "chartRef"); cr != nil {
			field = "spec.chartRef"
			crKind, _ := cr["kind"].(string)
			crName, _ := cr["name"].(string)
			crNS, _ := cr["namespace"].(string)
			if crNS == "" {
				crNS = ns
			}
			switch crKind {
			case "HelmChart":
				hc, ok := objects("HelmChart", crName, crNS)
				if !ok {
					info(field, fmt.Sprintf("its HelmChart %s is not in the repository", crName))
					continue
				}
				chartPath = nestedString(hc.obj, "spec", "chart")
				version = nestedString(hc.obj, "spec", "version")
				ref = nestedMap(hc.obj, "spec", "sourceRef")
			case "OCIRepository":
				oci, ok := objects("OCIRepository", crName, crNS)
				if !ok {
					info(field, fmt.Sprintf("its chart comes from the OCIRepository %s, which is not in the repository", crName))
					continue
				}
				url := nestedString(oci.obj, "spec", "url")
				remote = &remoteChart{name: path.Base(url), from: "the OCIRepository " + crName}
				switch {
				case nestedString(oci.obj, "spec", "ref", "semver") != "":
					remote.version = nestedString(oci.obj, "spec", "ref", "semver")
				case nestedString(oci.obj, "spec", "ref", "tag") != "":
					remote.version = "=" + nestedString(oci.obj, "spec", "ref", "tag")
				default:
					info(field, fmt.Sprintf("its chart comes from the OCIRepository %s, which names no tag or semver range, so no cached version can stand for it", crName))
					continue
				}
			default:
				info(field, fmt.Sprintf("its chart comes from the %s %s, which is not in the repository", crKind, crName))
				continue
			}
		}
		refKind, _ := ref["kind"].(string)
		refName, _ := ref["name"].(string)
		refNS, _ := ref["namespace"].(string)
		if refNS == "" {
			refNS = ns
		}
		var ch *chart.Chart
		dir := "" // the chart's folder in the repo ("" for a cached chart)
		switch ignore, own := g.ownSource(refKind, refName, refNS); {
		case remote == nil && refKind == "HelmRepository":
			remote = &remoteChart{name: chartPath, version: version, from: "the HelmRepository " + refName}
			fallthrough
		case remote != nil:
			cached, file, why := g.c.cachedChart(*remote)
			if cached == nil {
				if file != "" {
					l, c := at(field)
					out = append(out, validate.Finding{Severity: validate.Error, Rule: validate.RuleChartLoad, File: hr.file, Line: l, Column: c, Object: label,
						Message: fmt.Sprintf("%s: --chart-cache %s: %s", label, file, why), Fix: "replace the file with the chart as `helm pull` writes it"})
					continue
				}
				info(field, why)
				continue
			}
			ch = cached
		case !own:
			info(field, fmt.Sprintf("its chart %s comes from the %s %s, which is not this repository", chartPath, refKind, refName))
			continue
		default:
			art := *g.repoArtifact
			if ignore != "" {
				art = gitArtifact(g.c.opts.Fleet.FS, ignore)
			}
			dir = path.Clean(strings.TrimPrefix(chartPath, "/"))
			var ok bool
			if ch, ok = charts[dir]; !ok {
				var err error
				if ch, err = chart.Load(art.fs, dir); err != nil {
					l, c := at("spec.chart")
					out = append(out, validate.Finding{Severity: validate.Error, Rule: validate.RuleChartLoad, File: hr.file, Line: l, Column: c, Object: label,
						Message: fmt.Sprintf("%s: chart %s does not load: %s", label, dir, oneLine(err.Error())), Fix: "fix the chart path or the chart"})
					continue
				}
				charts[dir] = ch
			}
			_ = fs.WalkDir(art.fs, dir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					g.reached[p] = true
				}
				return nil
			})
			chartFS = art.fs
		}
		// The values, as helm-controller composes them: valuesFrom in order, then spec.values.
		values := map[string]any{}
		var sources []string
		resolved := true
		from, _ := nested(hr.obj, "spec", "valuesFrom").([]any)
		for i, v := range from {
			vm, _ := v.(map[string]any)
			kind, _ := vm["kind"].(string)
			vname, _ := vm["name"].(string)
			key, _ := vm["valuesKey"].(string)
			if key == "" {
				key = "values.yaml"
			}
			target, _ := vm["targetPath"].(string)
			optional, _ := vm["optional"].(bool)
			src, ok := objects(kind, vname, ns)
			var data string
			found := false
			if ok {
				if kind == "Secret" {
					data, found = decodeSecretValue(src.obj, key)
				} else {
					data, found = nestedMap(src.obj, "data")[key].(string)
				}
			}
			if !found {
				if optional {
					continue
				}
				resolved = false
				info(fmt.Sprintf("spec.valuesFrom[%d]", i), fmt.Sprintf("its values come from %s %s (key %s), which the repository does not hold", kind, vname, key))
				break
			}
			if src.file != "" {
				if isKustomizationFile(src.file) {
					// A generated ConfigMap or Secret: its data comes from files beside the
					// kustomization that generates it.
					for _, p := range sortedKeys(sourceRead) {
						if path.Dir(p) == path.Dir(src.file) && p != src.file {
							sources = append(sources, p)
						}
					}
				}
				sources = append(sources, src.file)
			}
			if target != "" {
				if err := strvals.ParseInto(target+"="+data, values); err != nil {
					resolved = false
					break
				}
				continue
			}
			var m map[string]any
			if err := yaml.Unmarshal([]byte(data), &m); err != nil {
				l, c := at(fmt.Sprintf("spec.valuesFrom[%d]", i))
				out = append(out, validate.Finding{Severity: validate.Error, Rule: validate.RuleChartRender, File: hr.file, Line: l, Column: c, Object: label,
					Message: fmt.Sprintf("%s: values from %s %s key %s are not YAML: %s", label, kind, vname, key, oneLine(err.Error())), Fix: "fix the values"})
				resolved = false
				break
			}
			values = mergeMaps(values, m)
		}
		if !resolved {
			continue
		}
		if v := nestedMap(hr.obj, "spec", "values"); v != nil {
			values = mergeMaps(values, v)
		}
		sources = append(sources, hr.file)
		// Patches of the HelmRelease that its build read come after it: their values win.
		for _, p := range sortedKeys(rel.build.read) {
			if rf := g.read(p); p != hr.file && rf != nil && rf.err == nil && slices.ContainsFunc(rf.docs, func(d map[string]any) bool {
				k, n, _ := objMeta(d)
				return k == "HelmRelease" && n == name && d["spec"] != nil
			}) {
				sources = append(sources, p)
			}
		}
		release := nestedString(hr.obj, "spec", "releaseName")
		target := nestedString(hr.obj, "spec", "targetNamespace")
		if release == "" {
			release = name
			if target != "" {
				release = target + "-" + name
			}
		}
		if target == "" {
			target = ns
		}
		if target == "" {
			target = "default"
		}
		objs, err := ch.Render(values, release, target)
		var se *chart.SchemaError
		switch {
		case errors.As(err, &se):
			for _, v := range se.Violations {
				fd := validate.Finding{Severity: validate.Error, Rule: validate.RuleValuesSchema, File: hr.file, Object: label, Field: v.Path,
					Message: v.Message, Fix: "fix the value to match the chart's values.schema.json"}
				g.placeValue(&fd, sources, "", v.Path)
				out = append(out, fd)
			}
			continue
		case err != nil:
			l, c := at("spec")
			out = append(out, validate.Finding{Severity: validate.Error, Rule: validate.RuleChartRender, File: hr.file, Line: l, Column: c, Object: label,
				Message: fmt.Sprintf("%s: %s", label, oneLine(err.Error())), Fix: "fix the values or the chart so it renders"})
			continue
		}
		g.c.col.count(0, len(objs))
		nth := map[string]int{}
		for _, o := range objs {
			k := o.Template + "|" + o.Kind
			n := nth[k]
			nth[k]++
			for _, fd := range append(builtinChecks(o.Object), g.c.validateObject(o.Object, "")...) {
				fd.Template = o.Template
				if dir == "" { // a cached chart: its templates are not in the repo
					fd.File = hr.file
					fd.Line, fd.Column = at("spec.chart")
					g.placeValue(&fd, sources, valueAt(o.Object, fd.Field), "")
					out = append(out, fd)
					continue
				}
				fd.File = path.Join(dir, strings.TrimPrefix(o.Template, ch.Name()+"/"))
				if !g.placeValue(&fd, sources, valueAt(o.Object, fd.Field), "") {
					if data, err := fs.ReadFile(chartFS, fd.File); err == nil {
						fd.Line = templateLine(data, o.Kind, n, fd.Field)
					}
				}
				out = append(out, fd)
			}
		}
	}
	return out
}

// placeValue points a finding about a rendered object at the values source that holds its value
// (by the scalar, when it occurs once in a source), or at the values path.
func (g *graph) placeValue(fd *validate.Finding, sources []string, value, valuesPath string) bool {
	// The last source wins in the merge: look there first.
	for i := len(sources) - 1; i >= 0; i-- {
		rf := g.read(sources[i])
		if rf == nil || rf.err != nil {
			continue
		}
		if value != "" {
			if l := valueLines(rf.content)[value]; l > 0 {
				fd.File, fd.Line, fd.Column = sources[i], l, 0
				return true
			}
		}
		if valuesPath != "" {
			last := valuesPath
			if j := strings.LastIndex(valuesPath, "."); j >= 0 {
				last = valuesPath[j+1:]
			}
			for n, line := range strings.Split(string(rf.content), "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), last+":") {
					fd.File, fd.Line, fd.Column = sources[i], n+1, strings.Index(line, last)+1
					return true
				}
			}
		}
	}
	return false
}

// templateLine finds the line of a field in a chart template: in the document of the template
// that names the object's kind (the nth such document, for the nth object of that kind it
// rendered), the first line that sets the field's last key (0 when not found). A template is not
// YAML, so this reads it as text.
func templateLine(data []byte, kind string, nth int, field string) int {
	key := field
	if i := strings.LastIndexAny(field, ".]"); i >= 0 {
		key = field[i+1:]
	}
	if key == "" {
		key = "apiVersion"
	}
	lines := strings.Split(string(data), "\n")
	start := 0
	for i := 0; i <= len(lines); i++ {
		if i < len(lines) && strings.TrimSpace(lines[i]) != "---" {
			continue
		}
		doc := lines[start:i]
		hasKind := false
		for _, l := range doc {
			if strings.TrimRight(l, " \r") == "kind: "+kind { // top level: not a reference's kind
				hasKind = true
			}
		}
		if hasKind && nth > 0 {
			nth--
		} else if hasKind {
			for j, l := range doc {
				t := strings.TrimPrefix(strings.TrimSpace(l), "- ")
				if strings.HasPrefix(t, key+":") {
					return start + j + 1
				}
			}
		}
		start = i + 1
	}
	return 0
}

// builtinChecks are the checks of built-in kinds fleetctl makes without their OpenAPI schema:
// the values of a ConfigMap's data and binaryData, and of a Secret's data and stringData, are
// strings, or the API server cannot decode the object.
func builtinChecks(obj map[string]any) []validate.Finding {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	if apiVersion != "v1" || (kind != "ConfigMap" && kind != "Secret") {
		return nil
	}
	fields := []string{"data", "binaryData"}
	if kind == "Secret" {
		fields = []string{"data", "stringData"}
	}
	var out []validate.Finding
	for _, f := range fields {
		m := nestedMap(obj, f)
		for _, k := range sortedKeys(m) {
			if _, ok := m[k].(string); ok || m[k] == nil {
				continue
			}
			field := yamlpos.AppendKey(f, k)
			out = append(out, validate.Finding{Severity: validate.Error, Rule: validate.SchemaRule("type"), Field: field,
				Message: fmt.Sprintf("%s: must be a string, not %s; the API server cannot decode the %s", field, jsonType(m[k]), kind),
				Fix:     "quote the value"})
		}
	}
	return out
}

func jsonType(v any) string {
	switch v.(type) {
	case bool:
		return "a boolean"
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	default:
		return "a number"
	}
}
