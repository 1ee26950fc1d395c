package cmdutil

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/internal/printer"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/fleetctl/fleetctl/pkg/rollout"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// FleetWide are the flags of a write that can change every cluster a selector matches instead of
// one named cluster, in waves.
type FleetWide struct {
	Selector   string
	Waves      string
	MaxPerWave int

	waves spec.Waves
	flags *pflag.FlagSet
}

// AddFleetWideFlags registers -l/--selector, --waves and --max-per-wave.
func AddFleetWideFlags(cmd *cobra.Command, fw *FleetWide) {
	AddSelectorFlag(cmd, &fw.Selector, "change every cluster it selects instead of one named cluster")
	fl := cmd.Flags()
	fw.flags = fl
	fl.StringVar(&fw.Waves, "waves", "", "with -l: one branch (and pull request) per wave, each from the base branch, by a label's values in order, e.g. ring=canary,early,broad (default rollout.waves in .fleetctl.yaml; '' for one branch)")
	fl.IntVar(&fw.MaxPerWave, "max-per-wave", 0, "with waves: split a wave with more clusters into parts of at most N (default rollout.maxPerWave; 0: no limit)")
}

// Validate checks the fleet-wide flags against the arguments: a cluster name or -l, not both.
func (fw *FleetWide) Validate(named bool) error {
	switch {
	case named && fw.Selector != "":
		return FlagErrorf("give a cluster name or -l/--selector, not both")
	case !named && fw.Selector == "":
		return FlagErrorf("give a cluster name, or -l/--selector to change every cluster it selects")
	case fw.Selector == "" && (fw.changed("waves") || fw.changed("max-per-wave")):
		return FlagErrorf("--waves and --max-per-wave split a fleet-wide change: add -l/--selector")
	case fw.MaxPerWave < 0:
		return FlagErrorf("--max-per-wave %d: must be 0 (no limit) or more", fw.MaxPerWave)
	}
	if fw.Selector != "" {
		if _, err := fleet.ParseSelector(fw.Selector); err != nil {
			return FlagErrorf("-l/--selector: %s", err)
		}
	}
	if fw.Waves != "" {
		w, err := spec.ParseWaves("--waves", fw.Waves)
		if err != nil {
			return FlagErrorf("%s", err)
		}
		fw.waves = w
	}
	return nil
}

// ManyPlan plans the change of a set of clusters (a wave, or every selected cluster) as one plan.
type ManyPlan func(c *ops.Client, clusters []string) (*change.Plan, error)

// changed says whether the flag was given (a flag given as ” or 0 overrides the config).
func (fw *FleetWide) changed(name string) bool { return fw.flags != nil && fw.flags.Changed(name) }

// RunFleetWide carries out a write over the clusters fw.Selector selects on the base branch:
// without waves one branch (as RunWrite), with waves one branch per wave, each from the base. Every
// wave is planned and checked before anything is written; a wave that breaks a rule stops the
// whole command with nothing written.
func (w WriteFlags) RunFleetWide(f *Factory, command string, fw FleetWide, plan ManyPlan) error {
	fl, repo, err := f.FleetRepo()
	if err != nil {
		return err
	}
	waves := fw.waves
	if !fw.changed("waves") && fl.Config.Rollout.Waves != "" {
		if waves, err = spec.ParseWaves("rollout.waves", fl.Config.Rollout.Waves); err != nil {
			return err
		}
	}
	maxPer := fw.MaxPerWave
	if !fw.changed("max-per-wave") {
		maxPer = fl.Config.Rollout.MaxPerWave
	}
	if waves.Key != "" && w.NoCommit {
		return FlagErrorf("--no-commit writes one change into the working tree, and a change in waves is one branch per wave: drop --no-commit (--dry-run shows every wave)")
	}
	s, err := change.Open(repo, change.Options{
		Command: command, DryRun: w.DryRun, NoCommit: w.NoCommit, From: w.From, Branch: w.Branch,
		BaseBranch: fl.Config.Git.BaseBranch, Exit: f.ExitOnSignal,
	})
	if err != nil {
		return err
	}
	defer s.Close()
	client := ops.New(fl.WithFS(s.View))
	sel, err := fleet.ParseSelector(fw.Selector)
	if err != nil {
		return err
	}
	selected, err := client.Fleet.Select(sel)
	if err != nil {
		return err
	}
	where := "on " + s.Base.String()
	if w.NoCommit {
		where = "in the working tree"
	}
	if len(selected) == 0 {
		return fmt.Errorf("-l %q selects no cluster %s: see fleetctl cluster list --show-labels", fw.Selector, where)
	}
	if waves.Key == "" {
		names := make([]string, len(selected))
		for i, c := range selected {
			names[i] = c.Name
		}
		p, err := plan(client, names)
		if err != nil {
			return err
		}
		author, committer, err := w.signatures(f, repo)
		if err != nil {
			return err
		}
		res, err := s.Apply(p, author, committer)
		if err != nil {
			return err
		}
		return w.finish(f, fl, repo, res, p)
	}
	split, err := rollout.Split(selected, waves, maxPer)
	if err != nil {
		return err
	}
	bps := make([]change.BranchPlan, len(split))
	for i, wv := range split {
		p, err := plan(client, wv.Clusters)
		if err != nil {
			return fmt.Errorf("%s: %w", wv.Describe(), err)
		}
		base := w.Branch
		if base == "" {
			base = p.Branch
		}
		bps[i] = change.BranchPlan{Plan: p, Branch: rollout.Branch(base, wv)}
	}
	id := rolloutID(bps[0].Branch, fl.Config.Git.BranchPrefix)
	for i, wv := range split {
		p := bps[i].Plan
		if p.Message == "" {
			continue
		}
		subject, body, _ := strings.Cut(p.Message, "\n")
		var b strings.Builder
		fmt.Fprintf(&b, "%s, %s\n%s\n", subject, wv.Describe(), strings.TrimRight(body, "\n"))
		fmt.Fprintf(&b, "\nWave %d of %d of rollout %s (--waves %s), from %s like every wave.\n", wv.Number, wv.Of, id, waves, s.Base.Ref)
		if i > 0 {
			fmt.Fprintf(&b, "Merge it after wave %d (%s) is merged and healthy: fleetctl rollout status %s says when.\n", i, bps[i-1].Branch, id)
		}
		b.WriteString("\n" + rollout.Trailers(id, wv))
		p.Message = b.String()
	}
	author, committer, err := w.signatures(f, repo)
	if err != nil {
		return err
	}
	results, err := s.ApplyBranches(bps, author, committer)
	if err != nil {
		return err
	}
	publish := !w.DryRun && (w.Push || w.PR || fl.Config.Git.Push)
	printWaves(f.IO.Out, f.IO.ErrOut, split, bps, results, id, publish)
	if !publish {
		return nil
	}
	base, err := BaseBranchName(repo, s.Base.Ref, fl.Config.Git.Remote)
	if err != nil {
		return err
	}
	prev := ""
	for i, res := range results {
		branch := res.Branch
		if branch == "" {
			branch = res.Existing
		}
		if branch == "" {
			continue
		}
		title, _, _ := strings.Cut(bps[i].Plan.Message, "\n")
		if bps[i].Plan.Message == "" {
			title, _ = repo.CommitSubject(branch)
		}
		url, err := f.Publish(Publish{Repo: repo, Fleet: fl, Branch: branch, Base: base, Title: strings.TrimSpace(title),
			PR: w.PR, Labels: w.Labels, Reviewers: w.Reviewers, Draft: w.Draft,
			Preamble: wavePreamble(split, i, id, waves, bps, prev)})
		if err != nil {
			return fmt.Errorf("%s: %w", split[i].Describe(), err)
		}
		prev = url
	}
	return nil
}

// signatures are the author and committer of a committing write.
func (w WriteFlags) signatures(f *Factory, repo *gitrepo.Repo) (gitrepo.Signature, gitrepo.Signature, error) {
	if w.DryRun || w.NoCommit {
		return gitrepo.Signature{}, gitrepo.Signature{}, nil
	}
	return gitrepo.ResolveAuthor(repo, f.Getenv)
}

// rolloutID names the rollout after its first wave's branch, without the prefix and the wave:
// "fleetctl/upgrade-v1.37.2-wave-1-canary" is "upgrade-v1.37.2".
func rolloutID(branch, prefix string) string {
	id := strings.TrimPrefix(branch, prefix+"/")
	if i := strings.LastIndex(id, "-wave-"); i > 0 {
		id = id[:i]
	}
	return id
}

// wavePreamble opens a wave's pull request: which wave, which clusters, and the previous wave
// with its pull request.
func wavePreamble(split []rollout.Wave, i int, id string, waves spec.Waves, bps []change.BranchPlan, prevURL string) string {
	wv := split[i]
	var b strings.Builder
	fmt.Fprintf(&b, "**Wave %d of %d** of rollout `%s` (waves `%s`): %s=%s, %d %s: %s.\n\n", wv.Number, wv.Of, id, waves, wv.Key, wv.Name(),
		len(wv.Clusters), plural(len(wv.Clusters), "cluster", "clusters"), strings.Join(wv.Clusters, ", "))
	if i > 0 {
		pw := split[i-1]
		link := "`" + bps[i-1].Branch + "`"
		if prevURL != "" {
			link = fmt.Sprintf("[%s](%s)", bps[i-1].Branch, prevURL)
		}
		fmt.Fprintf(&b, "Previous wave: wave %d (%s=%s), %s. Merge this one only after it is merged and its clusters are healthy: `fleetctl rollout status %s`.\n\n", pw.Number, pw.Key, pw.Name(), link, id)
	} else {
		fmt.Fprintf(&b, "First wave. When it is merged and healthy, `fleetctl rollout status %s` says whether the next may go.\n\n", id)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// printWaves prints what a change in waves did (or, in a dry run, would do), wave by wave.
func printWaves(out, errOut io.Writer, split []rollout.Wave, bps []change.BranchPlan, results []*change.Result, id string, publish bool) {
	var made []string
	for i, res := range results {
		wv := split[i]
		fmt.Fprintf(out, "%s: %s\n", wv.Describe(), strings.Join(wv.Clusters, ", "))
		if res.DryRun && res.NoOp == "" {
			printer.Write(out, errOut, res, bps[i].Plan, "")
			continue
		}
		if res.NoOp != "" {
			fmt.Fprintf(out, "  nothing to change: %s\n", res.NoOp)
			if res.Existing != "" {
				made = append(made, res.Existing)
			}
			continue
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(errOut, "warning: %s: %s\n", wv.Describe(), w)
		}
		for _, fr := range res.Files {
			fmt.Fprintf(out, "  %-8s %s\n", fr.Verb, fr.Path)
		}
		fmt.Fprintf(out, "  branch   %s\n  commit   %s %s\n", res.Branch, res.Commit[:12], strings.SplitN(bps[i].Plan.Message, "\n", 2)[0])
		made = append(made, res.Branch)
	}
	if len(results) == 0 || results[0].DryRun || len(made) == 0 {
		return
	}
	fmt.Fprintf(out, "base     %s, for every wave\n", results[0].Base)
	fmt.Fprintf(out, "HEAD, the index and the working tree are as they were: the waves are branches, to push and merge in order\n")
	if publish {
		fmt.Fprintf(out, "next: merge wave 1 first; fleetctl rollout status %s says when the next wave may go\n", id)
		return
	}
	fmt.Fprintf(out, "next: git push origin %s (or run again with --pr), then merge wave 1 first; fleetctl rollout status %s says when the next wave may go\n", strings.Join(made, " "), id)
}
