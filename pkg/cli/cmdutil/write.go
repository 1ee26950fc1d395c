package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/internal/printer"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// WriteFlags are the flags of every command that changes the fleet repo.
type WriteFlags struct {
	DryRun   bool
	NoCommit bool
	Branch   string
	From     string

	// Push pushes the new branch (and only it) to git.remote; PR opens or updates its pull request.
	Push      bool
	PR        bool
	Labels    []string
	Reviewers []string
	Draft     bool

	// NoConfig lets the command run on a repo without .fleetctl.yaml (the defaults stand in).
	NoConfig bool
}

// AddWriteFlags registers --dry-run, --no-commit, --branch, --from and the publishing flags
// (--push, --pr, --pr-label, --reviewer, --draft); defaultBranch describes the branch name used
// without --branch.
func AddWriteFlags(cmd *cobra.Command, w *WriteFlags, defaultBranch string) {
	fl := cmd.Flags()
	fl.BoolVar(&w.DryRun, "dry-run", false, "check the change as a real run would and print it as a unified diff; write nothing")
	fl.BoolVar(&w.NoCommit, "no-commit", false, "write the files in the working tree but do not branch or commit")
	fl.StringVar(&w.Branch, "branch", "", "branch to create (default "+defaultBranch+")")
	fl.StringVar(&w.From, "from", "", "revision the new branch starts from (default: the base branch: git.baseBranch, else origin's default branch, else main; HEAD for the current commit)")
	fl.BoolVar(&w.Push, "push", false, "push the new branch, and only it, to git.remote (default origin); git.push: true in .fleetctl.yaml does it always")
	fl.BoolVar(&w.PR, "pr", false, "push, then open the pull request against the base branch (or update the one the branch already has), with the plan as its body")
	fl.Var(appendStrings{&w.Labels}, "pr-label", "label of the pull request (repeatable; default git.pr.labels)")
	// --label was this flag's name before clusters had labels; it stays as a deprecated alias, except
	// on a command that registered its own --label first (cluster add: the cluster's labels).
	if fl.Lookup("label") == nil {
		fl.Var(appendStrings{&w.Labels}, "label", "label of the pull request (deprecated: use --pr-label)")
		_ = fl.MarkDeprecated("label", "use --pr-label")
	}
	fl.StringArrayVar(&w.Reviewers, "reviewer", nil, "reviewer of the pull request (repeatable; default git.pr.reviewers)")
	fl.BoolVar(&w.Draft, "draft", false, "open the pull request as a draft (default git.pr.draft)")
}

// Validate checks the write flags against each other and normalises --branch.
func (w *WriteFlags) Validate() error {
	if (w.Push || w.PR) && (w.DryRun || w.NoCommit) {
		return FlagErrorf("--push and --pr publish a commit: they cannot be combined with --dry-run or --no-commit")
	}
	if (len(w.Labels) > 0 || len(w.Reviewers) > 0 || w.Draft) && !w.PR {
		return FlagErrorf("--pr-label, --reviewer and --draft describe the pull request: add --pr")
	}
	if w.DryRun && w.NoCommit {
		return FlagErrorf("--dry-run and --no-commit: give one; --dry-run writes nothing at all")
	}
	if w.Branch != "" && w.NoCommit {
		return FlagErrorf("--branch and --no-commit: --branch names the branch of the commit, so it needs a commit")
	}
	if w.From != "" && w.NoCommit {
		return FlagErrorf("--from and --no-commit: --no-commit writes the working tree as it is, with no branch to start")
	}
	if b, ok := strings.CutPrefix(w.Branch, "refs/heads/"); ok {
		w.Branch = b
	} else if strings.HasPrefix(w.Branch, "refs/") {
		return FlagErrorf("--branch %q: must be a branch name (refs/heads/NAME or NAME), not another kind of ref", w.Branch)
	}
	if w.Branch != "" {
		if err := gitrepo.ValidateBranchName(w.Branch); err != nil {
			return FlagErrorf("--branch %q: %s", w.Branch, strings.TrimPrefix(err.Error(), "gitrepo: "))
		}
	}
	return nil
}

// RunWrite carries out a write command: it opens a change session on the fleet repo (repo lock,
// base branch, the view plans are computed on), lets plan compute the change with a fleet client
// on that view, applies it as the flags say, and prints what was done. command names the write in
// the repo lock and the journal ("cluster add atlantic-aks").
func (w WriteFlags) RunWrite(f *Factory, command string, plan func(*ops.Client) (*change.Plan, error)) error {
	fl, repo, err := f.FleetRepo()
	if w.NoConfig {
		fl, repo, err = f.AnyFleetRepo()
	}
	if err != nil {
		return err
	}
	s, err := change.Open(repo, change.Options{
		Command: command, DryRun: w.DryRun, NoCommit: w.NoCommit, From: w.From, Branch: w.Branch,
		BaseBranch: fl.Config.Git.BaseBranch, Exit: f.ExitOnSignal,
	})
	if err != nil {
		return err
	}
	defer s.Close()
	p, err := plan(ops.New(fl.WithFS(s.View)))
	if err != nil {
		return err
	}
	var author, committer gitrepo.Signature
	if !w.DryRun && !w.NoCommit {
		if author, committer, err = gitrepo.ResolveAuthor(repo, f.Getenv); err != nil {
			return err
		}
	}
	res, err := s.Apply(p, author, committer)
	if err != nil {
		return err
	}
	return w.finish(f, fl, repo, res, p)
}

// finish prints what a one-branch write did and pushes it and opens its pull request when asked.
func (w WriteFlags) finish(f *Factory, fl *fleet.Fleet, repo *gitrepo.Repo, res *change.Result, p *change.Plan) error {
	branch := res.Branch
	if branch == "" {
		branch = res.Existing // the same change again: its branch, pushed and its PR updated
	}
	publish := branch != "" && !w.DryRun && !w.NoCommit && (w.Push || w.PR || fl.Config.Git.Push)
	var next string
	switch {
	case publish && w.PR:
		next = "review and merge the pull request"
	case publish:
		next = "open a pull request for the pushed branch (fleetctl pr open)"
	}
	printer.Write(f.IO.Out, f.IO.ErrOut, res, p, next)
	if !publish {
		return nil
	}
	base, err := BaseBranchName(repo, res.Base.Ref, fl.Config.Git.Remote)
	if err != nil {
		return err
	}
	title, _, _ := strings.Cut(p.Message, "\n")
	_, err = f.Publish(Publish{Repo: repo, Fleet: fl, Branch: branch, Base: base, Title: strings.TrimSpace(title),
		PR: w.PR, Labels: w.Labels, Reviewers: w.Reviewers, Draft: w.Draft})
	return err
}
