package rollout_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/fleetctl/fleetctl/pkg/cli"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/cli/rollout"
	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/fleetctl/fleetctl/pkg/status/statustest"
)

var env = map[string]string{"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com", "FLEETCTL_NOW": "2026-12-04"}

func factory(now time.Time) (*cmdutil.Factory, func() (string, string)) {
	ios, _, out, errOut := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios, Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return now }}
	return f, func() (string, string) { return out.String(), errOut.String() }
}

func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	f, outs := factory(time.Now())
	if code := cli.Run(f, append([]string{"--repo", dir}, args...)); code != 0 {
		o, e := outs()
		t.Fatalf("fleetctl %s: exit %d\n%s%s", strings.Join(args, " "), code, o, e)
	}
	o, _ := outs()
	return o
}

// fleetWithWaves makes a fleet of four clusters in two rings on v1.36.3, the waves of their upgrade
// to v1.37.2, and merges the canary wave into main as a squash merge would.
func fleetWithWaves(t *testing.T) string {
	fleettest.RequireGit(t)
	parent := t.TempDir()
	f, _ := factory(time.Now())
	if code := cli.Run(f, []string{"init", filepath.Join(parent, "fleet"), "--location", "eastus", "--kubernetes-version", "v1.36.3"}); code != 0 {
		t.Fatal("init failed")
	}
	dir := filepath.Join(parent, "fleet")
	for _, c := range [][2]string{{"canary-1", "canary"}, {"canary-2", "canary"}, {"broad-1", "broad"}, {"broad-2", "broad"}} {
		run(t, dir, "cluster", "add", c[0], "--label", "ring="+c[1], "--branch", "add")
		fleettest.Git(t, dir, "checkout", "-q", "main")
		fleettest.Git(t, dir, "merge", "-q", "--ff-only", "add")
		fleettest.Git(t, dir, "branch", "-q", "-D", "add")
	}
	run(t, dir, "cluster", "upgrade", "-l", "ring", "--kubernetes-version", "v1.37.2", "--waves", "ring=canary,broad")
	fleettest.Git(t, dir, "merge", "-q", "--squash", "fleetctl/upgrade-v1.37.2-wave-1-canary")
	fleettest.Git(t, dir, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "-m", "Upgrade the canaries (#41)")
	return dir
}

// server is the management cluster after the canary wave: its clusters rendered from main at
// main's commit, Ready since statustest.Time; edit changes them.
func server(t *testing.T, dir string, edit func(name string, objs []*unstructured.Unstructured)) func() (dynamic.Interface, string, string, error) {
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := repo.Snapshot("main")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, ".fleetctl.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Decode(".fleetctl.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	fl, err := fleet.NewFS(dir, snap, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var objs []*unstructured.Unstructured
	for _, name := range []string{"canary-1", "canary-2", "broad-1", "broad-2"} {
		o := statustest.Objects(t, fl, name, statustest.State{Commit: snap.Commit})
		if edit != nil {
			edit(name, o)
		}
		objs = append(objs, o...)
	}
	objs = append(objs, statustest.Source(snap.Commit))
	client := statustest.Client(objs...)
	return func() (dynamic.Interface, string, string, error) { return client, "https://mgmt.example", "test", nil }
}

func status(t *testing.T, dir string, now time.Time, connect func() (dynamic.Interface, string, string, error), args ...string) (string, string, int) {
	t.Helper()
	f, outs := factory(now)
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	cmd := rollout.NewStatusCmd(f, func(o *rollout.Options) error { o.Connect = connect; return o.Run() })
	cmd.SetArgs(args)
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	code := 0
	if err := cmd.Execute(); err != nil {
		code = 1
		f.IO.ErrOut.Write([]byte(err.Error() + "\n"))
	}
	o, e := outs()
	return o, e, code
}

func TestRolloutStatusGate(t *testing.T) {
	dir := fleetWithWaves(t)
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	ready := statustest.Later // the HelmRelease's Ready transition, the later of the two

	// The canaries run v1.37.2 and have been Ready for an hour: broad may go.
	out, errOut, code := status(t, dir, ready.Add(time.Hour), server(t, dir, nil), "upgrade-v1.37.2")
	if code != 0 || !strings.Contains(out, "next: wave 2/2 (ring=broad) may go: every cluster of the waves before it is at its target and healthy for 30m0s or more") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "1/2   canary  yes     2         2/2        2/2    1h0m0s") || !strings.Contains(out, "2/2   broad   no") {
		t.Errorf("table:\n%s", out)
	}

	// Ten minutes only: inside the soak.
	out, _, _ = status(t, dir, ready.Add(10*time.Minute), server(t, dir, nil), "upgrade-v1.37.2")
	if !strings.Contains(out, "must wait: not yet: canary-1 (wave 1): healthy for 10m0s, soak is 30m0s") {
		t.Errorf("inside the soak:\n%s", out)
	}

	// Ready for an hour, but the release of the merged revision was deployed five minutes ago: the
	// soak counts from the release (the HelmRelease's status.history lastDeployed).
	now := ready.Add(time.Hour)
	fresh := server(t, dir, func(name string, objs []*unstructured.Unstructured) {
		if name != "canary-1" {
			return
		}
		hr := statustest.Find(objs, "HelmRelease", "canary-1")
		hist, _, _ := unstructured.NestedSlice(hr.Object, "status", "history")
		hist[0].(map[string]any)["lastDeployed"] = now.Add(-5 * time.Minute).Format(time.RFC3339)
		statustest.Set(hr, hist, "status", "history")
	})
	out, _, _ = status(t, dir, now, fresh, "upgrade-v1.37.2")
	if !strings.Contains(out, "canary-1 (wave 1): healthy for 5m0s, soak is 30m0s") {
		t.Errorf("a fresh release:\n%s", out)
	}

	// canary-2's control plane still reports v1.36.3 (AKS is upgrading it), and it is not Ready.
	slow := server(t, dir, func(name string, objs []*unstructured.Unstructured) {
		if name != "canary-2" {
			return
		}
		statustest.Set(statustest.Find(objs, "AzureASOManagedControlPlane", "canary-2"), "v1.36.3", "status", "version")
		statustest.Set(statustest.Find(objs, "HelmRelease", "canary-2"), []any{map[string]any{"type": "Ready", "status": "False", "reason": "UpgradeFailed", "lastTransitionTime": ready.Format(time.RFC3339)}}, "status", "conditions")
	})
	out, _, _ = status(t, dir, ready.Add(time.Hour), slow, "upgrade-v1.37.2")
	if !strings.Contains(out, "canary-2 (wave 1): control plane v1.36.3, want v1.37.2, not Ready") || !strings.Contains(out, "1/2   canary  yes     2         1/2        1/2") {
		t.Errorf("a canary behind:\n%s", out)
	}
	// --open-next refuses, naming why.
	_, errOut, code = status(t, dir, ready.Add(time.Hour), slow, "upgrade-v1.37.2", "--open-next")
	if code == 0 || !strings.Contains(errOut, "--open-next: wave 2/2 must wait: not yet: canary-2 (wave 1)") {
		t.Errorf("--open-next with a red gate: exit %d %s", code, errOut)
	}

	// -o json: the whole decision.
	out, _, _ = status(t, dir, ready.Add(time.Hour), server(t, dir, nil), "upgrade-v1.37.2", "-o", "json")
	var res rollout.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if !res.MayGo || res.Next == nil || res.Next.Number != 2 || len(res.Waves) != 2 || !res.Waves[0].Merged || res.Waves[1].Merged || res.Waves[0].Clusters[0].HealthyFor != "1h0m0s" {
		t.Errorf("json: %+v", res)
	}

	// --waves that the branches contradict.
	_, errOut, code = status(t, dir, ready, server(t, dir, nil), "upgrade-v1.37.2", "--waves", "ring=canary,early")
	if code == 0 || !strings.Contains(errOut, "is the wave ring=broad, which --waves does not name") {
		t.Errorf("--waves mismatch: exit %d %s", code, errOut)
	}
	// A rollout with no branch.
	_, errOut, code = status(t, dir, ready, server(t, dir, nil), "upgrade-v1.99.0")
	if code == 0 || !strings.Contains(errOut, "no branch fleetctl/upgrade-v1.99.0-wave-N-") {
		t.Errorf("unknown rollout: exit %d %s", code, errOut)
	}
}
