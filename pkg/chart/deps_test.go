package chart

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartv2util "helm.sh/helm/v4/pkg/chart/v2/util"
)

// depsChart is a chart with two subcharts that Chart.yaml enables by
// condition, one under an alias, and a subchart schema.
func depsChart() fstest.MapFS {
	cm := func(name string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n")}
	}
	return fstest.MapFS{
		"app/Chart.yaml": {Data: []byte(`apiVersion: v2
name: app
version: 1.0.0
dependencies:
  - name: db
    version: 0.1.0
    condition: db.enabled
  - name: cache
    version: 0.1.0
    alias: redis
    condition: redis.enabled
`)},
		"app/values.yaml":                {Data: []byte("db:\n  enabled: true\n  replicas: 1\nredis:\n  enabled: false\n")},
		"app/templates/cm.yaml":          cm("{{ .Release.Name }}-app"),
		"app/charts/db/Chart.yaml":       {Data: []byte("apiVersion: v2\nname: db\nversion: 0.1.0\n")},
		"app/charts/db/templates/a.yaml": cm("{{ .Release.Name }}-{{ .Chart.Name }}-{{ .Values.replicas }}"),
		"app/charts/db/values.schema.json": {Data: []byte(`{"$schema":"http://json-schema.org/draft-07/schema#",
 "properties":{"replicas":{"type":"integer","minimum":1}}}`)},
		"app/charts/cache/Chart.yaml":       {Data: []byte("apiVersion: v2\nname: cache\nversion: 0.1.0\n")},
		"app/charts/cache/templates/a.yaml": cm("{{ .Release.Name }}-{{ .Chart.Name }}"),
	}
}

// Subcharts are enabled, aliased and validated per release, as Helm's install
// action does (ProcessDependencies, then ValidateAgainstSchema), and one
// release's choice does not leak into the next.
func TestRenderProcessesDependencies(t *testing.T) {
	fsys := depsChart()
	c, err := Load(fsys, "app")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		values map[string]any
		want   []string // ConfigMap names
		bad    string   // path of the expected violation
		fails  bool     // an error other than a violation
	}{
		{"defaults", nil, []string{"r-app", "r-db-1"}, "", false},
		{"alias enabled, db disabled", map[string]any{"db": map[string]any{"enabled": false}, "redis": map[string]any{"enabled": true}}, []string{"r-app", "r-redis"}, "", false},
		{"defaults again", map[string]any{}, []string{"r-app", "r-db-1"}, "", false},
		{"subchart schema", map[string]any{"db": map[string]any{"replicas": 0}}, nil, "db.replicas", false},
		{"disabled subchart is not validated", map[string]any{"db": map[string]any{"enabled": false, "replicas": 0}}, []string{"r-app"}, "", false},
		{"subchart values not a map", map[string]any{"db": "x"}, nil, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			herr := helmValidateFresh(t, fsys, tc.values)
			objs, err := c.Render(tc.values, "r", "default")
			if tc.fails {
				var se *SchemaError
				if err == nil || errors.As(err, &se) || herr == nil {
					t.Errorf("Render: %v; Helm: %v; want both to fail before the schemas", err, herr)
				}
				return
			}
			if tc.bad != "" {
				var se *SchemaError
				if !errors.As(err, &se) || !slices.ContainsFunc(se.Violations, func(v Violation) bool { return v.Path == tc.bad }) {
					t.Fatalf("Render: %v, want a violation at %s", err, tc.bad)
				}
				if herr == nil {
					t.Errorf("Helm accepts what fleetctl rejects: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if herr != nil {
				t.Errorf("Helm rejects what fleetctl accepts: %v", herr)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.Name)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("rendered %v, want %v", got, tc.want)
			}
		})
	}

	// Concurrent releases with different subcharts each get their own.
	errs := make(chan error, 8)
	for i := range cap(errs) {
		go func() {
			values, want := map[string]any{}, "r-db-1"
			if i%2 == 1 {
				values, want = map[string]any{"db": map[string]any{"enabled": false}, "redis": map[string]any{"enabled": true}}, "r-redis"
			}
			objs, err := c.Render(values, "r", "default")
			if err == nil && (len(objs) != 2 || !slices.ContainsFunc(objs, func(o Object) bool { return o.Name == want })) {
				err = errors.New("concurrent render: want " + want)
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}

	_, err = c.Render(map[string]any{"db": map[string]any{"replicas": "two"}}, "r", "default")
	if err == nil || !strings.Contains(err.Error(), "db.replicas: ") || !strings.Contains(err.Error(), "[charts/db/values.schema.json#/properties/replicas/type]") {
		t.Errorf("subchart violation does not name its value and schema: %v", err)
	}
}

// helmValidateFresh takes Helm's steps on a chart of its own: dependencies,
// coalescing, schema validation.
func helmValidateFresh(t *testing.T, fsys fstest.MapFS, values map[string]any) error {
	t.Helper()
	c, err := Load(fsys, "app")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := loader.LoadFiles(c.files)
	if err != nil {
		t.Fatal(err)
	}
	user, err := normalize(values)
	if err != nil {
		t.Fatal(err)
	}
	if err := chartv2util.ProcessDependencies(ch, user); err != nil {
		return err
	}
	merged, err := chartutil.CoalesceValues(ch, user)
	if err != nil {
		return err
	}
	return chartutil.ValidateAgainstSchema(ch, merged)
}
