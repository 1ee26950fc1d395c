package engine

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"

	kyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/fleetctl/fleetctl/pkg/apijson"
	"github.com/fleetctl/fleetctl/pkg/chart"
	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/validate"
	"github.com/fleetctl/fleetctl/pkg/validate/rules"
	"github.com/fleetctl/fleetctl/pkg/yamlpos"
)

type checker struct {
	opts    Options
	col     *collector
	secrets *rules.SecretScanner // with the repo's .sops.yaml
	cache   *chartCache          // --chart-cache (nil: none)

	chartOnce sync.Once

	mu      sync.Mutex
	invalid map[string]bool // clusters whose values the chart schema rejected
}

func (c *checker) markInvalid(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.invalid == nil {
		c.invalid = map[string]bool{}
	}
	c.invalid[name] = true
}

// Files that are YAML but not Kubernetes objects.
var notObjects = map[string]bool{
	"values.yaml": true, "Chart.yaml": true, "kustomizeconfig.yaml": true, config.FileName: true,
	"kustomization.yaml": true, "kustomization.yml": true,
}

func errf(rule, file, format string, args ...any) validate.Finding {
	return validate.Finding{Severity: validate.Error, Rule: rule, File: file, Message: fmt.Sprintf(format, args...)}
}

// parsed is one file read and indexed.
type parsed struct {
	path    string
	content []byte
	index   *yamlpos.Index
	docs    []map[string]any // nil entries for empty documents
}

// readFile reads, indexes and decodes a repo file, reporting syntax problems. ok is false when the
// file cannot be used further.
func (c *checker) readFile(p string) (*parsed, bool) {
	content, err := fs.ReadFile(c.opts.Fleet.FS, p)
	if err != nil {
		c.col.add(errf(validate.RuleYAMLRead, p, "cannot read: %v", err))
		return nil, false
	}
	c.col.add(c.secrets.Scan(p, content)...)
	ix, err := yamlpos.Parse(content)
	if err != nil {
		f := errf(validate.RuleYAMLSyntax, p, "%s", oneLine(err.Error()))
		var se *yamlpos.SyntaxError
		if errors.As(err, &se) {
			f.Line, f.Column, f.Message = se.Line, se.Column, se.Msg
		}
		f.Fix = "fix the YAML syntax"
		c.col.add(f)
		return nil, false
	}
	for _, d := range ix.DuplicateKeys() {
		c.col.add(validate.Finding{Severity: validate.Error, Rule: validate.RuleYAMLDuplicateKey, File: p, Line: d.Line, Column: d.Column,
			Field: d.Path, Message: fmt.Sprintf("key %s is set twice (first on line %d); strict decoders (the API server, Flux) reject duplicate keys", d.Path, d.FirstLine),
			Fix: "keep one of the two keys"})
	}
	docs, err := splitDocuments(content)
	if err != nil {
		c.col.add(errf(validate.RuleYAMLSyntax, p, "%s", oneLine(err.Error())))
		return nil, false
	}
	return &parsed{path: p, content: content, index: ix, docs: docs}, true
}

// splitDocuments decodes every document with sigs.k8s.io/yaml, which reads YAML 1.1 scalars (on, no)
// the way the API server's decoder does.
func splitDocuments(content []byte) ([]map[string]any, error) {
	rd := kyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(content)))
	var out []map[string]any
	for {
		doc, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		m, err := apijson.DecodeObject(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
}

// maxScan is the largest non-YAML file scanned for secrets; larger ones are not configuration.
const maxScan = 1 << 20

// checkSecrets scans a file that is not YAML (a key file, a script, a chart template) for committed
// secrets. Binary files are skipped.
func (c *checker) checkSecrets(p string) {
	if st, err := fs.Stat(c.opts.Fleet.FS, p); err != nil || st.Size() > maxScan {
		return
	}
	content, err := fs.ReadFile(c.opts.Fleet.FS, p)
	if err != nil || bytes.IndexByte(content, 0) >= 0 {
		return
	}
	c.col.add(c.secrets.Scan(p, content)...)
}

// checkFile checks one repo file outside cluster folders, or inside one, and returns what it read
// (nil when the file cannot be used further).
func (c *checker) checkFile(p string) *parsed {
	pf, ok := c.readFile(p)
	c.col.checked(p)
	if !ok {
		return nil
	}
	if path.Base(p) == config.FileName && path.Dir(p) == "." {
		if _, err := config.Decode(p, pf.content); err != nil {
			c.col.add(validate.Finding{Severity: validate.Error, Rule: validate.RuleConfigInvalid, File: p, Message: oneLine(err.Error()),
				Fix: "fix .fleetctl.yaml: apiVersion " + config.APIVersion + ", kind " + config.Kind + ", known keys only"})
		}
		return pf
	}
	if notObjects[path.Base(p)] || strings.HasPrefix(p, c.opts.Fleet.ChartDir()+"/") {
		return pf
	}
	for i, doc := range pf.docs {
		if len(doc) == 0 {
			continue
		}
		c.checkObject(pf, i, doc)
	}
	return pf
}

func (c *checker) checkObject(pf *parsed, doc int, obj map[string]any) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	line, col, _ := pf.index.Lookup(doc, "")
	if apiVersion == "" || kind == "" {
		c.col.add(validate.Finding{Severity: validate.Error, Rule: validate.RuleYAMLNotAnObject, File: pf.path, Line: line, Column: col,
			Message: "document has no apiVersion and kind; Flux cannot apply it", Fix: "add apiVersion and kind, or move the file out of the folders Flux applies"})
		return
	}
	meta, _ := obj["metadata"].(map[string]any)
	if name, _ := meta["name"].(string); name == "" {
		c.col.add(validate.Finding{Severity: validate.Error, Rule: validate.RuleYAMLMissingName, File: pf.path, Line: line, Column: col,
			Object: kind, Message: fmt.Sprintf("%s %s has no metadata.name", apiVersion, kind), Fix: "set metadata.name"})
		return
	}
	c.col.count(0, 1)
	for _, f := range c.validateObject(obj, "") {
		if f.Line == 0 {
			f.Line, f.Column, _ = pf.index.Lookup(doc, f.Field)
		}
		f.File = pf.path
		c.col.add(f)
	}
}

// validateObject checks one object against its CRD schema and, for CAPZ's ASO-based kinds, every
// embedded Azure Service Operator resource against ASO's schema.
func (c *checker) validateObject(obj map[string]any, prefix string) []validate.Finding {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	ns, _ := meta["namespace"].(string)
	id := strings.TrimPrefix(fmt.Sprintf("%s %s/%s", kind, ns, name), " /")
	if ns == "" {
		id = kind + " " + name
	}
	group := apiVersion
	if i := strings.LastIndex(apiVersion, "/"); i >= 0 {
		group = apiVersion[:i]
	} else {
		group = ""
	}
	if !strings.Contains(group, ".") || strings.HasSuffix(group, ".k8s.io") && !strings.HasSuffix(group, ".x-k8s.io") {
		return nil // built-in Kubernetes kinds: the API server's own types, not CRDs
	}
	var out []validate.Finding
	lk := c.opts.Schemas.Lookup(apiVersion, kind)
	switch lk.Status {
	case schema.Found:
		if lk.Deprecated {
			out = append(out, validate.Finding{Severity: validate.Warning, Rule: validate.RuleSchemaDeprecatedVersion, Object: id, Field: prefix + "apiVersion",
				Message: oneLine(lk.Warning), Fix: "move the object to the version the CRD stores (see the warning)"})
		}
		for _, e := range lk.Validator.Validate(obj) {
			if e.Type == "cel-skipped" {
				continue // the server's note that CEL did not run because of the errors reported here
			}
			out = append(out, validate.Finding{Severity: validate.Error, Rule: validate.SchemaRule(e.Type), Object: id,
				Field: prefix + e.Path, Message: e.Message, Fix: fixFor(e.Type)})
		}
	case schema.Unknown:
		sev := validate.Warning
		if c.opts.Strict {
			sev = validate.Error
		}
		out = append(out, validate.Finding{Severity: sev, Rule: validate.RuleSchemaUnknownKind, Object: id, Field: prefix,
			Message: fmt.Sprintf("no schema for %s %s: not validated", apiVersion, kind),
			Fix:     "add its CRD with --schema-dir, or fix apiVersion/kind if it is a typo"})
		return out
	default:
		out = append(out, validate.Finding{Severity: validate.Error, Rule: validate.RuleSchemaRemovedVersion, Object: id, Field: prefix + "apiVersion",
			Message: lk.Message(), Fix: "move the object to " + lk.Replacement})
		return out
	}
	if strings.HasPrefix(kind, "AzureASOManaged") {
		spec, _ := obj["spec"].(map[string]any)
		resources, _ := spec["resources"].([]any)
		for i, r := range resources {
			if m, ok := r.(map[string]any); ok {
				out = append(out, c.validateObject(m, fmt.Sprintf("%sspec.resources[%d].", prefix, i))...)
			}
		}
	}
	return out
}

func fixFor(typ string) string {
	switch typ {
	case "unknown-field":
		return "remove the field or fix its spelling; the API server rejects unknown fields"
	case "required":
		return "set the required field"
	case "enum":
		return "use one of the allowed values"
	default:
		return "fix the value to match the schema"
	}
}

// checkKustomizeRoot builds a kustomization folder as kustomize-controller would.
func (c *checker) checkKustomizeRoot(dir string) {
	if err := c.opts.Fleet.BuildKustomization(dir); err != nil {
		c.col.add(validate.Finding{Severity: validate.Error, Rule: validate.RuleKustomizeBuild, File: path.Join(dir, "kustomization.yaml"),
			Message: oneLine(err.Error()), Fix: "fix the kustomization so `kustomize build " + dir + "` succeeds"})
	}
}

// summaryFacts are the facts of a cluster the run does not check in full (outside --changed, or not
// touched by a change): its summary, read through the fleet's content-keyed cache. Positions are
// parsed only when a fleet-wide finding points into its values.
func (c *checker) summaryFacts(name string) *rules.Cluster {
	f := c.opts.Fleet
	s := f.Summary(name)
	valuesPath := path.Join(s.Dir, fleet.ValuesFile)
	if len(s.Files) > 0 {
		valuesPath = s.Files[len(s.Files)-1] // the lowest layer: values.yaml when there is one
	}
	pos := sync.OnceValue(func() *yamlpos.Index {
		content, err := fs.ReadFile(f.FS, valuesPath)
		if err != nil {
			return nil
		}
		ix, _ := yamlpos.Parse(content)
		return ix
	})
	if c.opts.Paths != nil {
		// A write's check reports only its own clusters' findings: positions in this one are never
		// needed (parsing them for every finding of a fleet-wide rule is what would cost).
		return &rules.Cluster{Name: name, Dir: s.Dir, ValuesFile: valuesPath, Values: s.Values}
	}
	return &rules.Cluster{Name: name, Dir: s.Dir, ValuesFile: valuesPath, Values: s.Values, Pos: func(p string) (int, int) {
		ix := pos()
		if ix == nil {
			return 0, 0
		}
		l, col, _ := ix.Lookup(0, p)
		return l, col
	}}
}

// clusterFacts reads the values of a cluster checked in full into the compact facts the fleet
// rules need, reporting values that are not in the chart's shape; it also returns the file as read,
// for the chart render.
//
// read is values.yaml as the file check read it, or nil when that check could not use it.
func (c *checker) clusterFacts(name string, files []string, read *parsed) (*rules.Cluster, *parsed) {
	f := c.opts.Fleet
	dir := f.ClusterDir(name)
	valuesPath := path.Join(dir, fleet.ValuesFile)
	if read == nil {
		content, err := fs.ReadFile(f.FS, valuesPath)
		if err != nil {
			// A folder of plain manifests (no values.yaml): its objects are checked file by file, and
			// there is no chart to render.
			return nil, nil
		}
		ix, err := yamlpos.Parse(content)
		if err != nil {
			return &rules.Cluster{Name: name, Dir: dir, ValuesFile: valuesPath}, nil // reported by the file check
		}
		read = &parsed{path: valuesPath, content: content, index: ix}
	}
	content, ix := read.content, read.index
	if len(ix.DuplicateKeys()) > 0 {
		// a duplicate key, reported once by the file check
		return &rules.Cluster{Name: name, Dir: dir, ValuesFile: valuesPath}, nil
	}
	v, err := spec.DecodeValues(valuesPath, content)
	if err != nil {
		fd := validate.Finding{Severity: validate.Error, Rule: validate.RuleValuesInvalid, File: valuesPath,
			Message: strings.TrimPrefix(oneLine(err.Error()), valuesPath+": "),
			Fix:     "use only keys the cluster chart knows (see its values.yaml), with the right types"}
		if field := decodeErrorField(fd.Message); field != "" {
			fd.Field = field
			fd.Line, fd.Column, _ = ix.Lookup(0, field)
		}
		c.col.add(fd)
		return &rules.Cluster{Name: name, Dir: dir, ValuesFile: valuesPath}, nil
	}
	facts := &rules.Cluster{Name: name, Dir: dir, ValuesFile: valuesPath, Values: v, Pos: func(p string) (int, int) {
		l, col, _ := ix.Lookup(0, p)
		return l, col
	}}
	if s := c.inlineValues(name, files); s != nil {
		// Flux merges the HelmRelease's spec.values over values.yaml: the rules see what the chart gets.
		facts.Values = s.Values
		facts.Effective = s.Effective()
	}
	return facts, read
}

// inlineValues reads the cluster through fleet.LoadCluster when its HelmRelease sets spec.values
// (a hand-written or older layout), so the checks see the merged values. A folder fleetctl cannot
// read that way is checked on values.yaml alone; the file checks report what is wrong with it.
func (c *checker) inlineValues(name string, files []string) *fleet.ClusterSource {
	inline := false
	for _, p := range files {
		if path.Base(p) == fleet.ValuesFile || (path.Ext(p) != ".yaml" && path.Ext(p) != ".yml") {
			continue
		}
		data, err := fs.ReadFile(c.opts.Fleet.FS, p)
		if err == nil && bytes.Contains(data, []byte("HelmRelease")) && bytes.Contains(data, []byte("values:")) {
			inline = true
		}
	}
	if !inline {
		return nil
	}
	s, err := c.opts.Fleet.LoadCluster(name)
	if err != nil || len(s.Files()) < 2 {
		return nil
	}
	return s
}

// checkCluster runs every per-cluster check and returns its facts for the fleet rules.
func (c *checker) checkCluster(name string, files []string) *rules.Cluster {
	f := c.opts.Fleet
	dir := f.ClusterDir(name)
	valuesPath := path.Join(dir, fleet.ValuesFile)
	var values *parsed
	for _, p := range files {
		if pf := c.checkFile(p); p == valuesPath {
			values = pf
		}
	}
	if c.col.hasIn(dir, "yaml/") {
		// kustomize would only repeat the YAML problem already reported for this folder
	} else if err := f.CheckClusterBuild(name); err != nil {
		c.col.add(validate.Finding{Severity: validate.Error, Rule: validate.RuleKustomizeBuild, File: path.Join(dir, fleet.KustomizationFile),
			Message: oneLine(err.Error()), Fix: "fix the kustomization so the cluster folder builds and valuesFrom follows the values ConfigMap"})
	}
	facts, values := c.clusterFacts(name, files, values)
	if facts == nil {
		return nil
	}
	if reflect.ValueOf(facts.Values).IsZero() {
		return facts // values unreadable (already reported): the chart would only repeat it
	}
	c.col.add(rules.ClusterRules(*facts)...)
	c.col.add(rules.SupportRules(*facts, c.opts.Support)...)
	c.renderChart(facts, values)
	return facts
}

// renderChart renders the cluster chart with the cluster's values and validates every object.
func (c *checker) renderChart(facts *rules.Cluster, values *parsed) {
	f := c.opts.Fleet
	ch, err := f.Chart()
	if err != nil {
		c.chartOnce.Do(func() {
			c.col.add(validate.Finding{Severity: validate.Error, Rule: validate.RuleChartLoad, File: path.Join(f.ChartDir(), "Chart.yaml"),
				Message: oneLine(err.Error()), Fix: "fix the cluster chart"})
		})
		return
	}
	vals := facts.Effective
	switch {
	case vals != nil:
	case len(values.docs) == 1 && values.docs[0] != nil:
		vals = values.docs[0] // decoded by the file check, and not used by anything after it
	default:
		if err := yaml.Unmarshal(values.content, &vals); err != nil {
			return // reported by the file check
		}
	}
	objs, err := ch.Render(vals, facts.Name, f.Config.Defaults.Namespace)
	var se *chart.SchemaError
	switch {
	case errors.As(err, &se):
		c.markInvalid(facts.Name)
		for _, v := range se.Violations {
			fd := validate.Finding{Severity: validate.Error, Rule: validate.RuleValuesSchema, File: facts.ValuesFile, Field: v.Path,
				Message: v.Message, Fix: "fix the value to match the chart's values.schema.json"}
			if facts.Pos != nil {
				fd.Line, fd.Column = facts.Pos(v.Path)
			}
			c.col.add(fd)
		}
		return
	case err != nil:
		c.col.add(validate.Finding{Severity: validate.Error, Rule: validate.RuleChartRender, File: facts.ValuesFile, Message: oneLine(err.Error()),
			Fix: "fix the values or the chart so it renders"})
		return
	}
	c.col.count(0, len(objs))
	lines := valueLines(values.content)
	for _, o := range objs {
		for _, fd := range c.validateObject(o.Object, "") {
			fd.File = facts.ValuesFile
			fd.Template = o.Template
			fd.Line = lines[valueAt(o.Object, fd.Field)]
			c.col.add(fd)
		}
	}
	pools := make([]string, 0, len(facts.Values.NodePools))
	for p := range facts.Values.NodePools {
		pools = append(pools, p)
	}
	sort.Strings(pools)
	if err := chart.CheckShapesFor(objs, pools, f.Config.Providers.CAPIContract()); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			c.col.add(validate.Finding{Severity: validate.Error, Rule: validate.RuleChartShape, File: facts.ValuesFile, Message: line,
				Fix: "the cluster chart must render the CAPI/CAPZ objects fleetctl expects; restore it with fleetctl init"})
		}
	}
}

// baseChanges compares each cluster's values, and the list of clusters, with the base revision.
// Clusters whose values the chart schema rejects are skipped: that finding comes first. Both sides
// are read the same way (values.yaml with the HelmRelease's inline values merged over it).
func (c *checker) baseChanges(clusters []rules.Cluster, listed, folders []string) []validate.Finding {
	f := c.opts.Fleet
	base := f.WithFS(c.opts.Base)
	var out []validate.Finding
	present := map[string]bool{}
	for _, n := range folders {
		present[n] = true
	}
	for _, head := range clusters {
		if (c.opts.Only != nil && !c.opts.Only[head.Name]) || c.invalid[head.Name] || reflect.ValueOf(head.Values).IsZero() {
			continue
		}
		s, err := base.LoadCluster(head.Name)
		if err != nil {
			continue // a new cluster, or unreadable at the base: nothing to compare
		}
		out = append(out, rules.Changes(rules.Cluster{Name: head.Name, Dir: head.Dir, ValuesFile: head.ValuesFile, Values: s.Values}, head)...)
	}
	listPath := f.ClustersKustomization()
	if before, err := base.ClusterNames(); err == nil && listed != nil {
		now := map[string]bool{}
		for _, n := range listed {
			now[fleet.ListedFolder(n)] = true
		}
		for _, e := range before {
			n := fleet.ListedFolder(e)
			if n != "" && !now[n] && present[n] {
				out = append(out, validate.Finding{Severity: validate.Error, Rule: validate.RuleChangeClusterUnlisted, File: listPath, Cluster: n,
					Message: fmt.Sprintf("cluster %s is no longer listed but its folder is still there: Flux prunes its objects, which deletes the AKS cluster", n),
					Fix:     "list it again, or remove the cluster with fleetctl cluster remove if deleting it is intended"})
			}
		}
	}
	// A cluster is removed when the base lists it and HEAD no longer has its folder: a folder that
	// was never listed was never applied, and a base that is not a fleet lists nothing.
	if before, err := base.ClusterNames(); err == nil {
		for _, e := range before {
			n := fleet.ListedFolder(e)
			if n != "" && !present[n] {
				out = append(out, validate.Finding{Severity: validate.Warning, Rule: validate.RuleChangeClusterRemoved, Cluster: n,
					File: f.ClusterDir(n), Message: fmt.Sprintf("cluster %s is removed: merging this deletes the AKS cluster", n),
					Fix: "make sure this is intended; fleetctl cluster remove says so in its commit"})
			}
		}
	}
	return out
}

var (
	unknownFieldRE = regexp.MustCompile(`unknown field "([^"]+)"`)
	typeFieldRE    = regexp.MustCompile(`^([A-Za-z0-9_.\[\]-]+): must be `)
)

// decodeErrorField extracts the values path a strict decoding error is about.
func decodeErrorField(msg string) string {
	if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	if m := typeFieldRE.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return ""
}

// valueLines maps each scalar value of a values file to its line, when the value occurs once.
func valueLines(content []byte) map[string]int {
	seen := map[string]int{}
	for i, line := range bytes.Split(content, []byte("\n")) {
		s := strings.TrimSpace(string(line))
		if j := strings.Index(s, " #"); j >= 0 {
			s = strings.TrimSpace(s[:j])
		}
		s = strings.TrimPrefix(s, "- ")
		if k := strings.Index(s, ": "); k >= 0 {
			s = s[k+2:]
		}
		s = strings.Trim(s, `"'`)
		if s == "" {
			continue
		}
		if _, dup := seen[s]; dup {
			seen[s] = 0
			continue
		}
		seen[s] = i + 1
	}
	return seen
}

// valueAt returns the scalar at a field path of a rendered object, as text ("" when not a scalar).
func valueAt(obj map[string]any, field string) string {
	var cur any = obj
	for _, part := range yamlpos.SplitPath(field) {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[part]
		case []any:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil || i < 0 || i >= len(v) {
				return ""
			}
			cur = v[i]
		default:
			return ""
		}
	}
	switch v := cur.(type) {
	case string:
		return v
	case nil, map[string]any, []any:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
