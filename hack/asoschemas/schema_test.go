package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/fleetctl/fleetctl/pkg/schemabundle"
)

// These tests check the committed bundle file: that every schema in it is structural (as the API
// server requires of a CRD), that the ASO kinds carry the constraints fleetctl relies on, and that
// sample objects validate as expected. TestBundleUpToDate also regenerates the file (twice) and
// compares; it needs the module cache or the module proxy, so -short skips it.

var bundlePath = filepath.Join("..", "..", "pkg", "schema", "bundle", schemabundle.FileName(asoModule, asoVersion))

func readBundle(t *testing.T) schemabundle.File {
	t.Helper()
	b, err := os.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	var f schemabundle.File
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatal(err)
	}
	return f
}

// schemaOf returns the internal (apiextensions) form of one version's schema.
func schemaOf(t *testing.T, f schemabundle.File, group, kind, version string) *apiextensions.JSONSchemaProps {
	t.Helper()
	for _, c := range f.CRDs {
		if c.Spec.Group != group || c.Spec.Names.Kind != kind {
			continue
		}
		for _, v := range c.Spec.Versions {
			if v.Name == version {
				return toInternal(t, v.Schema.OpenAPIV3Schema)
			}
		}
	}
	t.Fatalf("no %s/%s %s in the bundle", group, version, kind)
	return nil
}

func toInternal(t *testing.T, raw json.RawMessage) *apiextensions.JSONSchemaProps {
	t.Helper()
	var v1 apiextensionsv1.JSONSchemaProps
	if err := json.Unmarshal(raw, &v1); err != nil {
		t.Fatal(err)
	}
	var out apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(&v1, &out, nil); err != nil {
		t.Fatal(err)
	}
	return &out
}

// prop walks a dotted path of property names; a name ending in "[]" steps into the array's items.
func prop(t *testing.T, s *apiextensions.JSONSchemaProps, path string) *apiextensions.JSONSchemaProps {
	t.Helper()
	cur := s
	for _, part := range strings.Split(path, ".") {
		name := strings.ReplaceAll(part, "[]", "")
		p, ok := cur.Properties[name]
		if !ok {
			t.Fatalf("%s: no property %q", path, name)
		}
		cur = &p
		for range strings.Count(part, "[]") {
			if cur.Items == nil || cur.Items.Schema == nil {
				t.Fatalf("%s: %q is not an array", path, name)
			}
			cur = cur.Items.Schema
		}
	}
	return cur
}

func enumOf(s *apiextensions.JSONSchemaProps) []string {
	var out []string
	for _, e := range s.Enum {
		out = append(out, e.(string))
	}
	slices.Sort(out)
	return out
}

func TestBundleShape(t *testing.T) {
	f := readBundle(t)
	if f.Source != asoModule+"@"+asoVersion {
		t.Errorf("source %q", f.Source)
	}
	type ver struct {
		name            string
		served, storage bool
	}
	// The containerservice versions ASO v2.18 serves for each kind; the hub (storage) is
	// v1api20250801's. v1api20250301 holds none of these kinds, MaintenanceConfiguration has no
	// 2024-04-02-preview.
	vs := func(names ...string) []ver {
		var out []ver
		for _, n := range names {
			out = append(out, ver{n, true, false}, ver{n + "storage", true, n == "v1api20250801"})
		}
		return out
	}
	cs := vs("v1api20240402preview", "v1api20240901", "v1api20250801", "v20251002preview")
	maint := vs("v1api20240901", "v1api20250801", "v20251002preview")
	want := map[string][]ver{
		"resources.azure.com/ResourceGroup": {
			{"v1api20200601", true, false}, {"v1api20200601storage", true, true}},
		"containerservice.azure.com/ManagedCluster":           cs,
		"containerservice.azure.com/ManagedClustersAgentPool": cs,
		"containerservice.azure.com/MaintenanceConfiguration": maint,
	}
	if len(f.CRDs) != len(want) {
		t.Errorf("%d CRDs, want %d", len(f.CRDs), len(want))
	}
	for _, c := range f.CRDs {
		gk := c.Spec.Group + "/" + c.Spec.Names.Kind
		w, ok := want[gk]
		if !ok {
			t.Errorf("unexpected CRD %s", gk)
			continue
		}
		if c.Spec.Scope != "Namespaced" || c.Spec.Names.Plural != strings.ToLower(c.Spec.Names.Kind)+"s" {
			t.Errorf("%s: scope %q, plural %q", gk, c.Spec.Scope, c.Spec.Names.Plural)
		}
		var got []ver
		for _, v := range c.Spec.Versions {
			got = append(got, ver{v.Name, v.Served, v.Storage})
			if v.Deprecated || v.DeprecationWarning != nil {
				t.Errorf("%s %s: unexpectedly deprecated", gk, v.Name)
			}
		}
		if !slices.Equal(got, w) {
			t.Errorf("%s versions %+v, want %+v", gk, got, w)
		}
	}
	if b, _ := os.ReadFile(bundlePath); bytes.Contains(b, []byte(`"description"`)) {
		t.Error("descriptions were not stripped")
	}
}

// TestStructural checks every schema the way the API server does when a CRD is created.
func TestStructural(t *testing.T) {
	f := readBundle(t)
	for _, c := range f.CRDs {
		for _, v := range c.Spec.Versions {
			s := toInternal(t, v.Schema.OpenAPIV3Schema)
			st, err := structuralschema.NewStructural(s)
			if err != nil {
				t.Errorf("%s %s %s: NewStructural: %v", c.Spec.Group, v.Name, c.Spec.Names.Kind, err)
				continue
			}
			if errs := structuralschema.ValidateStructural(field.NewPath("openAPIV3Schema"), st); len(errs) > 0 {
				t.Errorf("%s %s %s: not structural: %v", c.Spec.Group, v.Name, c.Spec.Names.Kind, errs.ToAggregate())
			}
			if _, _, err := validation.NewSchemaValidator(s); err != nil {
				t.Errorf("%s %s %s: schema validator: %v", c.Spec.Group, v.Name, c.Spec.Names.Kind, err)
			}
		}
	}
}

type fact struct {
	path      string
	typ       string
	enum      []string // sorted
	pattern   string
	min, max  *float64
	minLength *int64
	maxLength *int64
}

func num(f float64) *float64 { return &f }
func length(i int64) *int64  { return &i }

func checkFacts(t *testing.T, s *apiextensions.JSONSchemaProps, facts []fact) {
	t.Helper()
	for _, f := range facts {
		p := prop(t, s, f.path)
		if p.Type != f.typ {
			t.Errorf("%s: type %q, want %q", f.path, p.Type, f.typ)
		}
		if got := enumOf(p); !slices.Equal(got, f.enum) {
			t.Errorf("%s: enum %v, want %v", f.path, got, f.enum)
		}
		if p.Pattern != f.pattern {
			t.Errorf("%s: pattern %q, want %q", f.path, p.Pattern, f.pattern)
		}
		eqF := func(what string, got, want *float64) {
			if (got == nil) != (want == nil) || (got != nil && *got != *want) {
				t.Errorf("%s: %s %v, want %v", f.path, what, deref(got), deref(want))
			}
		}
		eqI := func(what string, got, want *int64) {
			if (got == nil) != (want == nil) || (got != nil && *got != *want) {
				t.Errorf("%s: %s %v, want %v", f.path, what, deref(got), deref(want))
			}
		}
		eqF("minimum", p.Minimum, f.min)
		eqF("maximum", p.Maximum, f.max)
		eqI("minLength", p.MinLength, f.minLength)
		eqI("maxLength", p.MaxLength, f.maxLength)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func checkRequired(t *testing.T, s *apiextensions.JSONSchemaProps, path string, want ...string) {
	t.Helper()
	p := s
	if path != "" {
		p = prop(t, s, path)
	}
	got := slices.Sorted(slices.Values(p.Required))
	if !slices.Equal(got, want) {
		t.Errorf("%s: required %v, want %v", path, got, want)
	}
}

const armIDPattern = `(?i)(^(/subscriptions/([^/]+)(/resourcegroups/([^/]+))?)?/providers/([^/]+)/([^/]+/[^/]+)(/([^/]+/[^/]+))*$|^/subscriptions/([^/]+)(/resourcegroups/([^/]+))?$)`

func TestAgentPoolSchema(t *testing.T) {
	f := readBundle(t)
	for _, version := range []string{"v1api20240901"} {
		t.Run(version, func(t *testing.T) {
			s := schemaOf(t, f, "containerservice.azure.com", "ManagedClustersAgentPool", version)
			checkRequired(t, s, "spec", "owner")
			checkFacts(t, s, []fact{
				{path: "spec.azureName", typ: "string", pattern: "^[a-z][a-z0-9]{0,11}$", minLength: length(1), maxLength: length(12)},
				{path: "spec.vmSize", typ: "string"},
				{path: "spec.count", typ: "integer"},
				{path: "spec.minCount", typ: "integer"},
				{path: "spec.maxCount", typ: "integer"},
				{path: "spec.maxPods", typ: "integer"},
				{path: "spec.enableAutoScaling", typ: "boolean"},
				{path: "spec.orchestratorVersion", typ: "string"},
				{path: "spec.mode", typ: "string", enum: []string{"System", "User"}},
				{path: "spec.osType", typ: "string", enum: []string{"Linux", "Windows"}},
				{path: "spec.osSKU", typ: "string", enum: []string{"AzureLinux", "CBLMariner", "Ubuntu", "Windows2019", "Windows2022"}},
				{path: "spec.osDiskType", typ: "string", enum: []string{"Ephemeral", "Managed"}},
				{path: "spec.osDiskSizeGB", typ: "integer", min: num(0), max: num(2048)},
				{path: "spec.kubeletDiskType", typ: "string", enum: []string{"OS", "Temporary"}},
				{path: "spec.scaleSetPriority", typ: "string", enum: []string{"Regular", "Spot"}},
				{path: "spec.scaleSetEvictionPolicy", typ: "string", enum: []string{"Deallocate", "Delete"}},
				{path: "spec.scaleDownMode", typ: "string", enum: []string{"Deallocate", "Delete"}},
				{path: "spec.spotMaxPrice", typ: "number"},
				{path: "spec.type", typ: "string", enum: []string{"AvailabilitySet", "VirtualMachineScaleSets"}},
				{path: "spec.availabilityZones", typ: "array"},
				{path: "spec.availabilityZones[]", typ: "string"},
				{path: "spec.nodeTaints[]", typ: "string"},
				{path: "spec.nodeLabels", typ: "object"},
				{path: "spec.owner", typ: "object"},
				{path: "spec.owner.name", typ: "string"},
				{path: "spec.owner.armId", typ: "string", pattern: armIDPattern},
				{path: "spec.vnetSubnetReference.armId", typ: "string", pattern: armIDPattern},
			})
			if ap := prop(t, s, "spec.nodeLabels").AdditionalProperties; ap == nil || ap.Schema == nil || ap.Schema.Type != "string" {
				t.Error("spec.nodeLabels: want a map of strings")
			}
			checkRequired(t, s, "status") // status is written by ASO, never required
		})
	}
}

func TestManagedClusterSchema(t *testing.T) {
	f := readBundle(t)
	for _, version := range []string{"v1api20240901"} {
		t.Run(version, func(t *testing.T) {
			s := schemaOf(t, f, "containerservice.azure.com", "ManagedCluster", version)
			checkRequired(t, s, "spec", "location", "owner")
			checkRequired(t, s, "spec.agentPoolProfiles[]", "name")
			checkRequired(t, s, "spec.linuxProfile", "adminUsername", "ssh")
			// The 2024-09-01 API added networkPolicy "none" and nodeOSUpgradeChannel "SecurityPatch".
			policies := []string{"azure", "calico", "cilium", "none"}
			nodeOSChannels := []string{"NodeImage", "None", "SecurityPatch", "Unmanaged"}
			cidr := `^([0-9]{1,3}\.){3}[0-9]{1,3}(\/([0-9]|[1-2][0-9]|3[0-2]))?$`
			checkFacts(t, s, []fact{
				{path: "spec.azureName", typ: "string", pattern: "^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$", minLength: length(1), maxLength: length(63)},
				{path: "spec.location", typ: "string"},
				{path: "spec.dnsPrefix", typ: "string"}, // no pattern: ASO leaves it to Azure
				{path: "spec.kubernetesVersion", typ: "string"},
				{path: "spec.nodeResourceGroup", typ: "string"},
				{path: "spec.owner.name", typ: "string"},
				{path: "spec.sku.tier", typ: "string", enum: []string{"Free", "Premium", "Standard"}},
				{path: "spec.sku.name", typ: "string", enum: []string{"Base"}},
				{path: "spec.identity.type", typ: "string", enum: []string{"None", "SystemAssigned", "UserAssigned"}},
				{path: "spec.networkProfile.networkPlugin", typ: "string", enum: []string{"azure", "kubenet", "none"}},
				{path: "spec.networkProfile.networkPolicy", typ: "string", enum: policies},
				{path: "spec.networkProfile.networkPluginMode", typ: "string", enum: []string{"overlay"}},
				{path: "spec.networkProfile.networkDataplane", typ: "string", enum: []string{"azure", "cilium"}},
				{path: "spec.networkProfile.outboundType", typ: "string", enum: []string{"loadBalancer", "managedNATGateway", "userAssignedNATGateway", "userDefinedRouting"}},
				{path: "spec.networkProfile.loadBalancerSku", typ: "string", enum: []string{"basic", "standard"}},
				{path: "spec.networkProfile.serviceCidr", typ: "string", pattern: cidr},
				{path: "spec.networkProfile.podCidr", typ: "string", pattern: cidr},
				{path: "spec.networkProfile.dnsServiceIP", typ: "string", pattern: `^(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)$`},
				{path: "spec.networkProfile.ipFamilies[]", typ: "string", enum: []string{"IPv4", "IPv6"}},
				{path: "spec.agentPoolProfiles[].name", typ: "string", pattern: "^[a-z][a-z0-9]{0,11}$"},
				{path: "spec.agentPoolProfiles[].mode", typ: "string", enum: []string{"System", "User"}},
				{path: "spec.agentPoolProfiles[].osType", typ: "string", enum: []string{"Linux", "Windows"}},
				{path: "spec.agentPoolProfiles[].count", typ: "integer"},
				{path: "spec.autoUpgradeProfile.upgradeChannel", typ: "string", enum: []string{"node-image", "none", "patch", "rapid", "stable"}},
				{path: "spec.autoUpgradeProfile.nodeOSUpgradeChannel", typ: "string", enum: nodeOSChannels},
				{path: "spec.publicNetworkAccess", typ: "string", enum: []string{"Disabled", "Enabled"}},
				{path: "spec.supportPlan", typ: "string", enum: []string{"AKSLongTermSupport", "KubernetesOfficial"}},
				{path: "spec.enableRBAC", typ: "boolean"},
				{path: "spec.oidcIssuerProfile.enabled", typ: "boolean"},
			})
		})
	}
}

func TestResourceGroupSchema(t *testing.T) {
	s := schemaOf(t, readBundle(t), "resources.azure.com", "ResourceGroup", "v1api20200601")
	checkRequired(t, s, "spec", "location")
	checkFacts(t, s, []fact{
		{path: "spec.azureName", typ: "string", minLength: length(1), maxLength: length(90)},
		{path: "spec.location", typ: "string"},
		{path: "spec.managedBy", typ: "string"},
		{path: "spec.tags", typ: "object"},
	})
}

// TestValidateSamples runs the API server's own validation of custom resources over a few
// objects, shaped like what a CAPZ AzureASOManagedControlPlane/MachinePool embeds.
func TestValidateSamples(t *testing.T) {
	f := readBundle(t)
	cases := []struct {
		name, group, kind, version, yaml string
		wantErrs                         []string // substrings; none means valid
	}{
		{
			name: "resource group", group: "resources.azure.com", kind: "ResourceGroup", version: "v1api20200601",
			yaml: `
apiVersion: resources.azure.com/v1api20200601
kind: ResourceGroup
metadata: {name: atlantic-aks-rg}
spec: {location: eastus}
`,
		},
		{
			name: "resource group without location", group: "resources.azure.com", kind: "ResourceGroup", version: "v1api20200601",
			yaml: `
apiVersion: resources.azure.com/v1api20200601
kind: ResourceGroup
metadata: {name: rg}
spec: {azureName: ""}
`,
			wantErrs: []string{"spec.location: Required value", "spec.azureName: Invalid value"},
		},
		{
			name: "managed cluster", group: "containerservice.azure.com", kind: "ManagedCluster", version: "v1api20240901",
			yaml: `
apiVersion: containerservice.azure.com/v1api20240901
kind: ManagedCluster
metadata: {name: atlantic-aks}
spec:
  location: eastus
  owner: {name: atlantic-aks-rg}
  dnsPrefix: atlantic-aks
  identity: {type: SystemAssigned}
  sku: {tier: Standard}
  networkProfile:
    networkPlugin: azure
    networkPolicy: calico
    outboundType: loadBalancer
    dnsServiceIP: 10.0.0.10
    serviceCidr: 10.0.0.0/16
`,
		},
		{
			name: "managed cluster with bad enums", group: "containerservice.azure.com", kind: "ManagedCluster", version: "v1api20240901",
			yaml: `
apiVersion: containerservice.azure.com/v1api20240901
kind: ManagedCluster
metadata: {name: c}
spec:
  location: eastus
  sku: {tier: Gold}
  networkProfile: {networkPlugin: flannel, outboundType: none, dnsServiceIP: 10.0.0.300}
`,
			wantErrs: []string{"spec.owner: Required value", "spec.sku.tier: Unsupported value", "spec.networkProfile.networkPlugin: Unsupported value",
				"spec.networkProfile.outboundType: Unsupported value", "spec.networkProfile.dnsServiceIP: Invalid value"},
		},
		{
			name: "agent pool", group: "containerservice.azure.com", kind: "ManagedClustersAgentPool", version: "v1api20240901",
			yaml: `
apiVersion: containerservice.azure.com/v1api20240901
kind: ManagedClustersAgentPool
metadata: {name: atlantic-aks-system}
spec:
  azureName: system
  owner: {name: atlantic-aks}
  mode: System
  type: VirtualMachineScaleSets
  vmSize: Standard_D4s_v5
  osType: Linux
  osDiskType: Managed
  osDiskSizeGB: 128
  maxPods: 30
  enableAutoScaling: true
  minCount: 1
  maxCount: 5
  nodeLabels: {team: platform}
  nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"]
  availabilityZones: ["1", "2", "3"]
`,
		},
		{
			name: "agent pool with bad values", group: "containerservice.azure.com", kind: "ManagedClustersAgentPool", version: "v1api20240901",
			yaml: `
apiVersion: containerservice.azure.com/v1api20240901
kind: ManagedClustersAgentPool
metadata: {name: p}
spec:
  azureName: System-Pool
  mode: Gateway
  osType: Linux2
  osDiskSizeGB: 4096
  count: three
`,
			wantErrs: []string{"spec.owner: Required value", "spec.azureName: Invalid value",
				"spec.mode: Unsupported value", "spec.osType: Unsupported value", "spec.osDiskSizeGB: Invalid value",
				"spec.count: Invalid value"},
		},
		{
			name: "agent pool name too long", group: "containerservice.azure.com", kind: "ManagedClustersAgentPool", version: "v1api20240901",
			yaml: `
apiVersion: containerservice.azure.com/v1api20240901
kind: ManagedClustersAgentPool
metadata: {name: p}
spec: {azureName: systempoolabcd, owner: {name: c}, mode: User}
`,
			wantErrs: []string{"spec.azureName: Too long"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, _, err := validation.NewSchemaValidator(schemaOf(t, f, c.group, c.kind, c.version))
			if err != nil {
				t.Fatal(err)
			}
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(c.yaml), &obj); err != nil {
				t.Fatal(err)
			}
			errs := validation.ValidateCustomResource(nil, obj, v)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			all := strings.Join(got, "\n")
			if len(c.wantErrs) == 0 && len(errs) > 0 {
				t.Fatalf("want valid, got:\n%s", all)
			}
			for _, w := range c.wantErrs {
				if !strings.Contains(all, w) {
					t.Errorf("no error containing %q in:\n%s", w, all)
				}
			}
			if len(errs) > len(c.wantErrs) {
				t.Errorf("more errors than expected:\n%s", all)
			}
		})
	}
}

// TestBundleUpToDate regenerates the bundle twice: both runs must give the same bytes, equal to
// the committed file.
func TestBundleUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the ASO packages from source")
	}
	gen := func() []byte {
		crds, err := generate()
		if err != nil {
			t.Fatal(err)
		}
		b, err := bundle(crds)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first, second := gen(), gen()
	if !bytes.Equal(first, second) {
		t.Fatal("two generations gave different bytes")
	}
	onDisk, err := os.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, onDisk) {
		t.Fatalf("%s is stale: run `go run .` in hack/asoschemas", bundlePath)
	}
}
