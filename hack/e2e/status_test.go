//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// statusList is the part of `fleetctl status -o json` (fleetctl.io/v1alpha1 ClusterStatusList,
// docs/status.md) the test reads: decoding it here, outside fleetctl's module, checks the
// documented shape.
type statusList struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Server     string `json:"server"`
	Namespace  string `json:"namespace"`
	Revision   string `json:"revision"`
	Source     *struct {
		Revision string `json:"revision"`
	} `json:"source"`
	Items []clusterStatus `json:"items"`
}

type clusterStatus struct {
	Name        string    `json:"name"`
	Presence    string    `json:"presence"`
	Ready       bool      `json:"ready"`
	ReadySince  time.Time `json:"readySince"`
	Reconciled  bool      `json:"reconciled"`
	HelmRelease *struct {
		Ready struct {
			Status             string    `json:"status"`
			Reason             string    `json:"reason"`
			LastTransitionTime time.Time `json:"lastTransitionTime"`
		} `json:"ready"`
		Observed     bool   `json:"observed"`
		ChartVersion string `json:"chartVersion"`
		Commit       string `json:"commit"`
	} `json:"helmRelease"`
	Cluster *struct {
		APIVersion string `json:"apiVersion"`
		Phase      string `json:"phase"`
		Conditions []struct {
			Type, Status       string
			LastTransitionTime time.Time `json:"lastTransitionTime"`
		} `json:"conditions"`
	} `json:"cluster"`
	ControlPlane *struct {
		Version       string `json:"version"`
		StatusVersion string `json:"statusVersion"`
	} `json:"controlPlane"`
	NodePools []struct {
		Name          string `json:"name"`
		Replicas      *int64 `json:"replicas"`
		Autoscale     *struct{ Min, Max int64 }
		ReadyReplicas int64  `json:"readyReplicas"`
		Version       string `json:"version"`
	} `json:"nodePools"`
	Drift []struct {
		Field, Repo, Server, Object string
	} `json:"drift"`
}

// fleetctlStatus runs `fleetctl status NAME -o json` against the management API server (the
// kubeconfig through KUBECONFIG, as a user has it) and returns the cluster's entry.
func fleetctlStatus(t *testing.T, name string) (statusList, clusterStatus) {
	t.Helper()
	defer progress("fleetctl status %s -o json", name)()
	r := env.fleet.fleetctlEnv(env.fleet.dir, []string{"KUBECONFIG=" + env.mgmt.kubeconfigPath}, "status", name, "-o", "json")
	if r.code != 0 {
		t.Fatalf("fleetctl status %s -o json: %s", name, r)
	}
	var l statusList
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil {
		t.Fatalf("fleetctl status -o json: %v\n%s", err, r.stdout)
	}
	if l.APIVersion != "fleetctl.io/v1alpha1" || l.Kind != "ClusterStatusList" || l.Server != env.mgmt.url || len(l.Items) != 1 || l.Items[0].Name != name {
		t.Fatalf("fleetctl status -o json: want a ClusterStatusList of %s read from %s, got:\n%s", name, env.mgmt.url, r.stdout)
	}
	return l, l.Items[0]
}

// checkStatus compares what fleetctl status reports with want (the objects' spec, as the API
// server has them) and the commit pushed: the HelmRelease Ready and reconciled at sha, no drift.
func checkStatus(t *testing.T, l statusList, c clusterStatus, want clusterWant, sha string) {
	t.Helper()
	if l.Revision != sha || l.Source == nil || l.Source.Revision != revision(sha) {
		t.Errorf("status: revision %q, source %+v; want %s and %s", l.Revision, l.Source, sha, revision(sha))
	}
	h := c.HelmRelease
	if c.Presence != "Applied" || h == nil || h.Ready.Status != "True" || !h.Observed || h.Commit != sha[:12] || !c.Reconciled {
		t.Errorf("status %s: presence %s, helmRelease %+v, reconciled %v; want Applied, Ready, observed, commit %s, reconciled", c.Name, c.Presence, h, c.Reconciled, sha[:12])
	}
	if c.ControlPlane == nil || c.ControlPlane.Version != want.version {
		t.Errorf("status %s: control plane %+v, want version %s", c.Name, c.ControlPlane, want.version)
	}
	if c.Cluster == nil || c.Cluster.APIVersion != "cluster.x-k8s.io/v1beta2" {
		t.Errorf("status %s: cluster %+v, want one read at cluster.x-k8s.io/v1beta2", c.Name, c.Cluster)
	}
	got := map[string]string{}
	for _, p := range c.NodePools {
		switch {
		case p.Autoscale != nil:
			got[p.Name] = fmt.Sprintf("%d-%d %s", p.Autoscale.Min, p.Autoscale.Max, p.Version)
		case p.Replicas != nil:
			got[p.Name] = fmt.Sprintf("%d %s", *p.Replicas, p.Version)
		default:
			got[p.Name] = "? " + p.Version
		}
	}
	for name, p := range want.pools {
		v := p.version
		if v == "" {
			v = want.version
		}
		w := fmt.Sprintf("%d %s", p.count, v)
		if p.max != 0 {
			w = fmt.Sprintf("%d-%d %s", p.min, p.max, v)
		}
		if got[name] != w {
			t.Errorf("status %s: pool %s is %q, want %q (as the MachinePool's spec has it)", c.Name, name, got[name], w)
		}
	}
	if len(got) != len(want.pools) {
		t.Errorf("status %s: pools %v, want %d", c.Name, got, len(want.pools))
	}
	if len(c.Drift) != 0 {
		t.Errorf("status %s: drift %+v, want none (the objects are the repo's)", c.Name, c.Drift)
	}
}

// capiStandIn writes, through the status subresource, what Cluster API and CAPZ write once the AKS
// cluster runs version: the Cluster Provisioned and Available (and its deprecated v1beta1 Ready),
// the control plane's status.version, and each MachinePool's replicas all ready. No CAPI
// controller runs in the e2e (docs/e2e.md): this stands in for it.
func capiStandIn(ctx context.Context, t *testing.T, ns, name, version string) {
	t.Helper()
	defer progress("CAPI stand-in: status of %s at %s", name, version)()
	now := time.Now().UTC().Format(time.RFC3339)
	cond := func(typ, reason string) map[string]any {
		return map[string]any{"type": typ, "status": "True", "reason": reason, "message": "", "lastTransitionTime": now}
	}
	patchStatus(ctx, t, gvrCluster, ns, name, map[string]any{
		"phase":              "Provisioned",
		"observedGeneration": generation(ctx, t, gvrCluster, ns, name),
		"conditions": []any{cond("Available", "Available"), cond("InfrastructureReady", "Ready"),
			cond("ControlPlaneAvailable", "Available"), cond("WorkersAvailable", "Available")},
		"deprecated": map[string]any{"v1beta1": map[string]any{"conditions": []any{
			map[string]any{"type": "Ready", "status": "True", "lastTransitionTime": now}}}},
	})
	patchStatus(ctx, t, gvrASOControl, ns, name, map[string]any{"version": version, "ready": true, "initialized": true})
	list, err := env.mgmt.dyn.Resource(gvrMachinePool).Namespace(ns).List(ctx, metav1.ListOptions{LabelSelector: "cluster.x-k8s.io/cluster-name=" + name})
	if err != nil {
		t.Fatalf("listing the MachinePools of %s: %v", name, err)
	}
	for _, mp := range list.Items {
		n, ok, _ := unstructured.NestedInt64(mp.Object, "spec", "replicas")
		if !ok { // autoscaled: CAPI seeds the count from the min-size annotation
			n, _ = strconv.ParseInt(mp.GetAnnotations()["cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size"], 10, 64)
		}
		patchStatus(ctx, t, gvrMachinePool, ns, mp.GetName(), map[string]any{"replicas": n, "readyReplicas": n, "availableReplicas": n,
			"upToDateReplicas": n, "phase": "Running", "observedGeneration": mp.GetGeneration()})
	}
}

func generation(ctx context.Context, t *testing.T, gvr schemaGVR, ns, name string) int64 {
	t.Helper()
	return mustGet(ctx, t, gvr, ns, name).GetGeneration()
}

func patchStatus(ctx context.Context, t *testing.T, gvr schemaGVR, ns, name string, status map[string]any) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"status": status})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.mgmt.dyn.Resource(gvr).Namespace(ns).Patch(ctx, name, types.MergePatchType, b, metav1.PatchOptions{FieldManager: "capi-stand-in"}, "status"); err != nil {
		t.Fatalf("writing the status of %s %s/%s (CAPI stand-in): %v", gvr.Resource, ns, name, err)
	}
}

// checkStatusTable runs the table and checks the cluster's row: READY, REVISION, RECONCILED,
// PHASE, VERSION, POOLS and DRIFT as the server has them.
func checkStatusTable(t *testing.T, name, ready, sha, phase, version, pools string) {
	t.Helper()
	r := env.fleet.fleetctlEnv(env.fleet.dir, []string{"KUBECONFIG=" + env.mgmt.kubeconfigPath}, "status")
	if r.code != 0 {
		t.Fatalf("fleetctl status: %s", r)
	}
	row := fmt.Sprintf(`(?m)^%s +%s +%s +yes +%s +%s +%s +-$`, name, ready, sha[:12], phase, regexp.QuoteMeta(version), pools)
	got := regexp.MustCompile(row).FindString(r.stdout)
	if got == "" {
		t.Errorf("fleetctl status: no row matching %s in\n%s", row, r.stdout)
		return
	}
	fmt.Printf("    fleetctl status: %s\n", strings.Join(strings.Fields(got), " "))
}

// checkStatusWatch runs fleetctl status --watch, waits for its first table, interrupts it as
// Ctrl-C does and requires exit 0.
func checkStatusWatch(t *testing.T, name string) {
	t.Helper()
	defer progress("fleetctl status --watch, then SIGINT: exit 0")()
	cmd := exec.Command(env.fleet.bin, "status", name, "--watch")
	cmd.Dir = env.fleet.dir
	cmd.Env = append(os.Environ(), "KUBECONFIG="+env.mgmt.kubeconfigPath, "NO_COLOR=1", fleetctlNow)
	var out, errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), name) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if err != nil || !strings.HasPrefix(out.String(), "NAME ") {
		t.Errorf("fleetctl status --watch interrupted: %v (want exit 0 after a table)\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
}

// syncBuffer is a bytes.Buffer safe for exec's copying goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
