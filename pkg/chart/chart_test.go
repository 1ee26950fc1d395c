package chart

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.yaml from the current chart")

// The chart as fleetctl embeds it; templates.FS holds the same tree.
var (
	templatesFS = os.DirFS("../../templates")
	chartDir    = "chart/aks-cluster"
)

const (
	testRelease   = "atlantic-aks"
	testNamespace = "fleet-clusters"
)

func loadChart(t testing.TB) *Chart {
	t.Helper()
	c, err := Load(templatesFS, chartDir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func readValues(t testing.TB, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// poolNames lists the keys of values' nodePools.
func poolNames(values map[string]any) []string {
	pools, _ := values["nodePools"].(map[string]any)
	return sortedKeys(pools)
}

// manifest prints objects as one YAML stream, each preceded by its source.
func manifest(t testing.TB, objs []Object) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, o := range objs {
		data, err := yaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n# Source: " + o.Template + "\n")
		b.Write(data)
	}
	return b.Bytes()
}

func TestLoad(t *testing.T) {
	c := loadChart(t)
	if c.Name() != "aks-cluster" || c.Version() != "0.2.0" {
		t.Errorf("chart %s-%s, want aks-cluster-0.2.0", c.Name(), c.Version())
	}
	if c.schema == nil {
		t.Fatal("values.schema.json was not compiled")
	}
	d := c.Defaults()
	if _, ok := d["name"]; ok {
		t.Error("values.yaml must not default the required name")
	}
	if pools, _ := d["nodePools"].(map[string]any); len(pools) != 0 {
		t.Errorf("values.yaml must not default node pools (maps merge, so they would be added to every cluster): %v", pools)
	}
}

func TestGolden(t *testing.T) {
	c := loadChart(t)
	for _, name := range []string{"minimal", "multipool", "autoupgrade", "nodeos", "maintenance", "supportplan", "maxsurge", "labels", "taints", "clusterlabels"} {
		t.Run(name, func(t *testing.T) {
			values := readValues(t, name+".values.yaml")
			// fleetctl names each release after its cluster.
			objs, err := c.Render(values, values["name"].(string), testNamespace)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if err := CheckShapes(objs, poolNames(values)); err != nil {
				t.Errorf("CheckShapes:\n%v", err)
			}
			got := manifest(t, objs)
			golden := filepath.Join("testdata", name+".golden.yaml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./pkg/chart -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("rendered output differs from %s (rerun with -update and review the diff):\n%s", golden, lineDiff(string(want), string(got)))
			}
		})
	}
}

// lineDiff shows the first differing lines, enough to locate a change.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n- " + wl + "\n+ " + gl
		}
	}
	return "(no line differs)"
}

func TestRenderIsDeterministicAndSorted(t *testing.T) {
	c := loadChart(t)
	values := readValues(t, "multipool.values.yaml")
	first, err := c.Render(values, testRelease, testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := c.Render(values, testRelease, testNamespace)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(manifest(t, first), manifest(t, again)) {
			t.Fatal("two renders of the same values differ")
		}
	}
	for i := 1; i < len(first); i++ {
		if first[i-1].Template > first[i].Template {
			t.Errorf("objects not sorted by template: %s before %s", first[i-1].Template, first[i].Template)
		}
	}
	// Pools come in key order within their template.
	var pools []string
	for _, o := range first {
		if o.Kind == KindMachinePool {
			pools = append(pools, o.Name)
		}
	}
	want := []string{"pacific-aks-system", "pacific-aks-win", "pacific-aks-work"}
	if strings.Join(pools, ",") != strings.Join(want, ",") {
		t.Errorf("MachinePools %v, want %v", pools, want)
	}
	for _, o := range first {
		if o.Namespace != testNamespace {
			t.Errorf("%s: namespace %q, want the release namespace %q", o, o.Namespace, testNamespace)
		}
		if !strings.HasPrefix(o.Template, "aks-cluster/templates/") {
			t.Errorf("%s: Template %q", o, o.Template)
		}
	}
}

func TestRenderDoesNotModifyValues(t *testing.T) {
	c := loadChart(t)
	values := readValues(t, "minimal.values.yaml")
	before, _ := json.Marshal(values)
	if _, err := c.Render(values, testRelease, testNamespace); err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(values)
	if !bytes.Equal(before, after) {
		t.Errorf("Render changed its input:\n%s\n%s", before, after)
	}
}

func TestRenderAcceptsGoTypes(t *testing.T) {
	// fleetctl may build values in Go rather than decoding YAML.
	c := loadChart(t)
	values := map[string]any{
		"name":              "go-aks",
		"location":          "eastus",
		"resourceGroup":     "go-aks-rg",
		"kubernetesVersion": "v1.37.2",
		"nodePools": map[string]any{
			"system": map[string]any{"mode": "System", "vmSize": "Standard_D4s_v5", "count": 2},
			"work":   map[string]any{"mode": "User", "vmSize": "Standard_D4s_v5", "zones": []string{"1"}, "autoscale": map[string]int{"min": 0, "max": 3}},
		},
	}
	objs, err := c.Render(values, "go-aks", "default")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckShapes(objs, []string{"system", "work"}); err != nil {
		t.Error(err)
	}
}

func TestFluxKustomizationsDecodeStrictly(t *testing.T) {
	c := loadChart(t)
	for _, name := range []string{"minimal", "multipool", "autoupgrade", "nodeos", "maintenance", "supportplan", "maxsurge", "labels", "taints"} {
		values := readValues(t, name+".values.yaml")
		objs, err := c.Render(values, testRelease, testNamespace)
		if err != nil {
			t.Fatal(err)
		}
		clusterName := values["name"].(string)
		byName := map[string]*kustomizev1.Kustomization{}
		for _, o := range objs {
			if o.Kind != KindKustomization {
				continue
			}
			data, err := json.Marshal(o.Object)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			var k kustomizev1.Kustomization
			if err := dec.Decode(&k); err != nil {
				t.Fatalf("%s: %s does not decode strictly into kustomize.toolkit.fluxcd.io/v1: %v", name, o, err)
			}
			if k.APIVersion != kustomizev1.GroupVersion.String() {
				t.Errorf("%s: apiVersion %s, want %s", o, k.APIVersion, kustomizev1.GroupVersion)
			}
			if k.Spec.KubeConfig == nil || k.Spec.KubeConfig.SecretRef == nil ||
				k.Spec.KubeConfig.SecretRef.Name != clusterName+"-kubeconfig" || k.Spec.KubeConfig.SecretRef.Key != "value" {
				t.Errorf("%s: kubeConfig %+v, want secretRef %s-kubeconfig/value", o, k.Spec.KubeConfig, clusterName)
			}
			if !k.Spec.Prune || k.Spec.Interval.Duration <= 0 || k.Spec.SourceRef.Name == "" || k.Spec.Path == "" {
				t.Errorf("%s: spec %+v", o, k.Spec)
			}
			byName[k.Name] = &k
		}
		flux, infra := byName[clusterName+"-flux"], byName[clusterName+"-infra"]
		if flux == nil || infra == nil || len(byName) != 2 {
			t.Fatalf("%s: Kustomizations %v, want %s-flux and %s-infra", name, sortedKeys(byName), clusterName, clusterName)
		}
		if len(flux.Spec.DependsOn) != 0 {
			t.Errorf("%s: %s must not depend on anything: %+v", name, flux.Name, flux.Spec.DependsOn)
		}
		if len(infra.Spec.DependsOn) != 1 || infra.Spec.DependsOn[0].Name != flux.Name {
			t.Errorf("%s: %s dependsOn %+v, want [%s]", name, infra.Name, infra.Spec.DependsOn, flux.Name)
		}
	}
}

// Helm's own schema check (the one helm-controller runs) must accept the
// schema, including the errorMessage annotation, and agree with ours: on
// whether values pass, and on where each violation is.
func TestHelmAgreesWithSchema(t *testing.T) {
	c := loadChart(t)
	for _, name := range []string{"minimal", "multipool", "autoupgrade", "nodeos", "maintenance", "supportplan", "maxsurge", "labels", "taints", "clusterlabels"} {
		if err := helmValidate(t, c, readValues(t, name+".values.yaml")); err != nil {
			t.Errorf("%s: Helm rejects values fleetctl accepts: %v", name, err)
		}
	}
	for _, tc := range badValueCases() {
		values := readValues(t, "minimal.values.yaml")
		tc.mutate(values)
		herr := helmValidate(t, c, values)
		if herr == nil {
			t.Errorf("%s: Helm accepts values fleetctl rejects", tc.name)
			continue
		}
		var se *SchemaError
		if err := c.Validate(values); !errors.As(err, &se) {
			t.Fatalf("%s: Validate: %v", tc.name, err)
		}
		var ours []string
		for _, v := range se.Violations {
			ours = append(ours, v.Path)
		}
		if got, want := strings.Join(uniqSorted(ours), " "), strings.Join(helmViolationPaths(herr.Error(), keyMap(tc.path)), " "); got != want {
			t.Errorf("%s: fleetctl reports violations at [%s], Helm at [%s]:\n%v", tc.name, got, want, herr)
		}
	}
	// Edge cases of the validator Helm v4.2 pins: it takes a number and a
	// string for equal when the number comes second in an array, so of these
	// zone lists the first passes uniqueItems and the second does not.
	for _, tc := range []struct {
		name  string
		zones []any
	}{
		{"number then string", []any{1, "1"}},
		{"string then number", []any{"1", 1}},
		{"numbers", []any{1, 2}},
		{"repeated number", []any{2, 2}},
	} {
		values := readValues(t, "minimal.values.yaml")
		pool(values, "system")["zones"] = tc.zones
		herr, err := helmValidate(t, c, values), c.Validate(values)
		if (herr == nil) != (err == nil) {
			t.Errorf("zones %s %v: Helm says %v, fleetctl %v", tc.name, tc.zones, herr, err)
		}
	}
}

// helmValidate merges values over the chart's defaults and validates them as
// Helm's install action does.
func helmValidate(t *testing.T, c *Chart, values map[string]any) error {
	t.Helper()
	merged, err := chartutil.CoalesceValues(c.chart, values)
	if err != nil {
		t.Fatal(err)
	}
	return chartutil.ValidateAgainstSchema(c.chart, merged)
}

var helmViolationLine = regexp.MustCompile(`^(\s*)- at '([^']*)': (.*)$`)

// helmViolationPaths reads the leaves of the error tree Helm prints and turns
// each into the dotted path fleetctl names: a missing or unknown property is
// named by its own path, a key that breaks propertyNames (which the validator
// reports at the root) by the path of the map it is in.
// keyMap is the map whose keys a bad-value case's property names are: its expected path without the
// key (Helm's message names the key, not the map). The other cases' maps are node pools.
func keyMap(path string) string {
	if i := strings.Index(path, "["); i > 0 {
		return path[:i]
	}
	return "nodePools"
}

func helmViolationPaths(msg, keyMap string) []string {
	type line struct {
		indent int
		ptr    string
		text   string
	}
	var lines []line
	for l := range strings.Lines(msg) {
		if m := helmViolationLine.FindStringSubmatch(strings.TrimRight(l, "\n")); m != nil {
			lines = append(lines, line{len(m[1]), m[2], m[3]})
		}
	}
	quoted := regexp.MustCompile(`'([^']*)'`)
	var paths []string
	var propertyName string // the key of the enclosing "invalid propertyName"
	for i, l := range lines {
		if l.indent == 0 {
			propertyName = ""
			if strings.HasPrefix(l.text, "invalid propertyName ") {
				propertyName = quoted.FindStringSubmatch(l.text)[1]
			}
		}
		if i+1 < len(lines) && lines[i+1].indent > l.indent {
			continue // not a leaf
		}
		var toks []string
		for _, tok := range strings.Split(strings.TrimPrefix(l.ptr, "/"), "/") {
			if tok != "" {
				toks = append(toks, strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~"))
			}
		}
		switch {
		case strings.HasPrefix(l.text, "missing propert"), strings.HasPrefix(l.text, "additional propert"):
			for _, k := range quoted.FindAllStringSubmatch(l.text, -1) {
				paths = append(paths, dotted(append(clone(toks), k[1])))
			}
		case propertyName != "" && l.indent > 0:
			// The map holding the key is not in Helm's message: the case says which it is.
			paths = append(paths, dotted([]string{keyMap, propertyName}))
		default:
			paths = append(paths, dotted(toks))
		}
	}
	return uniqSorted(paths)
}

func uniqSorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// Templates must never fail on a missing optional value, even when the
// schema check is skipped (helm template --skip-schema-validation).
func TestTemplatesTolerateMissingOptionalValues(t *testing.T) {
	c := loadChart(t)
	required := func() map[string]any {
		return map[string]any{
			"name":              "bare",
			"location":          "eastus",
			"resourceGroup":     "bare-rg",
			"kubernetesVersion": "v1.37.2",
		}
	}
	cases := map[string]map[string]any{
		"no network, credentials, flux or pools": required(),
		"empty sections": func() map[string]any {
			v := required()
			v["network"] = map[string]any{}
			v["credentials"] = map[string]any{}
			v["flux"] = map[string]any{"sourceRef": map[string]any{}}
			v["nodePools"] = map[string]any{"bare": map[string]any{}, "nil": nil}
			return v
		}(),
		"null sections": func() map[string]any {
			v := required()
			v["network"], v["credentials"], v["flux"], v["nodePools"], v["dnsPrefix"], v["skuTier"] = nil, nil, nil, nil, nil, nil
			return v
		}(),
		"autoscale without bounds": func() map[string]any {
			v := required()
			v["nodePools"] = map[string]any{"work": map[string]any{"autoscale": map[string]any{}}}
			return v
		}(),
	}
	for name, values := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := c.render(c.chart, common.Values(values), "bare", "default")
			if err != nil {
				t.Fatalf("render without schema: %v", err)
			}
			if len(objs) < 5 {
				t.Errorf("got %d objects, want at least 5", len(objs))
			}
		})
	}

	// Required values fail with a clear message rather than a template crash.
	objs, err := c.render(c.chart, common.Values{"location": "eastus"}, "x", "default")
	if err == nil || !strings.Contains(err.Error(), "values.name is required") {
		t.Errorf("render without name: %v, %d objects; want a 'values.name is required' error", err, len(objs))
	}
}

// Optional values may be left out or set to "" through Render (schema on).
func TestRenderOptionalValuesMissingOrEmpty(t *testing.T) {
	c := loadChart(t)
	cases := map[string]func(v map[string]any){
		"minimal as is": func(map[string]any) {},
		"empty optional strings": func(v map[string]any) {
			v["dnsPrefix"], v["skuTier"] = "", ""
			v["network"] = map[string]any{"policy": "", "podCidr": "", "outboundType": ""}
		},
		"null optional values fall back to defaults": func(v map[string]any) {
			v["dnsPrefix"], v["skuTier"] = nil, nil
			v["network"] = map[string]any{"policy": nil, "podCidr": nil, "outboundType": nil}
		},
		"pool with only required fields and autoscale": func(v map[string]any) {
			v["nodePools"].(map[string]any)["work"] = map[string]any{"mode": "User", "vmSize": "Standard_D4s_v5", "autoscale": map[string]any{"min": 0, "max": 2}}
		},
		"kubenet with pod CIDR": func(v map[string]any) {
			v["network"] = map[string]any{"plugin": "kubenet", "podCidr": "10.244.0.0/16"}
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			values := readValues(t, "minimal.values.yaml")
			mutate(values)
			objs, err := c.Render(values, testRelease, testNamespace)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if err := CheckShapes(objs, poolNames(values)); err != nil {
				t.Errorf("CheckShapes:\n%v", err)
			}
		})
	}
}

func TestRenderArguments(t *testing.T) {
	c := loadChart(t)
	values := readValues(t, "minimal.values.yaml")
	if _, err := c.Render(values, "", testNamespace); err == nil {
		t.Error("empty release name accepted")
	}
	if _, err := c.Render(values, testRelease, ""); err == nil {
		t.Error("empty namespace accepted")
	}
	var se *SchemaError
	if _, err := c.Render(nil, testRelease, testNamespace); !errors.As(err, &se) {
		t.Errorf("nil values: %v, want a *SchemaError", err)
	}
}

func TestLoadFromMapFS(t *testing.T) {
	base := fstest.MapFS{}
	err := walkInto(base, "repo/charts/aks-cluster")
	if err != nil {
		t.Fatal(err)
	}
	// .helmignore'd files are not part of the chart.
	base["repo/charts/aks-cluster/templates/scratch.yaml.bak"] = &fstest.MapFile{Data: []byte("{{ fail \"ignored file rendered\" }}")}
	c, err := Load(base, "./repo/charts/aks-cluster/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Render(readValues(t, "minimal.values.yaml"), testRelease, testNamespace); err != nil {
		t.Fatal(err)
	}

	t.Run("remote ref refused", func(t *testing.T) {
		fsys := fstest.MapFS{}
		if err := walkInto(fsys, "c"); err != nil {
			t.Fatal(err)
		}
		fsys["c/values.schema.json"] = &fstest.MapFile{Data: []byte(`{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"name":{"$ref":"https://example.invalid/name.json"}}}`)}
		if _, err := Load(fsys, "c"); err == nil || !strings.Contains(err.Error(), "outside values.schema.json") {
			t.Errorf("Load with a remote $ref: %v", err)
		}
	})
	t.Run("chart at the root of the FS", func(t *testing.T) {
		fsys := fstest.MapFS{}
		if err := walkInto(fsys, "."); err != nil {
			t.Fatal(err)
		}
		c, err := Load(fsys, ".")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Render(readValues(t, "minimal.values.yaml"), testRelease, testNamespace); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("missing dir", func(t *testing.T) {
		if _, err := Load(base, "nope"); err == nil {
			t.Error("Load of a missing directory succeeded")
		}
	})
	t.Run("no Chart.yaml", func(t *testing.T) {
		fsys := fstest.MapFS{"c/values.yaml": &fstest.MapFile{Data: []byte("a: 1\n")}}
		if _, err := Load(fsys, "c"); err == nil {
			t.Error("Load without Chart.yaml succeeded")
		}
	})
	t.Run("invalid schema JSON", func(t *testing.T) {
		fsys := fstest.MapFS{}
		if err := walkInto(fsys, "c"); err != nil {
			t.Fatal(err)
		}
		fsys["c/values.schema.json"] = &fstest.MapFile{Data: []byte(`{"type": 1}`)}
		if _, err := Load(fsys, "c"); err == nil {
			t.Error("Load with an invalid schema succeeded")
		}
	})
}

// walkInto copies the chart under dir of a MapFS.
func walkInto(m fstest.MapFS, dir string) error {
	root := filepath.Join("..", "..", "templates", chartDir)
	return filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		m[path.Join(dir, filepath.ToSlash(rel))] = &fstest.MapFile{Data: data}
		return nil
	})
}

func BenchmarkRender(b *testing.B) {
	c := loadChart(b)
	values := readValues(b, "multipool.values.yaml")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Render(values, testRelease, testNamespace); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRenderQuotesZones(t *testing.T) {
	c := loadChart(t)
	values := readValues(t, "minimal.values.yaml")
	pool(values, "system")["zones"] = []any{1, "2"}
	objs, err := c.Render(values, testRelease, testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	mp := find(t, objs, KindAzureASOManagedMachinePool, "atlantic-aks-system")
	zones, _ := lookup(firstResource(mp), "spec", "availabilityZones")
	got, _ := json.Marshal(zones)
	if string(got) != `["1","2"]` {
		t.Errorf("availabilityZones %s, want [\"1\",\"2\"]", got)
	}
}

func TestRenderConcurrently(t *testing.T) {
	c := loadChart(t)
	values := readValues(t, "multipool.values.yaml")
	want, err := c.Render(values, testRelease, testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	wantYAML := manifest(t, want)
	errs := make(chan error, 8)
	for range cap(errs) {
		go func() {
			objs, err := c.Render(values, testRelease, testNamespace)
			if err == nil && !bytes.Equal(manifest(t, objs), wantYAML) {
				err = errors.New("concurrent render differs")
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// helm-controller v1.6 checks values.schema.json against the JSON Schema metaschema with an equality
// under which "1" and 1 are the same value, so an enum listing both is an invalid schema there and
// every install fails (found by the real-engine e2e). Every enum must list distinct values even when
// compared as text.
func TestSchemaEnumsDistinctAsText(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "templates", "chart", "aks-cluster", "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema any
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if enum, ok := v["enum"].([]any); ok {
				seen := map[string]bool{}
				for _, e := range enum {
					k, _ := json.Marshal(e)
					text := strings.Trim(string(k), `"`)
					if seen[text] {
						t.Errorf("%s/enum lists %s twice when compared as text", at, text)
					}
					seen[text] = true
				}
			}
			for k, x := range v {
				walk(at+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(at+"/"+strconv.Itoa(i), x)
			}
		}
	}
	walk("#", schema)
}
