// Package statustest makes management-cluster fixtures for tests and benchmarks of pkg/status: a
// fleet repo of given clusters, the objects Flux and Cluster API would hold for them (rendered by
// the repo's own cluster chart, with the status fields the controllers write), and a fake dynamic
// client serving them.
package statustest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/status"
)

// Commit and OldCommit are fixed full commit hashes for releases.
const (
	Commit    = "0123456789abcdef0123456789abcdef01234567"
	OldCommit = "fedcba9876543210fedcba9876543210fedcba98"
)

// Time is the fixed time conditions last changed at; Later is ten minutes after.
var (
	Time  = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	Later = Time.Add(10 * time.Minute)
)

// Fleet writes init's skeleton and the clusters into a temp folder (no git repository) and
// returns the fleet read from it.
func Fleet(tb testing.TB, clusters ...spec.Cluster) *fleet.Fleet {
	tb.Helper()
	root := tb.TempDir()
	f, err := fleet.New(root, config.Default())
	if err != nil {
		tb.Fatal(err)
	}
	fleettest.WriteFleet(tb, f, clusters...)
	return f
}

// Cluster returns a cluster of the fleet's defaults at version, with a fixed pool "system" of 3
// nodes and an autoscaled pool "work" of 1-10.
func Cluster(f *fleet.Fleet, name, version string) spec.Cluster {
	c := f.NewCluster(name)
	c.KubernetesVersion = version
	return c
}

// State is what the controllers have written for one cluster.
type State struct {
	// Commit is the full commit the release was built from ("" : Commit).
	Commit string
	// ReleaseReady is the HelmRelease's Ready status ("" : True); Reason and Message go with it.
	ReleaseReady, ReleaseReason, ReleaseMessage string
	// Stale: the HelmRelease's generation is ahead of what the controller observed.
	Stale bool
	// Available is the CAPI Cluster's Available status ("" : True); Phase its phase ("" :
	// Provisioned).
	Available, Phase string
	// ReadyPools is the ready replicas of each pool (default: all).
	ReadyPools map[string]int64
	// Edit changes the objects after they are rendered (a hand edit on the server).
	Edit func(objs []*unstructured.Unstructured)
}

// Objects renders cluster name's objects with the repo's chart, as helm-controller applies them,
// and gives them the status the controllers write in st.
func Objects(tb testing.TB, f *fleet.Fleet, name string, st State) []*unstructured.Unstructured {
	tb.Helper()
	ch, err := f.Chart()
	if err != nil {
		tb.Fatal(err)
	}
	s := f.Summary(name)
	if s.Err != "" {
		tb.Fatal(s.Err)
	}
	var values map[string]any
	b, err := json.Marshal(s.Values)
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, &values); err != nil {
		tb.Fatal(err)
	}
	ns := f.Config.Defaults.Namespace
	rendered, err := ch.Render(values, name, ns)
	if err != nil {
		tb.Fatal(err)
	}
	commit := def(st.Commit, Commit)
	var out []*unstructured.Unstructured
	for _, r := range rendered {
		// Through JSON, as the API server answers: integers are int64.
		raw, err := json.Marshal(r.Object)
		if err != nil {
			tb.Fatal(err)
		}
		o := &unstructured.Unstructured{}
		if err := o.UnmarshalJSON(raw); err != nil {
			tb.Fatal(err)
		}
		o.SetGeneration(1)
		switch r.Kind {
		case "Cluster":
			set(o, def(st.Phase, "Provisioned"), "status", "phase")
			set(o, []any{
				cond("Available", def(st.Available, "True"), reason(st.Available, "Available", "NotAvailable"), "", Time),
				cond("InfrastructureReady", "True", "Ready", "", Time),
				cond("ControlPlaneAvailable", def(st.Available, "True"), reason(st.Available, "Available", "NotAvailable"), "", Time),
			}, "status", "conditions")
		case "AzureASOManagedControlPlane":
			v, _, _ := unstructured.NestedString(o.Object, "spec", "version")
			set(o, v, "status", "version")
			set(o, true, "status", "ready")
			set(o, true, "status", "initialized")
		case "AzureASOManagedCluster":
			set(o, true, "status", "ready")
		case "MachinePool":
			n, ok, _ := unstructured.NestedInt64(o.Object, "spec", "replicas")
			if !ok {
				fmt.Sscan(o.GetAnnotations()["cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size"], &n)
			}
			pool := o.GetName()[len(name)+1:]
			ready := n
			if r, ok := st.ReadyPools[pool]; ok {
				ready = r
			}
			set(o, n, "status", "replicas")
			set(o, ready, "status", "readyReplicas")
			set(o, "Running", "status", "phase")
		}
		out = append(out, o)
	}
	chartVersion := ch.Version() + "+" + commit[:12]
	hr := obj("helm.toolkit.fluxcd.io/v2", "HelmRelease", ns, name, map[string]any{
		"spec": map[string]any{"chart": map[string]any{"spec": map[string]any{"chart": f.Config.Chart.Path,
			"reconcileStrategy": "Revision", "sourceRef": map[string]any{"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"}}}},
		"status": map[string]any{
			"observedGeneration":    int64(1),
			"helmChart":             "flux-system/" + ns + "-" + name,
			"lastAttemptedRevision": chartVersion,
			"conditions":            []any{cond("Ready", def(st.ReleaseReady, "True"), def(st.ReleaseReason, "UpgradeSucceeded"), def(st.ReleaseMessage, "Helm upgrade succeeded"), Later)},
			"history": []any{map[string]any{"name": name, "namespace": ns, "version": int64(2), "status": "deployed",
				"chartName": ch.Name(), "chartVersion": chartVersion, "digest": "sha256:0", "configDigest": "sha256:0",
				"lastDeployed": Later.Format(time.RFC3339)}},
		},
	})
	if st.Stale {
		hr.SetGeneration(2)
	}
	hc := obj("source.toolkit.fluxcd.io/v1", "HelmChart", "flux-system", ns+"-"+name, map[string]any{
		"status": map[string]any{"observedSourceArtifactRevision": "main@sha1:" + commit},
	})
	out = append(out, hr, hc)
	if st.Edit != nil {
		st.Edit(out)
	}
	return out
}

// Source is the GitRepository flux-system serving commit.
func Source(commit string) *unstructured.Unstructured {
	return obj("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system", "flux-system", map[string]any{
		"status": map[string]any{"artifact": map[string]any{"revision": "main@sha1:" + commit},
			"conditions": []any{cond("Ready", "True", "Succeeded", "stored artifact for revision 'main@sha1:"+commit+"'", Time)}},
	})
}

// Find returns the object of that kind and name.
func Find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

// Set sets a field of an object (a test's edit).
func Set(o *unstructured.Unstructured, v any, path ...string) { set(o, v, path...) }

func set(o *unstructured.Unstructured, v any, path ...string) {
	if err := unstructured.SetNestedField(o.Object, v, path...); err != nil {
		panic(err)
	}
}

func obj(apiVersion, kind, ns, name string, rest map[string]any) *unstructured.Unstructured {
	m := map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": name, "namespace": ns, "generation": int64(1)}}
	for k, v := range rest {
		m[k] = v
	}
	return &unstructured.Unstructured{Object: m}
}

func cond(typ, st, reason, msg string, at time.Time) map[string]any {
	return map[string]any{"type": typ, "status": st, "reason": reason, "message": msg, "lastTransitionTime": at.Format(time.RFC3339)}
}

// reason is yes for a status that is True (or defaulted to it), else no.
func reason(status, yes, no string) string {
	if def(status, "True") == "True" {
		return yes
	}
	return no
}

func def(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// ListKinds maps every resource pkg/status lists, at every version it may list, to its list kind.
func ListKinds() map[schema.GroupVersionResource]string {
	m := map[schema.GroupVersionResource]string{}
	for gvr, kind := range map[schema.GroupVersionResource]string{
		status.HelmReleases: "HelmReleaseList", status.HelmCharts: "HelmChartList", status.GitRepositories: "GitRepositoryList",
		status.Clusters: "ClusterList", status.MachinePools: "MachinePoolList",
		status.ControlPlanes: "AzureASOManagedControlPlaneList", status.InfraClusters: "AzureASOManagedClusterList",
	} {
		m[gvr] = kind
		if gvr.Group == status.Clusters.Group {
			old := gvr
			old.Version = "v1beta1"
			m[old] = kind
		}
	}
	return m
}

// Client is a fake dynamic client holding objs.
func Client(objs ...*unstructured.Unstructured) *dynamicfake.FakeDynamicClient {
	ros := make([]runtime.Object, len(objs))
	for i, o := range objs {
		ros[i] = o
	}
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), ListKinds(), ros...)
}

// ServeV1beta1Only makes the client answer as a server with Cluster API before v1.11 does: its
// kinds are not served at v1beta2 (404).
func ServeV1beta1Only(c *dynamicfake.FakeDynamicClient) {
	c.PrependReactor("*", "*", func(a clienttesting.Action) (bool, runtime.Object, error) {
		r := a.GetResource()
		if r.Group == status.Clusters.Group && r.Version == "v1beta2" {
			return true, nil, apierrors.NewNotFound(r.GroupResource(), "")
		}
		return false, nil, nil
	})
}

// ToV1beta1 rewrites Cluster API core objects as a v1beta1 server stores them: apiVersion v1beta1
// and the Cluster's v1beta1 Ready condition in status.conditions; with v1beta2Conditions the
// v1beta2 ones are kept in status.v1beta2.conditions, as CAPI v1.9 and v1.10 write them (older
// releases write only the v1beta1 ones).
func ToV1beta1(objs []*unstructured.Unstructured, v1beta2Conditions bool) {
	for _, o := range objs {
		if o.GroupVersionKind().Group != status.Clusters.Group {
			continue
		}
		o.SetAPIVersion(status.Clusters.Group + "/v1beta1")
		if o.GetKind() != "Cluster" {
			continue
		}
		conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
		ready := "True"
		for _, c := range conds {
			if m := c.(map[string]any); m["type"] == "Available" {
				ready = m["status"].(string)
			}
		}
		if v1beta2Conditions {
			set(o, conds, "status", "v1beta2", "conditions")
		}
		set(o, []any{cond("Ready", ready, "", "", Time)}, "status", "conditions")
	}
}
