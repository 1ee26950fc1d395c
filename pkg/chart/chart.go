// Package chart loads the aks-cluster Helm chart and renders it in-process
// with Helm's own loader and template engine, so that fleetctl can show and
// check exactly what Flux's helm-controller will apply, without a cluster.
//
// It uses the Helm 4 library at the minor helm-controller is built with (a
// test in this package compares the go.mod files) and takes the steps of
// Helm's install action: the chart v2 loader, values coalesced over the
// chart's defaults (chart/common/util.CoalesceValues), the values checked
// against values.schema.json, and the engine run on the top-level values
// ToRenderValues builds.
//
// The chart's values.schema.json is compiled once, when the chart is loaded,
// without any loader for remote references; every Render validates the
// values with it before rendering.
package chart

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	chartapi "helm.sh/helm/v4/pkg/chart"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	helmchart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartv2util "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/ignore"

	"github.com/fleetctl/fleetctl/pkg/apijson"
)

// Chart is a loaded chart together with its compiled values schema. It is
// safe for concurrent use by multiple goroutines once loaded.
type Chart struct {
	chart  *helmchart.Chart
	meta   map[string]any // Chart.yaml as Helm v4 exposes it to templates (.Chart)
	schema *valuesSchema  // nil when the chart has no values.schema.json
	// files is the chart as loaded, kept when Chart.yaml lists dependencies:
	// Helm enables, aliases and imports them per release, editing the chart
	// as it goes, so each Render loads its own copy from them.
	files []*archive.BufferedFile
	// subSchemas are the subcharts' compiled schemas, by their text.
	subSchemas map[string]*valuesSchema
}

// Object is one rendered Kubernetes object.
type Object struct {
	// Template is the chart template the object came from, e.g.
	// "aks-cluster/templates/cluster.yaml".
	Template   string
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	// Object is the whole decoded document.
	Object map[string]any
}

// String identifies the object as kind/namespace/name (apiVersion).
func (o Object) String() string {
	return fmt.Sprintf("%s %s/%s (%s)", o.Kind, o.Namespace, o.Name, o.APIVersion)
}

// Load reads the chart in directory dir of fsys (for instance
// os.DirFS(repoRoot) and "charts/aks-cluster", or the embedded templates)
// with Helm's chart v2 loader, honouring the chart's .helmignore as Helm's
// directory loader does, and compiles its values.schema.json.
func Load(fsys fs.FS, dir string) (*Chart, error) {
	dir = path.Clean(strings.TrimPrefix(dir, "./"))
	if !fs.ValidPath(dir) {
		return nil, fmt.Errorf("load chart: invalid directory %q", dir)
	}
	rules := ignore.Empty()
	if data, err := fs.ReadFile(fsys, path.Join(dir, ignore.HelmIgnore)); err == nil {
		if rules, err = ignore.Parse(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("load chart %s: %s: %w", dir, ignore.HelmIgnore, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load chart %s: %w", dir, err)
	}
	rules.AddDefaults()

	var files []*archive.BufferedFile
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := p
		if dir != "." {
			rel = strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
		}
		if rel == "" || rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			// Helm's rules match directories with a trailing slash pattern
			// against the bare path, as in loader.LoadDir.
			if rules.Ignore(rel, info) {
				return fs.SkipDir
			}
			return nil
		}
		if rules.Ignore(rel, info) {
			return nil
		}
		// Symbolic links to files are read through, as Helm does.
		if !info.Mode().IsRegular() && info.Mode()&fs.ModeSymlink == 0 {
			return fmt.Errorf("%s: not a regular file", p)
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files = append(files, &archive.BufferedFile{Name: rel, Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("load chart %s: no files", dir)
	}
	return loadFiles(files, dir)
}

// LoadArchive reads a packaged chart (a .tgz as `helm package` or `helm pull`
// writes it, and as source-controller serves it) with Helm's archive loader.
// name is what errors call it.
func LoadArchive(r io.Reader, name string) (*Chart, error) {
	// As loader.LoadArchive does, keeping the files.
	files, err := archive.LoadArchiveFiles(r)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", name, err)
	}
	return loadFiles(files, name)
}

func loadFiles(files []*archive.BufferedFile, name string) (*Chart, error) {
	hc, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", name, err)
	}
	c := &Chart{chart: hc}
	if ca, err := chartapi.NewAccessor(hc); err == nil {
		c.meta = ca.MetadataAsMap()
	}
	if len(hc.Schema) > 0 {
		if c.schema, err = compileSchema(hc.Schema); err != nil {
			return nil, fmt.Errorf("load chart %s: values.schema.json: %w", name, err)
		}
	}
	if len(hc.Metadata.Dependencies) > 0 {
		c.files = files
	}
	var compileSubs func(ch *helmchart.Chart) error
	compileSubs = func(ch *helmchart.Chart) error {
		for _, sub := range ch.Dependencies() {
			if key := string(sub.Schema); len(sub.Schema) > 0 && c.subSchemas[key] == nil {
				s, err := compileSchema(sub.Schema)
				if err != nil {
					return fmt.Errorf("load chart %s: %s/values.schema.json: %w", name, strings.TrimPrefix(sub.ChartFullPath(), hc.Name()+"/"), err)
				}
				if c.subSchemas == nil {
					c.subSchemas = map[string]*valuesSchema{}
				}
				c.subSchemas[key] = s
			}
			if err := compileSubs(sub); err != nil {
				return err
			}
		}
		return nil
	}
	if err := compileSubs(hc); err != nil {
		return nil, err
	}
	return c, nil
}

// Name is the chart's name from Chart.yaml.
func (c *Chart) Name() string { return c.chart.Metadata.Name }

// Version is the chart's version from Chart.yaml.
func (c *Chart) Version() string { return c.chart.Metadata.Version }

// Defaults returns a deep copy of the chart's values.yaml.
func (c *Chart) Defaults() map[string]any {
	out, _ := normalize(c.chart.Values) // values.yaml was YAML, so it is JSON-compatible
	return out
}

// Validate merges values over the chart's defaults, as Helm does, and checks
// the result against values.schema.json, and each enabled subchart's values
// against the subchart's schema. The error lists every violation, one per
// line, each naming the value's path.
func (c *Chart) Validate(values map[string]any) error {
	_, _, err := c.mergedValues(values)
	return err
}

// mergedValues takes the steps of Helm v4's install action before it renders:
// the chart's dependencies enabled and imported for these values
// (ProcessDependencies, on a copy of the chart when there are any), the user
// values coalesced with the defaults, and the result checked against the
// schemas. It returns the chart to render.
func (c *Chart) mergedValues(values map[string]any) (*helmchart.Chart, common.Values, error) {
	user, err := normalize(values)
	if err != nil {
		return nil, nil, fmt.Errorf("values: %w", err)
	}
	ch := c.chart
	if c.files != nil {
		if ch, err = loader.LoadFiles(c.files); err != nil {
			return nil, nil, fmt.Errorf("load chart %s: %w", c.Name(), err)
		}
		if err := chartv2util.ProcessDependencies(ch, user); err != nil {
			return nil, nil, fmt.Errorf("chart dependencies: %w", err)
		}
	}
	merged, err := chartutil.CoalesceValues(ch, user)
	if err != nil {
		return nil, nil, fmt.Errorf("values: %w", err)
	}
	var out []Violation
	if c.schema != nil {
		if out, err = c.schema.violations(merged); err != nil {
			return nil, nil, err
		}
	}
	if out, err = c.subchartViolations(ch, merged, nil, out); err != nil {
		return nil, nil, err
	}
	if len(out) > 0 {
		return nil, nil, &SchemaError{Violations: sortViolations(out)}
	}
	return ch, merged, nil
}

// subchartViolations checks the values of each subchart of ch against its
// schema, as chart/common/util.ValidateAgainstSchema walks them: a subchart
// without values is skipped, values that are not a map are a violation.
func (c *Chart) subchartViolations(ch *helmchart.Chart, values map[string]any, at []string, out []Violation) ([]Violation, error) {
	for _, sub := range ch.Dependencies() {
		raw, ok := values[sub.Name()]
		if !ok || raw == nil {
			continue
		}
		loc := append(clone(at), sub.Name())
		subValues, ok := raw.(map[string]any)
		if !ok {
			out = append(out, Violation{Path: dotted(loc), Message: fmt.Sprintf("values of subchart %s must be a map, not %T", sub.Name(), raw)})
			continue
		}
		if s := c.subSchemas[string(sub.Schema)]; len(sub.Schema) > 0 && s != nil {
			vs, err := s.violations(subValues, loc...)
			if err != nil {
				return nil, err
			}
			for _, v := range vs {
				v.Schema = strings.TrimPrefix(sub.ChartFullPath(), ch.Root().Name()+"/")
				out = append(out, v)
			}
		}
		var err error
		if out, err = c.subchartViolations(sub, subValues, loc, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Render validates values against the chart's schema (after merging them
// over the chart's defaults, as Helm does), renders the templates with Helm's
// engine for a release named release in namespace, and returns the objects
// sorted by template file name, then by their order in the file.
func (c *Chart) Render(values map[string]any, release, namespace string) ([]Object, error) {
	if release == "" {
		return nil, errors.New("render: empty release name")
	}
	if namespace == "" {
		return nil, errors.New("render: empty namespace")
	}
	ch, merged, err := c.mergedValues(values)
	if err != nil {
		return nil, err
	}
	return c.render(ch, merged, release, namespace)
}

// render runs Helm's engine on values that are already merged (and, from
// Render, validated) and decodes the result. The top-level values are the ones
// Helm v4's install action builds (chart/common/util.ToRenderValues) for a
// first install; Capabilities are Helm's defaults, as in `helm template`, since
// there is no cluster to ask.
func (c *Chart) render(ch *helmchart.Chart, merged common.Values, release, namespace string) ([]Object, error) {
	top := common.Values{
		"Chart":        c.meta,
		"Capabilities": common.DefaultCapabilities,
		"Release": map[string]any{
			"Name":      release,
			"Namespace": namespace,
			"IsUpgrade": false,
			"IsInstall": true,
			"Revision":  1,
			"Service":   "Helm",
		},
		"Values": merged,
	}
	// A fresh Engine per call, as the install action makes one: no DNS
	// lookups, no custom functions, Strict off, as in helm-controller.
	var e engine.Engine
	out, err := e.Render(ch, top)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)

	var objs []Object
	var errs []error
	prefix := c.chart.Name() + "/"
	for _, name := range names {
		base := path.Base(name)
		// Partials and NOTES.txt are not manifests, as in Helm's releaseutil.
		if strings.HasPrefix(base, "_") || strings.HasSuffix(name, "NOTES.txt") {
			continue
		}
		docs, err := decodeDocuments(out[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("render: %s: %w", name, err))
			continue
		}
		for i, doc := range docs {
			o, err := toObject(doc)
			if err != nil {
				errs = append(errs, fmt.Errorf("render: %s: document %d: %w", name, i+1, err))
				continue
			}
			o.Template = name
			if !strings.HasPrefix(name, prefix) {
				o.Template = prefix + name
			}
			objs = append(objs, o)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return objs, nil
}

// decodeDocuments splits a rendered template into YAML documents and decodes
// each non-empty one.
func decodeDocuments(s string) ([]map[string]any, error) {
	var docs []map[string]any
	for i, part := range splitDocuments(s) {
		if strings.TrimSpace(stripComments(part)) == "" {
			continue
		}
		m, err := apijson.DecodeObject([]byte(part))
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if m == nil {
			continue
		}
		docs = append(docs, m)
	}
	return docs, nil
}

// splitDocuments splits on lines that are exactly a YAML document separator
// ("---", optionally followed by blanks or a comment).
func splitDocuments(s string) []string {
	var parts []string
	var cur strings.Builder
	for line := range strings.Lines(s) {
		trimmed := strings.TrimRight(line, " \t\r\n")
		if trimmed == "---" || strings.HasPrefix(trimmed, "--- ") || strings.HasPrefix(trimmed, "---\t") {
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteString(line)
	}
	return append(parts, cur.String())
}

func stripComments(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

func toObject(m map[string]any) (Object, error) {
	o := Object{Object: m}
	o.APIVersion, _ = m["apiVersion"].(string)
	o.Kind, _ = m["kind"].(string)
	if md, ok := m["metadata"].(map[string]any); ok {
		o.Name, _ = md["name"].(string)
		o.Namespace, _ = md["namespace"].(string)
	}
	var missing []string
	if o.APIVersion == "" {
		missing = append(missing, "apiVersion")
	}
	if o.Kind == "" {
		missing = append(missing, "kind")
	}
	if o.Name == "" {
		missing = append(missing, "metadata.name")
	}
	if len(missing) > 0 {
		return o, fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	return o, nil
}

// normalize deep-copies values through JSON, so that numbers, nested maps and
// slices have the types a YAML or JSON decoder produces (as for values.yaml)
// and the caller's map is never modified.
func normalize(values map[string]any) (map[string]any, error) {
	if values == nil {
		return map[string]any{}, nil
	}
	data, err := json.Marshal(values)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after values")
	}
	return numbersToGo(out).(map[string]any), nil
}

// numbersToGo turns json.Number into int64 when integral and float64
// otherwise, which is what Helm's YAML values decoder yields for values.yaml.
func numbersToGo(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = numbersToGo(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = numbersToGo(e)
		}
		return t
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	default:
		return v
	}
}
