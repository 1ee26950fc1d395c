package schema

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"
)

func defaultSet(t testing.TB) *Set {
	t.Helper()
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// load decodes a testdata object the way the product does (YAML to JSON, numbers as float64).
func load(t testing.TB, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "valid", name))
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

// set changes the value at a dotted path ("spec.chart.spec.sourceRef.kind"; "[n]" indexes a
// list), creating maps on the way. A nil value deletes the field.
func set(t testing.TB, obj map[string]any, path string, value any) {
	t.Helper()
	parts := strings.Split(path, ".")
	var cur any = obj
	for i, p := range parts {
		last := i == len(parts)-1
		name, idx := p, -1
		if j := strings.Index(p, "["); j >= 0 {
			name = p[:j]
			fmt.Sscanf(p[j:], "[%d]", &idx)
		}
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("set %s: %s is not a map", path, p)
		}
		if idx >= 0 {
			list, _ := m[name].([]any)
			if idx >= len(list) {
				t.Fatalf("set %s: no index %d", path, idx)
			}
			if last {
				list[idx] = value
				return
			}
			cur = list[idx]
			continue
		}
		if last {
			if value == nil {
				delete(m, name)
			} else {
				m[name] = value
			}
			return
		}
		next, ok := m[name]
		if !ok {
			next = map[string]any{}
			m[name] = next
		}
		cur = next
	}
}

func check(t testing.TB, s *Set, obj map[string]any) []FieldError {
	t.Helper()
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	l := s.Lookup(apiVersion, kind)
	if l.Status != Found {
		t.Fatalf("Lookup(%s, %s) = %v, want found", apiVersion, kind, l.Status)
	}
	return l.Validator.Validate(obj)
}

func TestValidObjectsPass(t *testing.T) {
	s := defaultSet(t)
	for _, name := range []string{"cluster.yaml", "machinepool.yaml", "controlplane.yaml", "machinepool-aso.yaml", "helmrelease.yaml", "kustomization.yaml",
		"alert.yaml", "provider.yaml", "receiver.yaml", "imagerepository.yaml", "imagepolicy.yaml", "imageupdateautomation.yaml",
		"artifactgenerator.yaml", "externalartifact.yaml"} {
		t.Run(name, func(t *testing.T) {
			if errs := check(t, s, load(t, name)); len(errs) > 0 {
				t.Errorf("want no errors, got %v", errs)
			}
		})
	}
}

type want struct {
	path, typ string
	// message must be contained in FieldError.Message.
	message string
}

func TestValidationErrors(t *testing.T) {
	s := defaultSet(t)
	tests := []struct {
		name   string
		file   string
		change func(t testing.TB, obj map[string]any)
		want   []want
	}{
		{
			name: "unknown field",
			file: "machinepool.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.replica", 3)
			},
			want: []want{{"spec.replica", "unknown-field", `unknown field "spec.replica"`}},
		},
		{
			name: "unknown fields deep, in a list and in metadata",
			file: "kustomization.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.dependsOn[0].nmae", "x")
				set(t, o, "spec.sourceRef.revision", "main")
				set(t, o, "metadata.lables", map[string]any{"a": "b"})
			},
			want: []want{
				{"metadata.lables", "unknown-field", `unknown field "metadata.lables"`},
				{"spec.dependsOn[0].nmae", "unknown-field", `unknown field "spec.dependsOn[0].nmae"`},
				{"spec.sourceRef.revision", "unknown-field", ""},
			},
		},
		{
			name: "wrong type",
			file: "machinepool.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.replicas", "3")
			},
			want: []want{{"spec.replicas", "type", `Invalid value: "string": spec.replicas in body must be of type integer: "string"`}},
		},
		{
			name: "int32 format",
			file: "machinepool.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.replicas", 3000000000)
			},
			// The server prints this one at the root ("<nil>: Invalid value: ..."); the path
			// comes from the end of its message.
			want: []want{{"spec.replicas", "format", `Invalid value: "": Checked value must be of type integer with format int32 in spec.replicas`}},
		},
		{
			name: "flux enum",
			file: "helmrelease.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.chart.spec.reconcileStrategy", "Always")
			},
			want: []want{
				// An enum error is "blocking": the server then skips CEL rules and says so.
				{"", "cel-skipped", "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"},
				{"spec.chart.spec.reconcileStrategy", "enum", `Unsupported value: "Always": supported values: "ChartVersion", "Revision"`},
			},
		},
		{
			name: "flux pattern",
			file: "helmrelease.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.interval", "10 minutes")
			},
			want: []want{{"spec.interval", "pattern", `spec.interval in body should match '^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$'`}},
		},
		{
			name: "date-time format",
			file: "cluster.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.topology", map[string]any{"classRef": map[string]any{"name": "aks"}, "version": "v1.37.2",
					"controlPlane": map[string]any{"rollout": map[string]any{"after": "tomorrow"}}})
			},
			// CAPI v1.14's Cluster v1beta2 has CEL rules the server skips once the object is invalid.
			want: []want{
				{"", "cel-skipped", "some validation rules were not checked"},
				{"spec.topology.controlPlane.rollout.after", "format", "must be of type date-time"},
			},
		},
		{
			name: "min length",
			file: "helmrelease.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.chart.spec.sourceRef.name", "")
			},
			want: []want{{"spec.chart.spec.sourceRef.name", "length", "should be at least 1 chars long"}},
		},
		{
			// helm-controller v1.6.4, HelmRelease v2, rule on spec:
			// (has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))
			name: "CEL rule on HelmRelease spec: chart and chartRef",
			file: "helmrelease.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.chartRef", map[string]any{"kind": "OCIRepository", "name": "aks-cluster"})
			},
			want: []want{{"spec", "cel", "either chart or chartRef must be set"}},
		},
		{
			// kustomize-controller v1.9.6, Kustomization v1, rule on spec.kubeConfig:
			// !has(self.configMapRef) || !has(self.secretRef)
			name: "CEL rule on Kustomization spec.kubeConfig",
			file: "kustomization.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.kubeConfig.configMapRef", map[string]any{"name": "provider"})
			},
			want: []want{{"spec.kubeConfig", "cel", "exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified"}},
		},
		{
			name: "missing required field",
			file: "kustomization.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.prune", nil)
			},
			want: []want{{"", "cel-skipped", ""}, {"spec.prune", "required", "Required value"}},
		},
		{
			name: "missing required nested field skips CEL like the server",
			file: "helmrelease.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.chart.spec.sourceRef.name", nil)
				set(t, o, "spec.chartRef", map[string]any{"kind": "OCIRepository", "name": "aks-cluster"})
			},
			want: []want{
				{"", "cel-skipped", "some validation rules were not checked"},
				{"spec.chart.spec.sourceRef.name", "required", "Required value"},
			},
		},
		{
			name: "missing required in MachinePool template",
			file: "machinepool.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.template.spec.clusterName", nil)
			},
			want: []want{{"spec.template.spec.clusterName", "required", ""}},
		},
		{
			name: "metadata.name required",
			file: "cluster.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "metadata.name", nil)
			},
			want: []want{
				{"", "cel-skipped", "some validation rules were not checked"},
				{"metadata.name", "required", "name or generateName is required"},
			},
		},
		{
			name: "metadata.name must be a DNS subdomain",
			file: "helmrelease.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "metadata.name", "Atlantic_AKS")
			},
			want: []want{{"metadata.name", "invalid", "a lowercase RFC 1123 subdomain"}},
		},
		{
			name: "metadata.namespace must be a DNS label",
			file: "helmrelease.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "metadata.namespace", "fleet.clusters")
			},
			want: []want{{"metadata.namespace", "invalid", `Invalid value: "fleet.clusters": must not contain dots`}},
		},
		{
			name: "metadata of the wrong shape",
			file: "helmrelease.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "metadata.labels", []any{"a"})
			},
			want: []want{{"metadata", "type", "cannot unmarshal"}},
		},
		{
			name: "preserve-unknown-fields: embedded ASO contents are left alone",
			file: "controlplane.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.resources[0].spec.notAnASOField", "x")
				set(t, o, "spec.resources[0].spec.location", 42)
			},
			want: nil,
		},
		{
			name: "status is dropped on create",
			file: "helmrelease.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "status", map[string]any{"observedGeneration": "x"})
			},
			want: nil,
		},
		{
			name: "several errors, sorted by path",
			file: "machinepool.yaml",
			change: func(t testing.TB, o map[string]any) {
				set(t, o, "spec.replicas", "3")
				set(t, o, "spec.clusterName", nil)
				set(t, o, "spec.template.spec.infrastructureRef.nam", "x")
			},
			want: []want{
				{"spec.clusterName", "required", ""},
				{"spec.replicas", "type", ""},
				{"spec.template.spec.infrastructureRef.nam", "unknown-field", ""},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := load(t, tt.file)
			tt.change(t, obj)
			got := check(t, s, obj)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%s", len(got), len(tt.want), dump(got))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Path != w.path || g.Type != w.typ || !strings.Contains(g.Message, w.message) {
					t.Errorf("error %d = %+v, want path %q type %q message containing %q", i, g, w.path, w.typ, w.message)
				}
			}
		})
	}
}

func dump(errs []FieldError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  %s [%s] value=%q\n", e.Error(), e.Type, e.Value)
	}
	return b.String()
}

func TestFieldErrorValueAndText(t *testing.T) {
	s := defaultSet(t)
	obj := load(t, "machinepool.yaml")
	set(t, obj, "spec.replicas", "3")
	got := check(t, s, obj)
	want := []FieldError{{
		Path: "spec.replicas", Type: "type", Value: "string",
		Message: `Invalid value: "string": spec.replicas in body must be of type integer: "string"`,
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if e := got[0].Error(); e != `spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"` {
		t.Errorf("Error() = %s", e)
	}

	obj = load(t, "helmrelease.yaml")
	set(t, obj, "spec.chart.spec.reconcileStrategy", "Always")
	got = check(t, s, obj)
	if len(got) != 2 || got[1].Value != "Always" {
		t.Fatalf("enum error: %+v", got)
	}
}

func TestValidateDoesNotModifyInput(t *testing.T) {
	s := defaultSet(t)
	obj := load(t, "helmrelease.yaml")
	set(t, obj, "spec.unknown", "x")
	set(t, obj, "status", map[string]any{"a": "b"})
	before := load(t, "helmrelease.yaml")
	set(t, before, "spec.unknown", "x")
	set(t, before, "status", map[string]any{"a": "b"})
	check(t, s, obj)
	if !reflect.DeepEqual(obj, before) {
		t.Errorf("Validate changed its input")
	}
}

func TestLookup(t *testing.T) {
	s := defaultSet(t)
	tests := []struct {
		apiVersion, kind string
		status           Status
		replacement      string
		message          string
	}{
		{"helm.toolkit.fluxcd.io/v2", "HelmRelease", Found, "", ""},
		{"helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", Removed, "helm.toolkit.fluxcd.io/v2",
			"helm.toolkit.fluxcd.io/v2beta1 HelmRelease is no longer served; use helm.toolkit.fluxcd.io/v2"},
		{"helm.toolkit.fluxcd.io/v2beta2", "HelmRelease", Removed, "helm.toolkit.fluxcd.io/v2", ""},
		{"kustomize.toolkit.fluxcd.io/v1beta2", "Kustomization", Removed, "kustomize.toolkit.fluxcd.io/v1", ""},
		{"source.toolkit.fluxcd.io/v1beta1", "GitRepository", Removed, "source.toolkit.fluxcd.io/v1", ""},
		{"source.toolkit.fluxcd.io/v1beta2", "HelmRepository", Removed, "source.toolkit.fluxcd.io/v1", ""},
		{"infrastructure.cluster.x-k8s.io/v1alpha4", "AzureManagedControlPlane", Removed, "infrastructure.cluster.x-k8s.io/v1beta1", ""},
		// CAPI v1.14 no longer lists v1alpha3/v1alpha4; v1beta2 is the storage version.
		{"cluster.x-k8s.io/v1alpha4", "Cluster", Removed, "cluster.x-k8s.io/v1beta2", ""},
		{"cluster.x-k8s.io/v1alpha3", "MachinePool", Removed, "cluster.x-k8s.io/v1beta2", ""},
		// A version nobody ever served.
		{"helm.toolkit.fluxcd.io/v3", "HelmRelease", NotServed, "helm.toolkit.fluxcd.io/v2",
			"helm.toolkit.fluxcd.io/v3 HelmRelease is not a served version; use helm.toolkit.fluxcd.io/v2"},
		// Kinds are case-sensitive; core and unknown kinds are Unknown.
		{"helm.toolkit.fluxcd.io/v2", "Helmrelease", Unknown, "", "no schema for helm.toolkit.fluxcd.io/v2 Helmrelease"},
		{"v1", "ConfigMap", Unknown, "", ""},
		{"v1", "Namespace", Unknown, "", ""},
		{"example.com/v1", "Widget", Unknown, "", ""},
		{"not a version/x/y", "Thing", Unknown, "", ""},
		// Flux 2.9 removed notification.toolkit.fluxcd.io/v1beta2 and image.toolkit.fluxcd.io/v1beta2;
		// the replacement is per kind: Alert and Provider v1beta3, Receiver v1, image kinds v1.
		{"notification.toolkit.fluxcd.io/v1beta2", "Alert", Removed, "notification.toolkit.fluxcd.io/v1beta3",
			"notification.toolkit.fluxcd.io/v1beta2 Alert is no longer served; use notification.toolkit.fluxcd.io/v1beta3"},
		{"notification.toolkit.fluxcd.io/v1beta1", "Provider", Removed, "notification.toolkit.fluxcd.io/v1beta3", ""},
		{"notification.toolkit.fluxcd.io/v1beta2", "Receiver", Removed, "notification.toolkit.fluxcd.io/v1",
			"notification.toolkit.fluxcd.io/v1beta2 Receiver is no longer served; use notification.toolkit.fluxcd.io/v1"},
		{"notification.toolkit.fluxcd.io/v1alpha1", "Receiver", Removed, "notification.toolkit.fluxcd.io/v1", ""},
		{"notification.toolkit.fluxcd.io/v1", "Alert", NotServed, "notification.toolkit.fluxcd.io/v1beta3",
			"notification.toolkit.fluxcd.io/v1 Alert is not a served version; use notification.toolkit.fluxcd.io/v1beta3"},
		{"notification.toolkit.fluxcd.io/v1beta3", "Receiver", NotServed, "notification.toolkit.fluxcd.io/v1", ""},
		{"image.toolkit.fluxcd.io/v1beta2", "ImagePolicy", Removed, "image.toolkit.fluxcd.io/v1",
			"image.toolkit.fluxcd.io/v1beta2 ImagePolicy is no longer served; use image.toolkit.fluxcd.io/v1"},
		{"image.toolkit.fluxcd.io/v1beta2", "ImageRepository", Removed, "image.toolkit.fluxcd.io/v1", ""},
		{"image.toolkit.fluxcd.io/v1beta1", "ImageUpdateAutomation", Removed, "image.toolkit.fluxcd.io/v1", ""},
		{"image.toolkit.fluxcd.io/v1alpha2", "ImageUpdateAutomation", Removed, "image.toolkit.fluxcd.io/v1", ""},
		{"source.extensions.fluxcd.io/v1beta1", "ArtifactGenerator", Found, "", ""},
		{"source.extensions.fluxcd.io/v1", "ArtifactGenerator", NotServed, "source.extensions.fluxcd.io/v1beta1", ""},
		{"source.toolkit.fluxcd.io/v1", "ExternalArtifact", Found, "", ""},
		// Deprecated but served.
		{"infrastructure.cluster.x-k8s.io/v1alpha1", "AzureASOManagedMachinePool", Found, "", "infrastructure.cluster.x-k8s.io/v1alpha1 AzureASOManagedMachinePool is deprecated"},
	}
	for _, tt := range tests {
		t.Run(tt.apiVersion+" "+tt.kind, func(t *testing.T) {
			l := s.Lookup(tt.apiVersion, tt.kind)
			if l.Status != tt.status || l.Replacement != tt.replacement {
				t.Fatalf("got status %v replacement %q, want %v %q", l.Status, l.Replacement, tt.status, tt.replacement)
			}
			if (l.Validator != nil) != (tt.status == Found) {
				t.Errorf("validator %v for status %v", l.Validator, l.Status)
			}
			if tt.message != "" && !strings.HasPrefix(l.Message(), tt.message) {
				t.Errorf("Message() = %q, want prefix %q", l.Message(), tt.message)
			}
		})
	}
	if l := s.Lookup("infrastructure.cluster.x-k8s.io/v1alpha1", "AzureASOManagedMachinePool"); !l.Deprecated ||
		l.Source != "sigs.k8s.io/cluster-api-provider-azure@v1.27.0" {
		t.Errorf("deprecated lookup: %+v", l)
	}
}

func TestSources(t *testing.T) {
	s := defaultSet(t)
	got := s.Sources()
	for _, w := range []string{
		"github.com/fluxcd/helm-controller@v1.6.4",
		"github.com/fluxcd/kustomize-controller@v1.9.6",
		"github.com/fluxcd/source-controller@v1.9.6",
		"github.com/fluxcd/notification-controller@v1.9.3",
		"github.com/fluxcd/image-reflector-controller@v1.2.4",
		"github.com/fluxcd/image-automation-controller@v1.2.4",
		"github.com/fluxcd/source-watcher/v2@v2.2.3",
		"sigs.k8s.io/cluster-api-provider-azure@v1.27.0",
		"sigs.k8s.io/cluster-api@v1.14.2",
	} {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("Sources() = %v, missing %s", got, w)
		}
	}
}

// The kinds of the Flux 2.9 controllers besides helm-, kustomize- and source-controller: each
// object comes from its controller's bundle file, validates clean and reports an unknown field.
func TestFluxControllerKinds(t *testing.T) {
	s := defaultSet(t)
	for _, tt := range []struct{ file, source, path string }{
		{"alert.yaml", "github.com/fluxcd/notification-controller@v1.9.3", "spec.eventSources[0].nmae"},
		{"provider.yaml", "github.com/fluxcd/notification-controller@v1.9.3", "spec.secretRef.key"},
		{"receiver.yaml", "github.com/fluxcd/notification-controller@v1.9.3", "spec.resources[0].revision"},
		{"imagerepository.yaml", "github.com/fluxcd/image-reflector-controller@v1.2.4", "spec.tag"},
		{"imagepolicy.yaml", "github.com/fluxcd/image-reflector-controller@v1.2.4", "spec.policy.semver.rnage"},
		{"imageupdateautomation.yaml", "github.com/fluxcd/image-automation-controller@v1.2.4", "spec.git.commit.author.mail"},
		{"artifactgenerator.yaml", "github.com/fluxcd/source-watcher/v2@v2.2.3", "spec.artifacts[0].copy[0].form"},
		{"externalartifact.yaml", "github.com/fluxcd/source-controller@v1.9.6", "spec.sourceRef.revision"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			obj := load(t, tt.file)
			l := s.Lookup(obj["apiVersion"].(string), obj["kind"].(string))
			if l.Status != Found || l.Source != tt.source || l.Deprecated {
				t.Fatalf("Lookup: status %v, source %q, deprecated %v; want found in %s", l.Status, l.Source, l.Deprecated, tt.source)
			}
			if errs := l.Validator.Validate(obj); len(errs) > 0 {
				t.Fatalf("valid object: %s", dump(errs))
			}
			set(t, obj, tt.path, "x")
			errs := l.Validator.Validate(obj)
			if len(errs) != 1 || errs[0].Path != tt.path || errs[0].Type != "unknown-field" {
				t.Errorf("unknown field %s: %s", tt.path, dump(errs))
			}
		})
	}
}

func TestAddDir(t *testing.T) {
	s := defaultSet(t)
	if l := s.Lookup("example.com/v1", "Widget"); l.Status != Unknown {
		t.Fatalf("before AddDir: %v", l.Status)
	}
	dir := filepath.Join("testdata", "crds")
	if err := s.AddDir(dir); err != nil {
		t.Fatal(err)
	}
	if got := s.Sources(); got[len(got)-1] != dir {
		t.Errorf("Sources() = %v, want %s last", got, dir)
	}

	l := s.Lookup("example.com/v1", "Widget")
	if l.Status != Found || l.Source != dir {
		t.Fatalf("after AddDir: %+v", l)
	}
	widget := func(spec map[string]any) map[string]any {
		return map[string]any{"apiVersion": "example.com/v1", "kind": "Widget",
			"metadata": map[string]any{"name": "w"}, "spec": spec}
	}
	if errs := l.Validator.Validate(widget(map[string]any{"size": 7})); len(errs) != 0 {
		t.Errorf("valid widget: %s", dump(errs))
	}
	errs := l.Validator.Validate(widget(map[string]any{"size": 11, "colour": "red"}))
	if len(errs) != 2 || errs[0].Path != "spec.colour" || errs[0].Type != "unknown-field" ||
		errs[1].Path != "spec.size" || errs[1].Type != "range" {
		t.Errorf("invalid widget: %s", dump(errs))
	}
	errs = l.Validator.Validate(widget(map[string]any{"size": 7, "color": "red"}))
	if len(errs) != 1 || errs[0].Type != "cel" || errs[0].Path != "spec" || !strings.Contains(errs[0].Message, "red widgets are at most 5 big") {
		t.Errorf("CEL on a --schema-dir CRD: %s", dump(errs))
	}

	// x-kubernetes-list-type: map keys must be unique.
	errs = l.Validator.Validate(widget(map[string]any{"size": 1, "ports": []any{
		map[string]any{"name": "http", "port": 80}, map[string]any{"name": "http", "port": 8080}}}))
	if len(errs) != 1 || errs[0].Path != "spec.ports[1]" || errs[0].Type != "duplicate" {
		t.Errorf("list-map duplicate: %s", dump(errs))
	}
	// x-kubernetes-embedded-resource: apiVersion and kind required, ObjectMeta checked and
	// pruned, everything else preserved.
	errs = l.Validator.Validate(widget(map[string]any{"size": 1, "template": map[string]any{
		"apiVersion": "v1",
		// The server checks embedded names only as path segments (no "/", "%", "." or "..").
		"metadata": map[string]any{"name": "a/b", "labelz": map[string]any{}},
		"data":     map[string]any{"anything": "goes"},
	}}))
	if len(errs) != 4 || errs[0].Type != "cel-skipped" ||
		errs[1] != (FieldError{Path: "spec.template.kind", Type: "required", Message: "Required value"}) ||
		errs[2].Path != "spec.template.metadata.labelz" || errs[2].Type != "unknown-field" ||
		errs[3].Path != "spec.template.metadata.name" || errs[3].Type != "invalid" {
		t.Errorf("embedded resource: %s", dump(errs))
	}

	// The folder's HelmRelease CRD replaces the bundled one, every version.
	if l := s.Lookup("helm.toolkit.fluxcd.io/v2beta2", "HelmRelease"); l.Status != Found {
		t.Errorf("overridden HelmRelease v2beta2: %v", l.Status)
	}
	if l := s.Lookup("helm.toolkit.fluxcd.io/v2", "HelmRelease"); l.Status != NotServed || l.Replacement != "helm.toolkit.fluxcd.io/v2beta2" {
		t.Errorf("overridden HelmRelease v2: %+v", l)
	}
	// Other sets are not affected.
	if l := defaultSet(t).Lookup("example.com/v1", "Widget"); l.Status != Unknown {
		t.Errorf("AddDir leaked into another Set: %v", l.Status)
	}
}

func TestAddDirErrors(t *testing.T) {
	write := func(t *testing.T, content string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "crd.yaml"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	tests := []struct{ name, content, want string }{
		{"no CRD", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "no apiextensions.k8s.io/v1 CustomResourceDefinition"},
		{"v1beta1 CRD", "apiVersion: apiextensions.k8s.io/v1beta1\nkind: CustomResourceDefinition\nmetadata: {name: x}\n", "only apiextensions.k8s.io/v1"},
		{"not structural", `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
spec:
  group: example.com
  names: {kind: Thing, plural: things}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {}
`, "not structural"},
		{"bad YAML", "apiVersion: [", "crd.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := defaultSet(t)
			err := s.AddDir(write(t, tt.content))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("AddDir error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if err := defaultSet(t).AddDir(filepath.Join("testdata", "missing")); err == nil {
		t.Error("AddDir of a missing folder: no error")
	}
}

func TestEveryBundledSchemaBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles every schema")
	}
	s := defaultSet(t)
	n := 0
	for _, gvk := range s.Kinds() {
		apiVersion, kind, _ := strings.Cut(gvk, " ")
		l := s.Lookup(apiVersion, kind)
		if err := l.Validator.Prepare(); err != nil {
			t.Errorf("%s: %v", gvk, err)
		}
		n++
	}
	if n < 40 {
		t.Errorf("only %d served kinds in the bundle", n)
	}
}

func TestConcurrentValidate(t *testing.T) {
	// A Set of its own, so the validators are cold and the goroutines race to build them.
	s, err := coldDefault()
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"helmrelease.yaml", "machinepool-aso.yaml", "kustomization.yaml", "cluster.yaml"}
	objs := make([]map[string]any, len(names))
	for i, n := range names {
		objs[i] = load(t, n)
		set(t, objs[i], "spec.bogus", true)
	}
	var wg sync.WaitGroup
	errc := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				obj := objs[(g+i)%len(objs)]
				l := s.Lookup(obj["apiVersion"].(string), obj["kind"].(string))
				errs := l.Validator.Validate(obj)
				if len(errs) != 1 || errs[0].Path != "spec.bogus" {
					errc <- dump(errs)
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for e := range errc {
		t.Error(e)
	}
}

// ASO's hub versions ("...storage") are stored but never written by users: the replacement for an
// unserved ASO version is the served version without the suffix.
func TestASOReplacementIsNotTheStorageHub(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	l := s.Lookup("containerservice.azure.com/v1api20230201", "ManagedClustersAgentPool")
	if l.Status == Found || l.Replacement != "containerservice.azure.com/v1api20250801" {
		t.Fatalf("lookup %v, replacement %q", l.Status, l.Replacement)
	}
}

// coldDefault parses the files Default uses afresh, so its validators are not built yet.
func coldDefault() (*Set, error) {
	files, err := embedded()
	if err != nil {
		return nil, err
	}
	newest := map[string]*bundled{}
	for _, f := range files {
		newest[f.module] = f
	}
	s := &Set{kinds: map[groupKind]*kindEntry{}}
	for _, f := range newest {
		kinds, source, err := loadBundleFile(bundleFS, f.name)
		if err != nil {
			return nil, err
		}
		maps.Copy(s.kinds, kinds)
		s.sources = append(s.sources, source)
	}
	return s, nil
}

func TestForPicksOneVersionPerModule(t *testing.T) {
	tests := []struct {
		name    string
		pins    map[string]string
		want    []string // sources that must be in the set
		wantErr string
	}{
		{name: "no pins: the newest of each", want: []string{"sigs.k8s.io/cluster-api@v1.14.2", "sigs.k8s.io/cluster-api-provider-azure@v1.27.0"}},
		{name: "previous providers", pins: map[string]string{"sigs.k8s.io/cluster-api": "v1.10.10", "sigs.k8s.io/cluster-api-provider-azure": "v1.21.0"},
			want: []string{"sigs.k8s.io/cluster-api@v1.10.10", "sigs.k8s.io/cluster-api-provider-azure@v1.21.0"}},
		{name: "another patch of an embedded minor", pins: map[string]string{"sigs.k8s.io/cluster-api": "v1.14.0", "sigs.k8s.io/cluster-api-provider-azure": "v1.21.3"},
			want: []string{"sigs.k8s.io/cluster-api@v1.14.2", "sigs.k8s.io/cluster-api-provider-azure@v1.21.0"}},
		{name: "a minor not embedded", pins: map[string]string{"sigs.k8s.io/cluster-api": "v1.12.1"},
			wantErr: "sigs.k8s.io/cluster-api v1.12.1: no schemas of that minor version are embedded (embedded: v1.10.10, v1.14.2)"},
		{name: "a module without CRDs", pins: map[string]string{"example.com/other": "v1.0.0"}, want: []string{"sigs.k8s.io/cluster-api@v1.14.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := For(tt.pins)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := s.Sources()
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("Sources() = %v, missing %s", got, w)
				}
			}
			modules := map[string]bool{}
			for _, src := range got {
				m, _, _ := strings.Cut(src, "@")
				if modules[m] {
					t.Errorf("Sources() = %v: %s twice", got, m)
				}
				modules[m] = true
			}
		})
	}
}

// The previous provider set still validates what a fleet made with it holds: a v1beta1 Cluster with
// refs carrying their apiVersion, which CAPI v1.14 serves only as a deprecated version.
func TestPreviousProvidersValidateV1beta1(t *testing.T) {
	old, err := For(map[string]string{"sigs.k8s.io/cluster-api": "v1.10.10"})
	if err != nil {
		t.Fatal(err)
	}
	cur := defaultSet(t)
	obj := map[string]any{
		"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "Cluster",
		"metadata": map[string]any{"name": "a", "namespace": "n"},
		"spec": map[string]any{"controlPlaneRef": map[string]any{
			"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "AzureASOManagedControlPlane", "name": "a"}},
	}
	lo := old.Lookup("cluster.x-k8s.io/v1beta1", "Cluster")
	if lo.Status != Found || lo.Deprecated {
		t.Fatalf("CAPI v1.10 lookup: %+v", lo)
	}
	if errs := lo.Validator.Validate(obj); len(errs) != 0 {
		t.Errorf("CAPI v1.10: %s", dump(errs))
	}
	if lc := cur.Lookup("cluster.x-k8s.io/v1beta1", "Cluster"); lc.Status != Found || !lc.Deprecated {
		t.Errorf("CAPI v1.14 lookup of v1beta1: %+v", lc)
	}
}
