package chart

import (
	"errors"
	"strings"
	"testing"
)

// renderMultipool renders testdata/multipool.values.yaml afresh, so that each
// case can damage its own copy.
func renderMultipool(t *testing.T) []Object {
	t.Helper()
	objs, err := loadChart(t).Render(readValues(t, "multipool.values.yaml"), "pacific-aks", testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

var multipoolPools = []string{"system", "win", "work"}

func find(t *testing.T, objs []Object, kind, name string) Object {
	t.Helper()
	for _, o := range objs {
		if o.Kind == kind && o.Name == name {
			return o
		}
	}
	t.Fatalf("no %s %s", kind, name)
	return Object{}
}

func without(objs []Object, kind, name string) []Object {
	var out []Object
	for _, o := range objs {
		if o.Kind == kind && o.Name == name {
			continue
		}
		out = append(out, o)
	}
	return out
}

// firstResource returns the first embedded ASO resource of an object.
func firstResource(o Object) map[string]any {
	return o.Object["spec"].(map[string]any)["resources"].([]any)[0].(map[string]any)
}

func spec(m map[string]any) map[string]any { return m["spec"].(map[string]any) }

func TestCheckShapesAcceptsRenderedChart(t *testing.T) {
	objs := renderMultipool(t)
	if err := CheckShapes(objs, multipoolPools); err != nil {
		t.Fatal(err)
	}
	// Pool order does not matter.
	if err := CheckShapes(objs, []string{"work", "system", "win"}); err != nil {
		t.Fatal(err)
	}
}

// toV1beta1 rewrites a rendered chart as the previous chart (Cluster API v1beta1) renders it: the
// CAPI objects at v1beta1 and their references naming an apiVersion instead of an apiGroup.
func toV1beta1(objs []Object) []Object {
	fix := func(ref any) {
		if m, ok := ref.(map[string]any); ok {
			delete(m, "apiGroup")
			m["apiVersion"] = CAPZAPIVersion
		}
	}
	for _, o := range objs {
		if o.Kind != KindCluster && o.Kind != KindMachinePool {
			continue
		}
		o.Object["apiVersion"] = CAPIGroup + "/" + ContractV1beta1
		sp := spec(o.Object)
		fix(sp["controlPlaneRef"])
		fix(sp["infrastructureRef"])
		if tmpl, ok := sp["template"].(map[string]any); ok {
			fix(spec(tmpl)["infrastructureRef"])
		}
	}
	for i := range objs {
		objs[i].APIVersion, _ = objs[i].Object["apiVersion"].(string)
	}
	return objs
}

func TestCheckShapesFollowsTheContract(t *testing.T) {
	if err := CheckShapesFor(renderMultipool(t), multipoolPools, ContractV1beta2); err != nil {
		t.Errorf("v1beta2 chart under the v1beta2 contract: %v", err)
	}
	if err := CheckShapesFor(toV1beta1(renderMultipool(t)), multipoolPools, ContractV1beta1); err != nil {
		t.Errorf("v1beta1 chart under the v1beta1 contract: %v", err)
	}
	for _, tc := range []struct {
		name     string
		objs     []Object
		contract string
		want     []string
	}{
		{"v1beta1 chart, v1beta2 fleet", toV1beta1(renderMultipool(t)), ContractV1beta2, []string{
			"Cluster pacific-aks (aks-cluster/templates/cluster.yaml): apiVersion cluster.x-k8s.io/v1beta1, want cluster.x-k8s.io/v1beta2: the fleet targets the Cluster API v1beta2 contract",
			`spec.controlPlaneRef is apiGroup AzureASOManagedControlPlane "pacific-aks", want apiGroup infrastructure.cluster.x-k8s.io`,
			"spec.template.spec.infrastructureRef is not an apiGroup infrastructure.cluster.x-k8s.io AzureASOManagedMachinePool",
		}},
		{"v1beta2 chart, v1beta1 fleet", renderMultipool(t), ContractV1beta1, []string{
			"apiVersion cluster.x-k8s.io/v1beta2, want cluster.x-k8s.io/v1beta1: the fleet targets the Cluster API v1beta1 contract",
			`spec.infrastructureRef is AzureASOManagedCluster "pacific-aks", want infrastructure.cluster.x-k8s.io/v1beta1 AzureASOManagedCluster`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckShapesFor(tc.objs, multipoolPools, tc.contract)
			if err == nil {
				t.Fatal("no problem found")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("missing %q in:\n%v", w, err)
				}
			}
		})
	}
}

func TestCheckShapesFindsProblems(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, objs []Object) []Object
		pools  []string
		want   []string // fragments, each expected on some line
	}{
		{
			name: "CAPZ-owned ManagedCluster fields",
			damage: func(t *testing.T, objs []Object) []Object {
				mc := spec(firstResource(find(t, objs, KindAzureASOManagedControlPlane, "pacific-aks")))
				mc["kubernetesVersion"] = "1.37.2"
				mc["networkProfile"].(map[string]any)["serviceCidr"] = "10.100.0.0/16"
				mc["networkProfile"].(map[string]any)["podCidr"] = "10.244.0.0/16"
				mc["agentPoolProfiles"] = []any{}
				return objs
			},
			want: []string{
				"spec.kubernetesVersion is owned by CAPZ",
				"spec.networkProfile.serviceCidr is owned by CAPZ",
				"spec.networkProfile.podCidr is owned by CAPZ",
				"spec.agentPoolProfiles is owned by CAPZ",
			},
		},
		{
			name: "CAPZ-owned agent pool fields",
			damage: func(t *testing.T, objs []Object) []Object {
				ap := spec(firstResource(find(t, objs, KindAzureASOManagedMachinePool, "pacific-aks-system")))
				ap["count"] = 3
				ap["orchestratorVersion"] = "1.37.2"
				return objs
			},
			want: []string{"spec.count is owned by CAPZ", "spec.orchestratorVersion is owned by CAPZ"},
		},
		{
			name: "missing credentials annotation",
			damage: func(t *testing.T, objs []Object) []Object {
				delete(firstResource(find(t, objs, KindAzureASOManagedCluster, "pacific-aks"))["metadata"].(map[string]any), "annotations")
				return objs
			},
			want: []string{"ResourceGroup pacific-aks-rg): no serviceoperator.azure.com/credential-from annotation"},
		},
		{
			name: "replicas on an autoscaled pool",
			damage: func(t *testing.T, objs []Object) []Object {
				spec(find(t, objs, KindMachinePool, "pacific-aks-work").Object)["replicas"] = 3
				return objs
			},
			want: []string{`node pool "work" is autoscaled, so spec.replicas must be left to the autoscaler`},
		},
		{
			name: "autoscaler annotation out of step",
			damage: func(t *testing.T, objs []Object) []Object {
				find(t, objs, KindMachinePool, "pacific-aks-work").Object["metadata"].(map[string]any)["annotations"].(map[string]any)[AutoscalerMaxSizeAnnotation] = "5"
				return objs
			},
			want: []string{`annotation cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size is "5", want "10"`},
		},
		{
			name: "fixed pool without replicas",
			damage: func(t *testing.T, objs []Object) []Object {
				delete(spec(find(t, objs, KindMachinePool, "pacific-aks-system").Object), "replicas")
				return objs
			},
			want: []string{`node pool "system" is not autoscaled but spec.replicas is missing`},
		},
		{
			name:   "missing and unexpected pools",
			damage: func(t *testing.T, objs []Object) []Object { return objs },
			pools:  []string{"system", "work", "gpu"},
			want:   []string{`node pool "win" is not one of the expected pools`, `node pool "gpu": no MachinePool`},
		},
		{
			name: "MachinePool without its infrastructure",
			damage: func(t *testing.T, objs []Object) []Object {
				return without(objs, KindAzureASOManagedMachinePool, "pacific-aks-win")
			},
			want: []string{`names AzureASOManagedMachinePool "pacific-aks-win", which is not rendered`, `node pool "win": no MachinePool`},
		},
		{
			name: "orphan AzureASOManagedMachinePool",
			damage: func(t *testing.T, objs []Object) []Object {
				return without(objs, KindMachinePool, "pacific-aks-win")
			},
			want: []string{"AzureASOManagedMachinePool pacific-aks-win (aks-cluster/templates/machinepools.yaml): no MachinePool references it"},
		},
		{
			name: "two Clusters, no control plane",
			damage: func(t *testing.T, objs []Object) []Object {
				c := find(t, objs, KindCluster, "pacific-aks")
				c.Name = "other"
				objs = append(objs, c)
				return without(objs, KindAzureASOManagedControlPlane, "pacific-aks")
			},
			want: []string{"want exactly one Cluster, found 2 (pacific-aks, other)", "want exactly one AzureASOManagedControlPlane, found 0"},
		},
		{
			name: "wrong control plane ref",
			damage: func(t *testing.T, objs []Object) []Object {
				spec(find(t, objs, KindCluster, "pacific-aks").Object)["controlPlaneRef"].(map[string]any)["kind"] = "AzureManagedControlPlane"
				return objs
			},
			want: []string{`spec.controlPlaneRef is apiGroup infrastructure.cluster.x-k8s.io AzureManagedControlPlane "pacific-aks", want`},
		},
		{
			name: "removed API version",
			damage: func(t *testing.T, objs []Object) []Object {
				for i := range objs {
					if objs[i].Kind == KindKustomization {
						objs[i].APIVersion = "kustomize.toolkit.fluxcd.io/v1beta2"
					}
				}
				return objs
			},
			want: []string{"apiVersion kustomize.toolkit.fluxcd.io/v1beta2, want kustomize.toolkit.fluxcd.io/v1"},
		},
		{
			name: "no dependsOn",
			damage: func(t *testing.T, objs []Object) []Object {
				delete(spec(find(t, objs, KindKustomization, "pacific-aks-infra").Object), "dependsOn")
				return objs
			},
			want: []string{"want one without dependsOn (Flux install) and one that dependsOn it"},
		},
		{
			name: "dependsOn the wrong Kustomization",
			damage: func(t *testing.T, objs []Object) []Object {
				spec(find(t, objs, KindKustomization, "pacific-aks-infra").Object)["dependsOn"] = []any{map[string]any{"name": "elsewhere"}}
				return objs
			},
			want: []string{"dependsOn fleet-clusters/elsewhere, which the chart does not render", "must dependsOn pacific-aks-flux"},
		},
		{
			name: "wrong kubeconfig secret",
			damage: func(t *testing.T, objs []Object) []Object {
				spec(find(t, objs, KindKustomization, "pacific-aks-flux").Object)["kubeConfig"] = map[string]any{"secretRef": map[string]any{"name": "pacific-kubeconfig"}}
				return objs
			},
			want: []string{`spec.kubeConfig.secretRef.name is "pacific-kubeconfig", want "pacific-aks-kubeconfig"`, `spec.kubeConfig.secretRef.key is "", want "value"`},
		},
		{
			name: "one Kustomization",
			damage: func(t *testing.T, objs []Object) []Object {
				return without(objs, KindKustomization, "pacific-aks-infra")
			},
			want: []string{"want 2 Flux Kustomizations (Flux install, then infrastructure), found 1"},
		},
		{
			name: "unexpected object and second namespace",
			damage: func(t *testing.T, objs []Object) []Object {
				return append(objs, Object{APIVersion: "v1", Kind: "Namespace", Name: "x", Namespace: "other"})
			},
			want: []string{"Namespace x: unexpected object", "objects are spread over namespaces fleet-clusters, other"},
		},
		{
			name: "agent pool owned by another cluster",
			damage: func(t *testing.T, objs []Object) []Object {
				spec(firstResource(find(t, objs, KindAzureASOManagedMachinePool, "pacific-aks-win")))["owner"] = map[string]any{"name": "atlantic-aks"}
				return objs
			},
			want: []string{`agent pool is owned by "atlantic-aks", want the ManagedCluster "pacific-aks"`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pools := tc.pools
			if pools == nil {
				pools = multipoolPools
			}
			err := CheckShapes(tc.damage(t, renderMultipool(t)), pools)
			if err == nil {
				t.Fatal("no problem found")
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("missing %q in:\n%s", w, msg)
				}
			}
			// errors.Join of one-line errors: one line per problem.
			var joined interface{ Unwrap() []error }
			if errors.As(err, &joined) {
				if n := len(joined.Unwrap()); n != len(strings.Split(msg, "\n")) {
					t.Errorf("%d problems but %d lines:\n%s", n, len(strings.Split(msg, "\n")), msg)
				}
			} else {
				t.Errorf("error %T is not an errors.Join", err)
			}
		})
	}
}
