//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

type schemaGVR = schema.GroupVersionResource

// clusterWant is what the API server must hold for one workload cluster.
type clusterWant struct {
	name, namespace, location, version, serviceCIDR string
	pools                                           map[string]poolWant
}

type poolWant struct {
	mode, vmSize string
	count        int    // fixed size; 0 when autoscaled
	min, max     int    // autoscaled
	version      string // "" means the cluster's version
}

// infraGroup is the group v1beta2 references name (CAPI finds the version in the CRD's contract
// labels).
const infraGroup = "infrastructure.cluster.x-k8s.io"

// storedAsWritten checks that the object at path is a v1beta2 reference as the
// chart writes it: exactly apiGroup, kind and name, nothing pruned or added.
func storedAsWritten(t *testing.T, obj *unstructured.Unstructured, path ...string) {
	t.Helper()
	if v := obj.GetAPIVersion(); v != "cluster.x-k8s.io/v1beta2" {
		t.Errorf("%s %s: read back as %s, want cluster.x-k8s.io/v1beta2", obj.GetKind(), obj.GetName(), v)
	}
	ref, found, err := unstructured.NestedMap(obj.Object, path...)
	if err != nil || !found {
		t.Errorf("%s %s: %s missing (%v)", obj.GetKind(), obj.GetName(), strings.Join(path, "."), err)
		return
	}
	keys := slices.Sorted(maps.Keys(ref))
	if !slices.Equal(keys, []string{"apiGroup", "kind", "name"}) {
		t.Errorf("%s %s: %s has keys %v, want exactly apiGroup, kind, name as written", obj.GetKind(), obj.GetName(), strings.Join(path, "."), keys)
	}
}

// checkClusterObjects compares the CAPI and CAPZ objects on the management
// API server with want, field by field.
func checkClusterObjects(ctx context.Context, t *testing.T, want clusterWant) {
	t.Helper()
	ns, name := want.namespace, want.name
	c := mustGet(ctx, t, gvrCluster, ns, name)
	expect(t, c, want.serviceCIDR, "spec", "clusterNetwork", "services", "cidrBlocks", "0")
	// CAPI v1.14 CRDs store v1beta2, the version the chart writes, so the
	// objects are stored as written: read back at v1beta2, the refs hold the
	// apiGroup the chart set and no apiVersion (a v1beta1 Cluster, with no
	// conversion webhook, would have lost its refs' apiVersion to pruning).
	storedAsWritten(t, c, "spec", "controlPlaneRef")
	storedAsWritten(t, c, "spec", "infrastructureRef")
	expect(t, c, infraGroup, "spec", "controlPlaneRef", "apiGroup")
	expect(t, c, "AzureASOManagedControlPlane", "spec", "controlPlaneRef", "kind")
	expect(t, c, name, "spec", "controlPlaneRef", "name")
	expect(t, c, infraGroup, "spec", "infrastructureRef", "apiGroup")
	expect(t, c, "AzureASOManagedCluster", "spec", "infrastructureRef", "kind")

	ac := mustGet(ctx, t, gvrASOCluster, ns, name)
	expect(t, ac, "ResourceGroup", "spec", "resources", "0", "kind")
	expect(t, ac, name+"-rg", "spec", "resources", "0", "metadata", "name")
	expect(t, ac, want.location, "spec", "resources", "0", "spec", "location")

	cp := mustGet(ctx, t, gvrASOControl, ns, name)
	expect(t, cp, want.version, "spec", "version")
	expect(t, cp, "ManagedCluster", "spec", "resources", "0", "kind")
	expect(t, cp, want.location, "spec", "resources", "0", "spec", "location")
	expect(t, cp, name+"-rg", "spec", "resources", "0", "spec", "owner", "name")

	// Exactly one MachinePool (and one AzureASOManagedMachinePool) per pool.
	sel := metav1.ListOptions{LabelSelector: "cluster.x-k8s.io/cluster-name=" + name}
	for _, gvr := range []schemaGVR{gvrMachinePool, gvrASOMachinePool} {
		list, err := env.mgmt.dyn.Resource(gvr).Namespace(ns).List(ctx, sel)
		if err != nil {
			t.Fatalf("listing %s: %v", gvr.Resource, err)
		}
		var got, exp []string
		for _, o := range list.Items {
			got = append(got, o.GetName())
		}
		for pool := range want.pools {
			exp = append(exp, name+"-"+pool)
		}
		slices.Sort(got)
		slices.Sort(exp)
		if !slices.Equal(got, exp) {
			t.Errorf("%s of %s: %v, want %v", gvr.Resource, name, got, exp)
		}
	}
	for pool, p := range want.pools {
		obj := name + "-" + pool
		version := p.version
		if version == "" {
			version = want.version
		}
		mp := mustGet(ctx, t, gvrMachinePool, ns, obj)
		expect(t, mp, name, "spec", "clusterName")
		expect(t, mp, version, "spec", "template", "spec", "version")
		expect(t, mp, infraGroup, "spec", "template", "spec", "infrastructureRef", "apiGroup")
		storedAsWritten(t, mp, "spec", "template", "spec", "infrastructureRef")
		expect(t, mp, obj, "spec", "template", "spec", "infrastructureRef", "name")
		ap := mustGet(ctx, t, gvrASOMachinePool, ns, obj)
		expect(t, ap, pool, "spec", "resources", "0", "spec", "azureName")
		expect(t, ap, p.mode, "spec", "resources", "0", "spec", "mode")
		expect(t, ap, p.vmSize, "spec", "resources", "0", "spec", "vmSize")
		if p.max == 0 {
			expect(t, mp, fmt.Sprint(p.count), "spec", "replicas")
			expect(t, ap, "false", "spec", "resources", "0", "spec", "enableAutoScaling")
			continue
		}
		// Autoscaled: no replicas pinned; bounds on the MachinePool and the agent pool.
		expect(t, mp, "", "spec", "replicas")
		if got := mp.GetAnnotations()["cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size"]; got != fmt.Sprint(p.min) {
			t.Errorf("MachinePool %s min-size annotation %q, want %d", obj, got, p.min)
		}
		if got := mp.GetAnnotations()["cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size"]; got != fmt.Sprint(p.max) {
			t.Errorf("MachinePool %s max-size annotation %q, want %d", obj, got, p.max)
		}
		expect(t, ap, "true", "spec", "resources", "0", "spec", "enableAutoScaling")
		expect(t, ap, fmt.Sprint(p.min), "spec", "resources", "0", "spec", "minCount")
		expect(t, ap, fmt.Sprint(p.max), "spec", "resources", "0", "spec", "maxCount")
	}
}

func mustGet(ctx context.Context, t *testing.T, gvr schemaGVR, ns, name string) *unstructured.Unstructured {
	t.Helper()
	o, err := get(ctx, env.mgmt.dyn, gvr, ns, name)
	if err != nil {
		t.Fatalf("%s %s/%s on the management API server: %v%s", gvr.Resource, ns, name, err, env.logOf("helm-controller"))
	}
	return o
}

// expect compares the field at path (list indexes as numbers) with want; ""
// means absent.
func expect(t *testing.T, obj *unstructured.Unstructured, want string, path ...string) {
	t.Helper()
	if got := field(obj.Object, path...); got != want {
		t.Errorf("%s %s: %s is %q, want %q", obj.GetKind(), obj.GetName(), strings.Join(path, "."), got, want)
	}
}

func field(v any, path ...string) string {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i >= len(x) {
				return ""
			}
			v = x[i]
		default:
			return ""
		}
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// waitCondition waits until condition typ of obj has status and reason.
func waitCondition(ctx context.Context, t *testing.T, gvr schemaGVR, ns, name, typ, status, reason string) {
	t.Helper()
	err := poll(ctx, waitTimeout, func(ctx context.Context) (bool, string, error) {
		o, err := get(ctx, env.mgmt.dyn, gvr, ns, name)
		if err != nil {
			return false, err.Error(), nil
		}
		st, r, msg := condition(o, typ)
		return st == status && r == reason, fmt.Sprintf("%s=%s %s %q", typ, st, r, msg), nil
	})
	if err != nil {
		t.Fatalf("%s %s/%s: want %s=%s %s: %v%s", gvr.Resource, ns, name, typ, status, reason, err, env.logOf("kustomize-controller"))
	}
}

// createKubeconfigSecret does what CAPI does once the AKS cluster is up:
// <name>-kubeconfig (key value) in the cluster namespace, here pointing at
// the stand-in workload API server.
func createKubeconfigSecret(ctx context.Context, t *testing.T, ns, name string) {
	t.Helper()
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-kubeconfig", Namespace: ns,
			Labels: map[string]string{"cluster.x-k8s.io/cluster-name": name}},
		Type: "cluster.x-k8s.io/secret",
		Data: map[string][]byte{"value": env.workload.kubeconfig},
	}
	if _, err := env.mgmt.cs.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the kubeconfig secret %s/%s: %v", ns, s.Name, err)
	}
}

// checkRemoteFlux checks what <cluster>-flux applied to the workload cluster
// (infra/flux-system: the Flux CRDs) and returns those CRDs.
func checkRemoteFlux(ctx context.Context, t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	var crds []*unstructured.Unstructured
	for _, name := range []string{"gitrepositories.source.toolkit.fluxcd.io", "helmrepositories.source.toolkit.fluxcd.io",
		"kustomizations.kustomize.toolkit.fluxcd.io", "helmreleases.helm.toolkit.fluxcd.io"} {
		crd, err := get(ctx, env.workload.dyn, gvrCRD, "", name)
		if err != nil {
			t.Fatalf("CRD %s on the workload cluster (from %s-flux): %v", name, cluster, err)
		}
		if got := crd.GetLabels()["kustomize.toolkit.fluxcd.io/name"]; got != cluster+"-flux" {
			t.Errorf("CRD %s on the workload cluster: applied by %q, want %s-flux", name, got, cluster)
		}
		crds = append(crds, crd)
	}
	return crds
}

// checkRemoteInfra checks what <cluster>-infra applied (infra/base:
// ingress-nginx) and returns the ingress-nginx namespace.
func checkRemoteInfra(ctx context.Context, t *testing.T, by string) *unstructured.Unstructured {
	t.Helper()
	ns, err := get(ctx, env.workload.dyn, gvrNamespace, "", "ingress-nginx")
	if err != nil {
		t.Fatalf("namespace ingress-nginx on the workload cluster: %v", err)
	}
	repo, err := get(ctx, env.workload.dyn, gvrHelmRepository, "ingress-nginx", "ingress-nginx")
	if err != nil {
		t.Fatalf("HelmRepository ingress-nginx on the workload cluster: %v", err)
	}
	expect(t, repo, "https://kubernetes.github.io/ingress-nginx", "spec", "url")
	hr, err := get(ctx, env.workload.dyn, gvrHelmRelease, "ingress-nginx", "ingress-nginx")
	if err != nil {
		t.Fatalf("HelmRelease ingress-nginx on the workload cluster: %v", err)
	}
	expect(t, hr, "ingress-nginx", "spec", "chart", "spec", "chart")
	for _, o := range []*unstructured.Unstructured{ns, repo, hr} {
		if got := o.GetLabels()["kustomize.toolkit.fluxcd.io/name"]; got != by {
			t.Errorf("%s %s on the workload cluster: applied by %q, want %s", o.GetKind(), o.GetName(), got, by)
		}
	}
	return ns
}

// readySince is when the Ready condition last changed.
func readySince(obj *unstructured.Unstructured) time.Time {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == "Ready" {
			ts, _ := time.Parse(time.RFC3339, fmt.Sprint(m["lastTransitionTime"]))
			return ts
		}
	}
	return time.Time{}
}
