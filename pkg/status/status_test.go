package status_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/status"
	"github.com/fleetctl/fleetctl/pkg/status/statustest"
)

const version = "v1.36.3"

// testFleet has atlantic-aks (ring=canary) and pacific-aks (ring=broad), both at version.
func testFleet(t *testing.T) *fleet.Fleet {
	t.Helper()
	f := statustest.Fleet(t)
	a := statustest.Cluster(f, "atlantic-aks", version)
	a.Labels = map[string]string{"ring": "canary"}
	p := statustest.Cluster(f, "pacific-aks", version)
	p.Labels = map[string]string{"ring": "broad"}
	p.Network.ServiceCIDR, p.Network.DNSServiceIP = "10.1.0.0/16", "10.1.0.10"
	return statustest.Fleet(t, a, p)
}

// want is what a test expects of one cluster.
type want struct {
	presence   status.Presence
	ready      bool
	readySince time.Time
	reconciled bool
	phase      string
	cp         string   // control plane "spec/status"
	pools      []string // "name ready/status desired version"
	drift      []string // "field: repo -> server"
}

func describe(c status.ClusterStatus) want {
	w := want{presence: c.Presence, ready: c.Ready, readySince: c.ReadySince, reconciled: c.Reconciled}
	if c.Cluster != nil {
		w.phase = c.Cluster.Phase
	}
	if c.ControlPlane != nil {
		w.cp = c.ControlPlane.Version + "/" + c.ControlPlane.StatusVersion
	}
	for _, p := range c.NodePools {
		desired := "-"
		if p.Replicas != nil {
			desired = fmt.Sprint(*p.Replicas)
		}
		if p.Autoscale != nil {
			desired += fmt.Sprintf("(%d-%d)", p.Autoscale.Min, p.Autoscale.Max)
		}
		w.pools = append(w.pools, fmt.Sprintf("%s %d/%d %s %s", p.Name, p.ReadyReplicas, p.StatusReplicas, desired, p.Version))
	}
	for _, d := range c.Drift {
		w.drift = append(w.drift, fmt.Sprintf("%s: %q -> %q", d.Field, d.Repo, d.Server))
	}
	return w
}

var healthyPools = []string{"system 3/3 3 " + version, "work 1/1 -(1-10) " + version}

func TestRead(t *testing.T) {
	f := testFleet(t)
	both := func(a, p statustest.State) func(t *testing.T) []*unstructured.Unstructured {
		return func(t *testing.T) []*unstructured.Unstructured {
			objs := append(statustest.Objects(t, f, "atlantic-aks", a), statustest.Objects(t, f, "pacific-aks", p)...)
			return append(objs, statustest.Source(statustest.Commit))
		}
	}
	healthy := want{presence: status.Applied, ready: true, readySince: statustest.Later, reconciled: true, phase: "Provisioned",
		cp: version + "/" + version, pools: healthyPools}
	tests := []struct {
		name    string
		objects func(t *testing.T) []*unstructured.Unstructured
		client  func(*dynamicfake.FakeDynamicClient)
		opts    status.Options
		want    map[string]want
	}{
		{
			name:    "ready",
			objects: both(statustest.State{}, statustest.State{}),
			want:    map[string]want{"atlantic-aks": healthy, "pacific-aks": healthy},
		},
		{
			name: "not ready",
			objects: both(statustest.State{ReleaseReady: "False", ReleaseReason: "UpgradeFailed", ReleaseMessage: "Helm upgrade failed",
				Available: "False", Phase: "Provisioning", ReadyPools: map[string]int64{"system": 1}}, statustest.State{}),
			want: map[string]want{
				"atlantic-aks": {presence: status.Applied, reconciled: true, phase: "Provisioning", cp: version + "/" + version,
					pools: []string{"system 1/3 3 " + version, "work 1/1 -(1-10) " + version}},
				"pacific-aks": healthy,
			},
		},
		{
			name:    "Ready release of an older generation is not ready",
			objects: both(statustest.State{Stale: true}, statustest.State{}),
			want: map[string]want{
				"atlantic-aks": {presence: status.Applied, phase: "Provisioned", cp: version + "/" + version, pools: healthyPools},
				"pacific-aks":  healthy,
			},
		},
		{
			name: "not applied",
			objects: func(t *testing.T) []*unstructured.Unstructured {
				return append(statustest.Objects(t, f, "pacific-aks", statustest.State{}), statustest.Source(statustest.Commit))
			},
			want: map[string]want{"atlantic-aks": {presence: status.NotApplied}, "pacific-aks": healthy},
		},
		{
			name: "drift in version and count",
			objects: both(statustest.State{Edit: func(objs []*unstructured.Unstructured) {
				statustest.Set(statustest.Find(objs, "AzureASOManagedControlPlane", "atlantic-aks"), "v1.35.2", "spec", "version")
				statustest.Set(statustest.Find(objs, "MachinePool", "atlantic-aks-system"), int64(5), "spec", "replicas")
				statustest.Set(statustest.Find(objs, "MachinePool", "atlantic-aks-work"), "v1.35.2", "spec", "template", "spec", "version")
				mp := statustest.Find(objs, "MachinePool", "atlantic-aks-work")
				a := mp.GetAnnotations()
				a["cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size"] = "20"
				mp.SetAnnotations(a)
				cl := statustest.Find(objs, "Cluster", "atlantic-aks")
				l := cl.GetLabels()
				l["ring"] = "broad"
				l["owner"] = "someone"
				cl.SetLabels(l)
			}}, statustest.State{}),
			want: map[string]want{
				"atlantic-aks": {presence: status.Applied, ready: true, readySince: statustest.Later, reconciled: true, phase: "Provisioned",
					cp:    "v1.35.2/" + version,
					pools: []string{"system 3/3 5 " + version, "work 1/1 -(1-20) v1.35.2"},
					drift: []string{
						`kubernetesVersion: "` + version + `" -> "v1.35.2"`,
						`labels.owner: "" -> "someone"`,
						`labels.ring: "canary" -> "broad"`,
						`nodePools.system.count: "3" -> "5"`,
						`nodePools.work.kubernetesVersion: "` + version + `" -> "v1.35.2"`,
						`nodePools.work.autoscale: "1-10" -> "1-20"`,
					}},
				"pacific-aks": healthy,
			},
		},
		{
			name: "missing and extra objects",
			objects: both(statustest.State{Edit: func(objs []*unstructured.Unstructured) {
				mp := statustest.Find(objs, "MachinePool", "atlantic-aks-work")
				mp.SetName("atlantic-aks-gpu")
				statustest.Find(objs, "AzureASOManagedCluster", "atlantic-aks").SetName("elsewhere")
			}}, statustest.State{}),
			want: map[string]want{
				"atlantic-aks": {presence: status.Applied, ready: true, readySince: statustest.Later, reconciled: true, phase: "Provisioned",
					cp:    version + "/" + version,
					pools: []string{"gpu 1/1 -(1-10) " + version, "system 3/3 3 " + version},
					drift: []string{
						`objects: "present" -> ""`,
						`nodePools.gpu: "" -> "present"`,
						`nodePools.work: "present" -> ""`,
					}},
				"pacific-aks": healthy,
			},
		},
		{
			name:    "behind revision",
			objects: both(statustest.State{Commit: statustest.OldCommit}, statustest.State{}),
			want: map[string]want{
				"atlantic-aks": {presence: status.Applied, ready: true, readySince: statustest.Later, phase: "Provisioned",
					cp: version + "/" + version, pools: healthyPools},
				"pacific-aks": healthy,
			},
		},
		{
			name: "a failed newer release leaves the deployed one's revision",
			objects: both(statustest.State{Edit: func(objs []*unstructured.Unstructured) {
				hr := statustest.Find(objs, "HelmRelease", "atlantic-aks")
				hist, _, _ := unstructured.NestedSlice(hr.Object, "status", "history")
				deployed := hist[0].(map[string]any)
				deployed["chartVersion"] = "0.2.0+" + statustest.OldCommit[:12]
				failed := map[string]any{"name": "atlantic-aks", "version": int64(3), "status": "failed", "chartVersion": "0.2.0+" + statustest.Commit[:12]}
				statustest.Set(hr, []any{failed, deployed}, "status", "history")
			}}, statustest.State{}),
			want: map[string]want{
				"atlantic-aks": {presence: status.Applied, ready: true, readySince: statustest.Later, phase: "Provisioned",
					cp: version + "/" + version, pools: healthyPools},
				"pacific-aks": healthy,
			},
		},
		{
			name: "v1beta1 fallback, v1beta1 conditions only",
			objects: func(t *testing.T) []*unstructured.Unstructured {
				objs := both(statustest.State{}, statustest.State{Available: "False"})(t)
				statustest.ToV1beta1(objs, false)
				return objs
			},
			client: statustest.ServeV1beta1Only,
			want: map[string]want{
				"atlantic-aks": {presence: status.Applied, ready: true, readySince: statustest.Later, reconciled: true, phase: "Provisioned",
					cp: version + "/" + version, pools: healthyPools},
				"pacific-aks": {presence: status.Applied, reconciled: true, phase: "Provisioned", cp: version + "/" + version, pools: healthyPools},
			},
		},
		{
			name: "v1beta1 fallback, v1beta2 conditions kept",
			objects: func(t *testing.T) []*unstructured.Unstructured {
				objs := both(statustest.State{}, statustest.State{Available: "False"})(t)
				statustest.ToV1beta1(objs, true)
				return objs
			},
			client: statustest.ServeV1beta1Only,
			want: map[string]want{
				"atlantic-aks": healthy,
				"pacific-aks":  {presence: status.Applied, reconciled: true, phase: "Provisioned", cp: version + "/" + version, pools: healthyPools},
			},
		},
		{
			name: "objects of a cluster not in the repo",
			objects: func(t *testing.T) []*unstructured.Unstructured {
				objs := both(statustest.State{}, statustest.State{})(t)
				// pacific-aks's objects stay, its folder goes: a removal not merged the other way.
				old := testFleetWith(t, "old-aks")
				return append(objs, statustest.Objects(t, old, "old-aks", statustest.State{})...)
			},
			want: map[string]want{"atlantic-aks": healthy, "pacific-aks": healthy,
				"old-aks": {presence: status.NotInRepo, ready: true, readySince: statustest.Later, reconciled: true, phase: "Provisioned",
					cp: version + "/" + version, pools: healthyPools}},
		},
		{
			name:    "selector",
			objects: both(statustest.State{}, statustest.State{}),
			opts:    status.Options{Selector: mustSelector(t, "ring=canary")},
			want:    map[string]want{"atlantic-aks": healthy},
		},
		{
			name:    "names",
			objects: both(statustest.State{}, statustest.State{}),
			opts:    status.Options{Names: []string{"pacific-aks"}},
			want:    map[string]want{"pacific-aks": healthy},
		},
		{
			name:    "no revision to compare with",
			objects: both(statustest.State{}, statustest.State{}),
			opts:    status.Options{Revision: "-"},
			want: map[string]want{
				"atlantic-aks": {presence: status.Applied, ready: true, readySince: statustest.Later, phase: "Provisioned", cp: version + "/" + version, pools: healthyPools},
				"pacific-aks":  {presence: status.Applied, ready: true, readySince: statustest.Later, phase: "Provisioned", cp: version + "/" + version, pools: healthyPools},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := statustest.Client(tt.objects(t)...)
			if tt.client != nil {
				tt.client(client)
			}
			opts := tt.opts
			switch opts.Revision {
			case "":
				opts.Revision = statustest.Commit
			case "-":
				opts.Revision = ""
			}
			list, err := status.Read(t.Context(), client, f, opts)
			if err != nil {
				t.Fatal(err)
			}
			if list.APIVersion != fleet.InfoAPIVersion || list.Kind != status.Kind {
				t.Errorf("apiVersion/kind %s %s", list.APIVersion, list.Kind)
			}
			got := map[string]want{}
			var names []string
			for _, c := range list.Items {
				got[c.Name] = describe(c)
				names = append(names, c.Name)
			}
			if !slices.IsSorted(names) {
				t.Errorf("items not sorted by name: %v", names)
			}
			for name, w := range tt.want {
				g, ok := got[name]
				if !ok {
					t.Errorf("%s: missing from the result (got %v)", name, names)
					continue
				}
				if d := diffWant(w, g); d != "" {
					t.Errorf("%s:\n%s", name, d)
				}
			}
			for name := range got {
				if _, ok := tt.want[name]; !ok {
					t.Errorf("%s: in the result, not expected", name)
				}
			}
			checkReadOnly(t, client)
		})
	}
}

func testFleetWith(t *testing.T, name string) *fleet.Fleet {
	t.Helper()
	f := statustest.Fleet(t)
	return statustest.Fleet(t, statustest.Cluster(f, name, version))
}

func mustSelector(t *testing.T, s string) labels.Selector {
	t.Helper()
	sel, err := fleet.ParseSelector(s)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}

func diffWant(w, g want) string {
	var b strings.Builder
	line := func(field string, w, g any) {
		if fmt.Sprint(w) != fmt.Sprint(g) {
			fmt.Fprintf(&b, "  %s: got %v, want %v\n", field, g, w)
		}
	}
	line("presence", w.presence, g.presence)
	line("ready", w.ready, g.ready)
	line("readySince", w.readySince, g.readySince)
	line("reconciled", w.reconciled, g.reconciled)
	line("phase", w.phase, g.phase)
	line("control plane", w.cp, g.cp)
	line("pools", w.pools, g.pools)
	if !slices.Equal(w.drift, g.drift) {
		fmt.Fprintf(&b, "  drift:\n    got  %s\n    want %s\n", strings.Join(g.drift, "\n         "), strings.Join(w.drift, "\n         "))
	}
	return b.String()
}

// checkReadOnly fails unless every request the client saw was a get, list or watch.
func checkReadOnly(t *testing.T, client *dynamicfake.FakeDynamicClient) {
	t.Helper()
	acts := client.Actions()
	if len(acts) == 0 {
		t.Fatal("the fake client saw no request")
	}
	for _, a := range acts {
		switch a.GetVerb() {
		case "get", "list", "watch":
		default:
			t.Errorf("request %s %s: status must only get, list and watch", a.GetVerb(), a.GetResource())
		}
	}
}

// TestReadRequests: one list per kind (and the source's get), whatever the number of clusters.
func TestReadRequests(t *testing.T) {
	f := testFleet(t)
	objs := append(statustest.Objects(t, f, "atlantic-aks", statustest.State{}), statustest.Objects(t, f, "pacific-aks", statustest.State{})...)
	client := statustest.Client(append(objs, statustest.Source(statustest.Commit))...)
	if _, err := status.Read(t.Context(), client, f, status.Options{}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range client.Actions() {
		got = append(got, a.GetVerb()+" "+a.GetResource().Resource+" "+a.GetNamespace())
	}
	slices.Sort(got)
	wantReqs := []string{
		"get gitrepositories flux-system",
		"list azureasomanagedclusters fleet-clusters",
		"list azureasomanagedcontrolplanes fleet-clusters",
		"list clusters fleet-clusters",
		"list helmcharts flux-system",
		"list helmreleases fleet-clusters",
		"list machinepools fleet-clusters",
	}
	if !slices.Equal(got, wantReqs) {
		t.Errorf("requests:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(wantReqs, "\n  "))
	}
}

// TestReadDetails checks the fields the table does not summarise: the release's revision fields,
// the source, the conditions and the ready-for helpers.
func TestReadDetails(t *testing.T) {
	f := testFleet(t)
	objs := append(statustest.Objects(t, f, "atlantic-aks", statustest.State{}), statustest.Source(statustest.Commit))
	list, err := status.Read(t.Context(), statustest.Client(objs...), f, status.Options{Revision: statustest.Commit, Names: []string{"atlantic-aks"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Fatalf("%d items, want 1", len(list.Items))
	}
	c := list.Items[0]
	h := c.HelmRelease
	if h == nil || h.ChartVersion != "0.2.0+"+statustest.Commit[:12] || h.Commit != statustest.Commit[:12] ||
		h.SourceRevision != "main@sha1:"+statustest.Commit || h.HelmChart != "flux-system/fleet-clusters-atlantic-aks" || h.Ready.Reason != "UpgradeSucceeded" {
		t.Errorf("helmRelease %+v", h)
	}
	if s := list.Source; s == nil || s.Revision != "main@sha1:"+statustest.Commit || s.Ready == nil || s.Ready.Status != "True" {
		t.Errorf("source %+v", s)
	}
	if c.Cluster == nil || c.Cluster.APIVersion != "cluster.x-k8s.io/v1beta2" || len(c.Cluster.Conditions) != 3 {
		t.Errorf("cluster %+v", c.Cluster)
	}
	if !c.Listed || c.Labels["ring"] != "canary" {
		t.Errorf("listed %v labels %v", c.Listed, c.Labels)
	}
	if got := c.HealthyFor(statustest.Later.Add(5 * time.Minute)); got != 5*time.Minute {
		t.Errorf("HealthyFor = %s, want 5m", got)
	}
	if !c.AtVersion(version) || c.AtVersion("v1.37.0") {
		t.Errorf("AtVersion(%s) = %v, AtVersion(v1.37.0) = %v", version, c.AtVersion(version), c.AtVersion("v1.37.0"))
	}
	c.Ready = false
	if c.HealthyFor(statustest.Later.Add(time.Hour)) != 0 {
		t.Error("HealthyFor of a cluster that is not ready is not 0")
	}
}

// TestReadCRDsMissing: a server without the CAPI/CAPZ CRDs gives warnings, not an error.
func TestReadCRDsMissing(t *testing.T) {
	f := testFleet(t)
	client := statustest.Client(statustest.Objects(t, f, "atlantic-aks", statustest.State{})...)
	client.PrependReactor("*", "*", func(a clienttesting.Action) (bool, runtime.Object, error) {
		if r := a.GetResource(); r.Group != "helm.toolkit.fluxcd.io" {
			return true, nil, apierrors.NewNotFound(r.GroupResource(), "")
		}
		return false, nil, nil
	})
	list, err := status.Read(t.Context(), client, f, status.Options{})
	if err != nil {
		t.Fatal(err)
	}
	served := 0
	for _, w := range list.Warnings {
		if strings.Contains(w, "not served by the API server") {
			served++
		}
	}
	if served != 5 || len(list.Warnings) != 6 {
		t.Errorf("warnings %q, want one per kind not served (5) and the missing source", list.Warnings)
	}
	if c := list.Items[0]; c.Presence != status.Applied || c.Cluster != nil {
		t.Errorf("atlantic-aks: %+v", c)
	}
}
