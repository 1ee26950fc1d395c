package engine

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// chartFiles is a small chart whose ConfigMap carries replicaCount; quoted, it renders a valid
// ConfigMap, unquoted an integer the API server refuses in data.
func chartFiles(name, version string, quoted bool) map[string]string {
	value := "{{ .Values.replicaCount | quote }}"
	if !quoted {
		value = "{{ .Values.replicaCount }}"
	}
	return map[string]string{
		"Chart.yaml":               "apiVersion: v2\nname: " + name + "\nversion: " + version + "\n",
		"values.yaml":              "replicaCount: 2\n",
		"templates/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  replicas: " + value + "\n",
	}
}

func chartTGZ(t *testing.T, name string, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for p, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name + "/" + p, Mode: 0o644, Size: int64(len(content))}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(content))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	return buf.Bytes()
}

func TestChartCache(t *testing.T) {
	const release = "apps/base/podinfo/release.yaml"
	good := chartTGZ(t, "podinfo", chartFiles("podinfo", "6.9.2", true))
	bad := func(version string) []byte { return chartTGZ(t, "podinfo", chartFiles("podinfo", version, false)) }
	unpacked := fstest.MapFS{}
	for p, c := range chartFiles("podinfo", "6.9.2", true) {
		unpacked["podinfo-chart/"+p] = &fstest.MapFile{Data: []byte(c)}
	}
	tests := []struct {
		name  string
		cache fstest.MapFS
		// what the podinfo HelmRelease gets: a note with this text, or an error (rule, line)
		note      string
		errRule   string
		errLine   int
		errInText string
		alsoAt    string // another file:line with the same error (the other cluster's build)
	}{
		{name: "no cache", note: "--chart-cache DIR with podinfo-<version>.tgz renders it"},
		{name: "no matching version", cache: fstest.MapFS{"podinfo-7.0.0.tgz": {Data: bad("7.0.0")}, "podinfo-5.2.0.tgz": {Data: bad("5.2.0")}},
			note: "--chart-cache holds no version of podinfo that matches"},
		{name: "highest in range is rendered, clean", cache: fstest.MapFS{
			"podinfo-6.1.0.tgz": {Data: bad("6.1.0")}, "podinfo-6.9.2.tgz": {Data: good}, "podinfo-7.0.0.tgz": {Data: bad("7.0.0")},
			"podinfo-extra-6.9.9.tgz": {Data: chartTGZ(t, "podinfo-extra", chartFiles("podinfo-extra", "6.9.9", false))}}},
		{name: "unpacked chart folder", cache: unpacked},
		{name: "bad value reaches the cached template", cache: fstest.MapFS{"podinfo-6.9.2.tgz": {Data: bad("6.9.2")}},
			errRule: "schema/type", errLine: 26, errInText: "data.replicas", alsoAt: "apps/production/podinfo-values.yaml:9"},
		{name: "archive that does not load", cache: fstest.MapFS{"podinfo-6.9.2.tgz": {Data: []byte("not a tgz")}},
			errRule: validate.RuleChartLoad, errLine: 13, errInText: "--chart-cache podinfo-6.9.2.tgz"},
		{name: "archive that holds another version", cache: fstest.MapFS{"podinfo-6.9.3.tgz": {Data: good}},
			errRule: validate.RuleChartLoad, errLine: 13, errInText: "holds chart podinfo version 6.9.2, not podinfo 6.9.3"},
	}
	schemas, err := schema.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, f := layoutRepo(t, "a-monorepo")
			o := Options{Fleet: f, Schemas: schemas}
			if tt.cache != nil {
				o.ChartCache = tt.cache
			}
			res, err := Run(o)
			if err != nil {
				t.Fatal(err)
			}
			var notes, errs []validate.Finding
			for _, fd := range res.Findings {
				switch {
				case fd.Severity == validate.Info && fd.Rule == validate.RuleHelmNotRendered && fd.File == release:
					notes = append(notes, fd)
				case fd.Severity != validate.Info:
					errs = append(errs, fd)
				}
			}
			if tt.note != "" {
				if len(notes) == 0 || !strings.Contains(notes[0].Message, tt.note) {
					t.Fatalf("want a note on %s with %q; got notes %v", release, tt.note, dump(notes))
				}
			} else if len(notes) > 0 {
				t.Errorf("podinfo not rendered: %s", dump(notes))
			}
			if tt.errRule == "" {
				if len(errs) > 0 {
					t.Fatalf("want no errors, got:\n%s", dump(errs))
				}
				return
			}
			want := []string{fmt.Sprintf("%s:%d", release, tt.errLine)}
			if tt.alsoAt != "" {
				want = append(want, tt.alsoAt)
			}
			for _, at := range want {
				if !slices.ContainsFunc(errs, func(fd validate.Finding) bool {
					return fd.Rule == tt.errRule && fmt.Sprintf("%s:%d", fd.File, fd.Line) == at && strings.Contains(fd.Message, tt.errInText)
				}) {
					t.Errorf("want %s at %s with %q, got:\n%s", tt.errRule, at, tt.errInText, dump(errs))
				}
			}
		})
	}
}

// An OCIRepository chart is found by the last segment of its URL and its tag or semver range; one
// with neither is a note, as no cached version can stand for "latest".
func TestChartCacheOCIRepository(t *testing.T) {
	files := map[string]string{
		"clusters/lab/apps.yaml": rootKustomization,
		"apps/release.yaml": `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 10m
  url: oci://ghcr.io/example/charts/podinfo
  layerSelector:
    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip
    operation: copy
  ref:
    REF
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 10m
  chartRef:
    kind: OCIRepository
    name: podinfo
  values:
    replicaCount: 3
`,
	}
	cache := fstest.MapFS{
		"podinfo-6.9.2.tgz": {Data: chartTGZ(t, "podinfo", chartFiles("podinfo", "6.9.2", false))},
		"podinfo-6.8.0.tgz": {Data: chartTGZ(t, "podinfo", chartFiles("podinfo", "6.8.0", true))},
	}
	schemas, err := schema.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		ref      string
		wantErr  bool
		wantNote string
	}{
		{ref: "tag: 6.8.0"},
		{ref: `semver: ">=6.0.0"`, wantErr: true}, // 6.9.2, whose template does not quote
		{ref: "digest: sha256:2f2ed3e4f6c1ab0b6f0cd1c7e0b5a0a8b7f4d7b8e2f1a2b3c4d5e6f708192a3b", wantNote: "names no tag or semver range"},
	} {
		t.Run(tt.ref, func(t *testing.T) {
			dir := t.TempDir()
			tree := map[string]string{}
			for p, c := range files {
				tree[p] = strings.ReplaceAll(c, "REF", tt.ref)
			}
			writeTree(t, dir, tree)
			res, err := Run(Options{Fleet: layoutFleet(t, dir), Schemas: schemas, ChartCache: cache})
			if err != nil {
				t.Fatal(err)
			}
			var errs, notes []validate.Finding
			for _, fd := range res.Findings {
				switch {
				case fd.Rule == validate.RuleHelmNotRendered:
					notes = append(notes, fd)
				case fd.Severity != validate.Info:
					errs = append(errs, fd)
				}
			}
			if tt.wantErr != (len(errs) > 0) {
				t.Fatalf("errors: want %v, got:\n%s", tt.wantErr, dump(errs))
			}
			if tt.wantErr && (errs[0].File != "apps/release.yaml" || errs[0].Line != 26) {
				t.Errorf("error placed at %s:%d, want the replicaCount value at apps/release.yaml:26", errs[0].File, errs[0].Line)
			}
			if tt.wantNote == "" && len(notes) > 0 {
				t.Errorf("not rendered: %s", dump(notes))
			}
			if tt.wantNote != "" && (len(notes) == 0 || !strings.Contains(notes[0].Message, tt.wantNote)) {
				t.Errorf("want a note with %q, got %s", tt.wantNote, dump(notes))
			}
		})
	}
}
