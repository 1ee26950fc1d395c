// Package rollout implements `fleetctl rollout status`.
package rollout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/dynamic"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/cli/internal/printer"
	statuscmd "github.com/fleetctl/fleetctl/pkg/cli/status"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/fleetctl/fleetctl/pkg/rollout"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/status"
)

// NewCmd returns `fleetctl rollout`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Follow a fleet-wide change made in waves",
		Long: `A change made with -l and --waves (cluster upgrade, nodepool scale, cluster set) is one branch
per wave, every one from the base branch. rollout status says which waves are merged, how their
clusters are doing on the management cluster, and whether the next wave may go.`,
	}
	cmd.AddCommand(NewStatusCmd(f, nil))
	return cmd
}

// Options of `fleetctl rollout status`.
type Options struct {
	f *cmdutil.Factory

	ID         string
	Waves      string
	Soak       time.Duration
	OpenNext   bool
	Output     string
	Kubeconfig string
	Context    string
	Labels     []string
	Reviewers  []string

	// Connect replaces the kubeconfig in tests.
	Connect func() (client dynamic.Interface, server, source string, err error)

	waves spec.Waves
}

// Formats are rollout status's output formats.
var Formats = []string{"table", "json", "yaml"}

// NewStatusCmd returns `fleetctl rollout status`; runF replaces Run in tests.
func NewStatusCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "status ROLLOUT [--soak 30m] [--open-next] [--waves LABEL=V1,...]",
		Short: "Say which waves of a rollout are merged and healthy, and whether the next may go",
		Long: `Find the waves of ROLLOUT (the name the change printed, e.g. upgrade-v1.37.2): its branches
<prefix>/ROLLOUT-wave-N-..., local or on git.remote (git fetch first), read through their commits'
Fleetctl-Rollout and Fleetctl-Wave trailers. For each wave: whether the base branch holds it (its
commit is an ancestor of the base, or the base has every file the wave changed as the wave has it,
so squash and rebase merges count). For each cluster of a merged wave, from the management cluster
(the kubeconfig as fleetctl status finds it; read only): reconciled to the base's commit, at the
wave's target (the control plane and every pool at the versions the wave's branch declares, no
drift), Ready, and for how long.

The next wave may go when every cluster of every wave before it has been at its target and Ready
for --soak (counted from the later of the Ready transition and the release of the merged
revision). --open-next then pushes the next wave's branch (when it is local) and opens or updates
its pull request; when the gate is not green it writes nothing and exits 1. Without --open-next the
exit code is 0 whatever the gate says; -o json gives the whole decision (docs/fleet-changes.md).`,
		Example: `  fleetctl rollout status upgrade-v1.37.2
  fleetctl rollout status upgrade-v1.37.2 --soak 2h --open-next
  fleetctl rollout status upgrade-v1.37.2 -o json | jq .mayGo`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ID = args[0]
			return cmdutil.RunSteps(o, runF)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&o.Soak, "soak", 30*time.Minute, "how long every cluster of the waves before must have been at its target and Ready")
	fl.BoolVar(&o.OpenNext, "open-next", false, "when the gate is green, push the next wave's branch and open (or update) its pull request")
	fl.StringVar(&o.Waves, "waves", "", "the waves the rollout was made with (LABEL=V1,V2,...): refuse when the branches found say otherwise")
	fl.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig of the management cluster (default: KUBECONFIG, else ~/.kube/config, else in-cluster)")
	fl.StringVar(&o.Context, "context", "", "kubeconfig context to use (default: its current context)")
	fl.StringArrayVar(&o.Labels, "pr-label", nil, "with --open-next: label of the pull request (repeatable; default git.pr.labels)")
	fl.StringArrayVar(&o.Reviewers, "reviewer", nil, "with --open-next: reviewer of the pull request (repeatable; default git.pr.reviewers)")
	cmdutil.AddOutputFlag(cmd, &o.Output, "table", Formats...)
	return cmd
}

// Complete has nothing to derive.
func (o *Options) Complete() error { return nil }

// Validate checks the flags.
func (o *Options) Validate() error {
	if err := cmdutil.CheckOutput(o.Output, Formats...); err != nil {
		return err
	}
	if o.Soak < 0 {
		return cmdutil.FlagErrorf("--soak %s: must not be negative", o.Soak)
	}
	if strings.ContainsAny(o.ID, " /~^:") || o.ID == "" {
		return cmdutil.FlagErrorf("rollout %q: must be a rollout name as the change printed it, e.g. upgrade-v1.37.2", o.ID)
	}
	if (len(o.Labels) > 0 || len(o.Reviewers) > 0) && !o.OpenNext {
		return cmdutil.FlagErrorf("--pr-label and --reviewer describe the next wave's pull request: add --open-next")
	}
	if o.Waves != "" {
		w, err := spec.ParseWaves("--waves", o.Waves)
		if err != nil {
			return cmdutil.FlagErrorf("%s", err)
		}
		o.waves = w
	}
	return nil
}

// Result is `rollout status -o json|yaml`.
type Result struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Rollout    string     `json:"rollout"`
	Base       string     `json:"base"`
	Soak       string     `json:"soak"`
	Waves      []WaveJSON `json:"waves"`
	Next       *NextJSON  `json:"next,omitempty"`
	MayGo      bool       `json:"mayGo"`
	Reason     string     `json:"reason"`
	Health     string     `json:"health,omitempty"`
}

// WaveJSON is one wave of Result.
type WaveJSON struct {
	Number   int           `json:"number"`
	Of       int           `json:"of"`
	Label    string        `json:"label"`
	Name     string        `json:"name"`
	Branch   string        `json:"branch"`
	Commit   string        `json:"commit"`
	Merged   bool          `json:"merged"`
	Done     bool          `json:"done"`
	Clusters []ClusterJSON `json:"clusters"`
}

// ClusterJSON is one cluster of a wave.
type ClusterJSON struct {
	Name       string `json:"name"`
	AtTarget   bool   `json:"atTarget"`
	Ready      bool   `json:"ready"`
	HealthyFor string `json:"healthyFor,omitempty"`
	Why        string `json:"why,omitempty"`
}

// NextJSON names the next wave.
type NextJSON struct {
	Number int    `json:"number"`
	Branch string `json:"branch"`
}

// Run finds the waves, reads the health of the merged ones, decides and prints the gate.
func (o *Options) Run() error {
	fl, repo, err := o.f.FleetRepo()
	if err != nil {
		return err
	}
	cfg := fl.Config
	base, err := change.ResolveBase(repo, "", cfg.Git.BaseBranch)
	if err != nil {
		return err
	}
	waves, err := rollout.Discover(repo, fl, o.ID, cfg.Git.Remote, base.Ref)
	if err != nil {
		return err
	}
	if len(waves) == 0 {
		return fmt.Errorf("rollout %s: no branch %s/%s-wave-N-... here or on %s (git fetch %s first?)", o.ID, cfg.Git.BranchPrefix, o.ID, cfg.Git.Remote, cfg.Git.Remote)
	}
	if err := o.checkWaves(waves); err != nil {
		return err
	}
	var names []string
	for _, w := range waves {
		if w.Merged {
			names = append(names, w.Clusters...)
		}
	}
	health := map[string]rollout.Health{}
	healthNote := ""
	if len(names) > 0 {
		health, err = o.health(fl, repo, base, names)
		if err != nil {
			var se *status.ServerError
			if o.OpenNext || errors.As(err, &se) {
				return err
			}
			// No management cluster to ask: the repo side is still worth printing.
			healthNote = err.Error()
		}
	}
	gate := rollout.Evaluate(waves, health, o.f.Now(), o.Soak)
	if healthNote != "" {
		gate.MayGo = false
		gate.Reason = "the health of the merged waves is unknown: " + healthNote
	}
	res := toResult(o.ID, base, o.Soak, gate)
	res.Health = healthNote
	switch o.Output {
	case "json", "yaml":
		if err := printer.Structured(o.f.IO.Out, o.Output, res); err != nil {
			return err
		}
	default:
		printTable(o.f.IO.Out, res, gate, healthNote == "")
	}
	if !o.OpenNext {
		if healthNote != "" {
			return cmdutil.ErrSilent
		}
		return nil
	}
	switch {
	case gate.Next == nil:
		fmt.Fprintf(o.f.IO.Out, "every wave is merged: no next wave to open\n")
		return nil
	case !gate.MayGo:
		return fmt.Errorf("--open-next: wave %d/%d must wait: %s", gate.Next.Number, gate.Next.Of, gate.Reason)
	}
	return o.openNext(fl, repo, base, gate)
}

// checkWaves refuses when --waves names other waves than the branches have.
func (o *Options) checkWaves(waves []rollout.WaveState) error {
	if o.waves.Key == "" {
		return nil
	}
	for _, w := range waves {
		if w.Key != o.waves.Key {
			return fmt.Errorf("--waves %s: branch %s is a wave of label %s", o.waves, w.Branch, w.Key)
		}
		found := false
		for _, v := range o.waves.Values {
			found = found || v == w.Value
		}
		if !found {
			return fmt.Errorf("--waves %s: branch %s is the wave %s=%s, which --waves does not name", o.waves, w.Branch, w.Key, w.Value)
		}
	}
	return nil
}

// health reads the merged waves' clusters from the management cluster, compared with the base.
func (o *Options) health(fl *fleet.Fleet, repo *gitrepo.Repo, base change.Base, names []string) (map[string]rollout.Health, error) {
	connect := o.Connect
	if connect == nil {
		connect = func() (dynamic.Interface, string, string, error) {
			return statuscmd.Connect(o.f, o.Kubeconfig, o.Context)
		}
	}
	client, server, _, err := connect()
	if err != nil {
		return nil, err
	}
	snap, err := repo.SnapshotAt(base.Commit)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	list, err := status.Read(ctx, client, fl.WithFS(snap), status.Options{Names: names, Revision: base.Commit, Server: server})
	if err != nil {
		return nil, err
	}
	out := map[string]rollout.Health{}
	for _, c := range list.Items {
		out[c.Name] = Health(c)
	}
	return out, nil
}

// Health is what the gate needs of one cluster's status.
func Health(c status.ClusterStatus) rollout.Health {
	h := rollout.Health{Found: c.Presence == status.Applied, Ready: c.Ready, ReadySince: c.ReadySince, Reconciled: c.Reconciled,
		PoolVersions: map[string]string{}}
	if c.HelmRelease != nil {
		h.AppliedAt = c.HelmRelease.LastDeployed
	}
	if cp := c.ControlPlane; cp != nil {
		h.Version = cp.StatusVersion
	}
	for _, p := range c.NodePools {
		h.PoolVersions[p.Name] = p.ReportedVersion()
	}
	for _, d := range c.Drift {
		h.Drift = append(h.Drift, fmt.Sprintf("%s: repo %s, server %s", d.Field, orNone(d.Repo), orNone(d.Server)))
	}
	return h
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// openNext pushes the next wave's branch and opens its pull request, naming the previous wave.
func (o *Options) openNext(fl *fleet.Fleet, repo *gitrepo.Repo, base change.Base, gate rollout.Gate) error {
	next := gate.Next
	branch := next.Branch
	pushed := false
	if b, ok := strings.CutPrefix(branch, fl.Config.Git.Remote+"/"); ok {
		branch, pushed = b, true
	}
	target, err := cmdutil.BaseBranchName(repo, base.Ref, fl.Config.Git.Remote)
	if err != nil {
		return err
	}
	title, err := repo.CommitSubject(next.Commit)
	if err != nil {
		return err
	}
	var preamble strings.Builder
	fmt.Fprintf(&preamble, "**Wave %d of %d** of rollout `%s`: %s=%s, %s.\n\n", next.Number, next.Of, o.ID, next.Key, next.Name(), strings.Join(next.WaveState.Clusters, ", "))
	fmt.Fprintf(&preamble, "Opened by `fleetctl rollout status --open-next`: %s.\n\n", gate.Reason)
	_, err = o.f.Publish(cmdutil.Publish{Repo: repo, Fleet: fl, Branch: branch, Base: target, Title: title, PR: true,
		Labels: o.Labels, Reviewers: o.Reviewers, Preamble: preamble.String(), Pushed: pushed})
	return err
}

func toResult(id string, base change.Base, soak time.Duration, g rollout.Gate) Result {
	r := Result{APIVersion: fleet.InfoAPIVersion, Kind: "RolloutStatus", Rollout: id, Base: base.String(), Soak: soak.String(), MayGo: g.MayGo, Reason: g.Reason, Waves: []WaveJSON{}}
	for _, w := range g.Waves {
		wj := WaveJSON{Number: w.Number, Of: w.Of, Label: w.Key + "=" + w.Value, Name: w.Name(), Branch: w.Branch, Commit: w.Commit, Merged: w.Merged, Done: w.Done, Clusters: []ClusterJSON{}}
		for _, c := range w.Clusters {
			cj := ClusterJSON{Name: c.Name, AtTarget: c.AtTarget, Ready: c.Healthy, Why: c.Why}
			if c.Since > 0 {
				cj.HealthyFor = c.Since.Round(time.Second).String()
			}
			if !w.Merged {
				cj.Why = ""
			}
			wj.Clusters = append(wj.Clusters, cj)
		}
		r.Waves = append(r.Waves, wj)
	}
	if g.Next != nil {
		r.Next = &NextJSON{Number: g.Next.Number, Branch: g.Next.Branch}
	}
	return r
}

func printTable(w io.Writer, r Result, g rollout.Gate, known bool) {
	fmt.Fprintf(w, "rollout %s: %d waves, base %s, soak %s\n", r.Rollout, len(r.Waves), r.Base, r.Soak)
	rows := [][]string{}
	for _, wv := range g.Waves {
		atTarget, ready, healthy := "-", "-", "-"
		if wv.Merged && !known {
			atTarget, ready = "?", "?"
		}
		if wv.Merged && known {
			var a, rd int
			var least time.Duration = -1
			for _, c := range wv.Clusters {
				if c.AtTarget {
					a++
				}
				if c.Healthy {
					rd++
				}
				if least < 0 || c.Since < least {
					least = c.Since
				}
			}
			atTarget, ready = fmt.Sprintf("%d/%d", a, len(wv.Clusters)), fmt.Sprintf("%d/%d", rd, len(wv.Clusters))
			if least > 0 {
				healthy = least.Round(time.Minute).String()
			}
		}
		merged := "no"
		if wv.Merged {
			merged = "yes"
		}
		rows = append(rows, []string{fmt.Sprintf("%d/%d", wv.Number, wv.Of), wv.Name(), merged, fmt.Sprint(len(wv.Clusters)), atTarget, ready, healthy, wv.Branch})
	}
	printer.Table(w, []string{"WAVE", "VALUE", "MERGED", "CLUSTERS", "AT TARGET", "READY", "HEALTHY FOR", "BRANCH"}, rows)
	switch {
	case g.Next == nil && g.MayGo:
		fmt.Fprintf(w, "done: %s\n", g.Reason)
	case g.Next == nil:
		fmt.Fprintf(w, "every wave is merged; not done yet: %s\n", g.Reason)
	case g.MayGo:
		fmt.Fprintf(w, "next: %s may go: %s\n", g.Next.Describe(), g.Reason)
	default:
		fmt.Fprintf(w, "next: %s must wait: %s\n", g.Next.Describe(), g.Reason)
	}
}
