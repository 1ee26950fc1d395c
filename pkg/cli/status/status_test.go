package status

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	clienttesting "k8s.io/client-go/testing"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/status"
	"github.com/fleetctl/fleetctl/pkg/status/statustest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	version = "v1.36.3"
	server  = "https://mgmt.example.com:6443"
)

// golden is a fleet of five clusters and a sixth on the server only, in every state the table
// tells apart: ready; drifted (a pool scaled and the version changed by hand); not applied;
// behind (released from an older commit); not ready and upgrading; not in the repo.
func golden(t *testing.T) (*fleet.Fleet, []*unstructured.Unstructured) {
	t.Helper()
	f0 := statustest.Fleet(t)
	var specs []spec.Cluster
	for i, name := range []string{"atlantic-aks", "baltic-aks", "caspian-aks", "north-aks", "pacific-aks"} {
		c := statustest.Cluster(f0, name, version)
		c.Labels = map[string]string{"ring": []string{"canary", "broad"}[i%2]}
		specs = append(specs, c)
	}
	f := statustest.Fleet(t, specs...)
	objs := statustest.Objects(t, f, "atlantic-aks", statustest.State{})
	objs = append(objs, statustest.Objects(t, f, "baltic-aks", statustest.State{Edit: func(o []*unstructured.Unstructured) {
		statustest.Set(statustest.Find(o, "MachinePool", "baltic-aks-system"), int64(5), "spec", "replicas")
		statustest.Set(statustest.Find(o, "AzureASOManagedControlPlane", "baltic-aks"), "v1.35.2", "spec", "version")
	}})...)
	objs = append(objs, statustest.Objects(t, f, "north-aks", statustest.State{Commit: statustest.OldCommit})...)
	objs = append(objs, statustest.Objects(t, f, "pacific-aks", statustest.State{ReleaseReady: "False", ReleaseReason: "UpgradeFailed",
		ReleaseMessage: "Helm upgrade failed for release fleet-clusters/pacific-aks", Available: "False", Phase: "Provisioning",
		ReadyPools: map[string]int64{"system": 1, "work": 0}, Edit: func(o []*unstructured.Unstructured) {
			statustest.Set(statustest.Find(o, "AzureASOManagedControlPlane", "pacific-aks"), "v1.35.2", "status", "version")
		}})...)
	old := statustest.Fleet(t, statustest.Cluster(f0, "old-aks", version))
	objs = append(objs, statustest.Objects(t, old, "old-aks", statustest.State{})...)
	return f, append(objs, statustest.Source(statustest.Commit))
}

func newOptions(t *testing.T, f *fleet.Fleet, client dynamic.Interface, format string) (*Options, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := cmdutil.Test()
	o := &Options{f: &cmdutil.Factory{IO: ios, Getenv: func(string) string { return "" }}, Output: format, fleet: f,
		revision: statustest.Commit, client: client, server: server, source: "/home/me/.kube/config, context mgmt"}
	return o, out, errOut
}

func TestGolden(t *testing.T) {
	f, objs := golden(t)
	for _, format := range []string{"table", "wide", "json", "yaml"} {
		t.Run(format, func(t *testing.T) {
			client := statustest.Client(objs...)
			o, out, errOut := newOptions(t, f, client, format)
			if err := o.Run(); err != nil {
				t.Fatal(err)
			}
			if errOut.Len() > 0 {
				t.Errorf("stderr: %s", errOut)
			}
			compareGolden(t, filepath.Join("testdata", "status."+format), out.Bytes())
		})
	}
}

func compareGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", file, got, want)
	}
}

// TestWatch: --watch prints once, then again only when something changed, and ends without an
// error when its context is cancelled (Ctrl-C).
func TestWatch(t *testing.T) {
	f, objs := golden(t)
	client := statustest.Client(objs...)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	reads := 0
	client.PrependReactor("list", "helmreleases", func(a clienttesting.Action) (bool, runtime.Object, error) {
		reads++
		switch reads {
		case 2: // north-aks catches up between the first and the second read
			gvr := status.HelmReleases
			hr, err := client.Tracker().Get(gvr, "fleet-clusters", "north-aks")
			if err != nil {
				t.Error(err)
				return false, nil, nil
			}
			u := hr.(*unstructured.Unstructured)
			statustest.Set(u, []any{map[string]any{"version": int64(3), "status": "deployed", "chartVersion": "0.2.0+" + statustest.Commit[:12]}}, "status", "history")
			if err := client.Tracker().Update(gvr, u, "fleet-clusters"); err != nil {
				t.Error(err)
			}
		case 4:
			cancel()
		}
		return false, nil, nil
	})
	o, out, _ := newOptions(t, f, client, "table")
	o.Watch, o.Interval, o.Ctx = true, time.Millisecond, ctx
	if err := o.Run(); err != nil {
		t.Fatalf("Run: %v, want nil when the watch is interrupted", err)
	}
	if reads != 4 {
		t.Errorf("%d reads, want 4", reads)
	}
	tables := strings.Split(out.String(), "\n\n")
	if len(tables) != 2 {
		t.Fatalf("printed %d tables, want 2 (the third read changed nothing):\n%s", len(tables), out)
	}
	row := regexp.MustCompile(`(?m)^north-aks +True +(\S+) +(\S+) `)
	first, second := row.FindStringSubmatch(tables[0]), row.FindStringSubmatch(tables[1])
	if first == nil || second == nil || first[1] != statustest.OldCommit[:12] || first[2] != "no" || second[1] != statustest.Commit[:12] || second[2] != "yes" {
		t.Errorf("north-aks: want behind, then reconciled:\n%s", out)
	}
}

// TestWatchSignal: in --watch, SIGINT ends the command with no error.
func TestWatchSignal(t *testing.T) {
	f, objs := golden(t)
	client := statustest.Client(objs...)
	o, out, _ := newOptions(t, f, client, "table")
	o.Watch, o.Interval = true, 5*time.Millisecond
	reads := 0
	client.PrependReactor("list", "helmreleases", func(a clienttesting.Action) (bool, runtime.Object, error) {
		if reads++; reads == 3 {
			if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
				t.Error(err)
			}
		}
		return false, nil, nil
	})
	done := make(chan error, 1)
	go func() { done <- o.Run() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after SIGINT: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("--watch did not end on SIGINT")
	}
	if !strings.HasPrefix(out.String(), "NAME ") {
		t.Errorf("no table before the interrupt:\n%s", out)
	}
}

func TestErrors(t *testing.T) {
	f, objs := golden(t)
	tests := []struct {
		name    string
		names   []string
		reactor func(a clienttesting.Action) (bool, runtime.Object, error)
		want    string
	}{
		{
			name: "unreachable",
			reactor: func(a clienttesting.Action) (bool, runtime.Object, error) {
				return true, nil, &url.Error{Op: "Get", URL: server + "/apis/x", Err: errors.New("dial tcp 10.0.0.1:6443: connect: connection refused")}
			},
			want: "cannot reach the management cluster at " + server + " (kubeconfig /home/me/.kube/config, context mgmt): dial tcp 10.0.0.1:6443: connect: connection refused",
		},
		{
			name: "forbidden",
			reactor: func(a clienttesting.Action) (bool, runtime.Object, error) {
				if a.GetResource().Resource == "helmreleases" {
					return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "helm.toolkit.fluxcd.io", Resource: "helmreleases"}, "", errors.New("no RBAC"))
				}
				return false, nil, nil
			},
			want: "management cluster at " + server + " (kubeconfig /home/me/.kube/config, context mgmt): listing helmreleases.helm.toolkit.fluxcd.io/v2 in namespace fleet-clusters: status needs get and list on it:",
		},
		{
			name:  "a name neither in the repo nor on the server",
			names: []string{"atlantic-aks", "nowhere-aks"},
			want:  "cluster nowhere-aks: not in the repo (capi/clusters/nowhere-aks) and the server has no objects of it",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := statustest.Client(objs...)
			if tt.reactor != nil {
				client.PrependReactor("*", "*", tt.reactor)
			}
			o, out, _ := newOptions(t, f, client, "table")
			o.Names = tt.names
			err := o.Run()
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line starting %q", err, tt.want)
			}
			if len(tt.names) > 0 && !strings.Contains(out.String(), "atlantic-aks") {
				t.Errorf("the clusters found are not printed before the error:\n%s", out)
			}
		})
	}
}

// TestFlags parses the command line and completes the options (repo at HEAD, kubeconfig loaded,
// nothing asked of the server) without running.
func TestFlags(t *testing.T) {
	dir := t.TempDir()
	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: mgmt, context: {cluster: c, user: u}}, {name: other, context: {cluster: c, user: u}}]
current-context: mgmt
`), 0o600); err != nil {
		t.Fatal(err)
	}
	fleettest.GoodRepo(t, dir)
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.ResolveCommit("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		want   Options
		source string
		err    string
	}{
		{args: []string{"--kubeconfig", kubeconfig}, want: Options{Output: "table", Kubeconfig: kubeconfig}, source: kubeconfig + " (--kubeconfig), context mgmt"},
		{args: []string{"atlantic-aks", "pacific-aks", "-l", "ring=canary", "-o", "wide", "--watch", "--kubeconfig", kubeconfig, "--context", "other"},
			want:   Options{Names: []string{"atlantic-aks", "pacific-aks"}, Selector: "ring=canary", Output: "wide", Watch: true, Kubeconfig: kubeconfig, Context: "other"},
			source: kubeconfig + " (--kubeconfig), context other"},
		{args: []string{"-w", "-o", "json", "--kubeconfig", kubeconfig}, want: Options{Output: "json", Watch: true, Kubeconfig: kubeconfig}, source: kubeconfig + " (--kubeconfig), context mgmt"},
		{args: []string{"-o", "name"}, err: `--output "name": must be one of table|wide|json|yaml`},
		{args: []string{"-l", "ring in (a"}, err: `--selector "ring in (a": `},
		{args: []string{"Bad_Name"}, err: `cluster name "Bad_Name": must be a DNS-1123 label`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, _, _ := cmdutil.Test()
			f := &cmdutil.Factory{IO: ios, Getenv: func(string) string { return "" }, RepoFlag: dir}
			var got *Options
			cmd := NewCmd(f, func(o *Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.err != "" {
				var fe *cmdutil.FlagError
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &fe) {
					t.Fatalf("error %v, want a usage error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := got
			if strings.Join(o.Names, ",") != strings.Join(tt.want.Names, ",") || o.Selector != tt.want.Selector || o.Output != tt.want.Output ||
				o.Watch != tt.want.Watch || o.Kubeconfig != tt.want.Kubeconfig || o.Context != tt.want.Context {
				t.Errorf("parsed %+v, want %+v", *o, tt.want)
			}
			if o.revision != head || o.server != "https://127.0.0.1:1" || o.source != tt.source || o.client == nil {
				t.Errorf("completed revision %q server %q source %q, want %q, https://127.0.0.1:1, %q", o.revision, o.server, o.source, head, tt.source)
			}
			if tt.want.Selector != "" && (o.sel == nil || !o.sel.Matches(labels.Set{"ring": "canary"})) {
				t.Errorf("selector %q not parsed: %v", tt.want.Selector, o.sel)
			}
		})
	}
}
