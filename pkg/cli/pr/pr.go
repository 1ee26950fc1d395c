// Package pr implements `fleetctl pr open|status|url`: the pull request of the current branch.
package pr

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// NewCmd returns `fleetctl pr`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.Group("pr", "Open, show or link the pull request of the current branch", nil,
		newOpenCmd(f, nil), newStatusCmd(f, nil), newURLCmd(f, nil))
}

// Options are shared by the three verbs.
type Options struct {
	f *cmdutil.Factory

	Base      string
	Labels    []string
	Reviewers []string
	Draft     bool

	verb   string
	fleet  *fleet.Fleet
	repo   *gitrepo.Repo
	branch string
}

// Complete finds the fleet repo, the current branch and the base branch.
func (o *Options) Complete() error {
	fl, repo, err := o.f.FleetRepo()
	if err != nil {
		return err
	}
	o.fleet, o.repo = fl, repo
	if o.branch, err = repo.CurrentBranch(); err != nil {
		return fmt.Errorf("pr %s: %w: check out the branch of the change", o.verb, err)
	}
	if o.Base == "" {
		o.Base = fl.Config.Git.BaseBranch
	}
	if o.Base == "" {
		o.Base = repo.DefaultBranch()
	}
	if o.Base, err = cmdutil.BaseBranchName(repo, o.Base, fl.Config.Git.Remote); err != nil {
		return err
	}
	return nil
}

// Validate refuses a pull request of the base branch into itself.
func (o *Options) Validate() error {
	if o.branch == o.Base {
		return cmdutil.FlagErrorf("the current branch is the base branch %s: check out the branch of the change (fleetctl commits each change on its own branch)", o.Base)
	}
	return nil
}

// Run does the verb.
func (o *Options) Run() error {
	switch o.verb {
	case "open":
		title, err := o.repo.CommitSubject(o.branch)
		if err != nil {
			return err
		}
		_, err = o.f.Publish(cmdutil.Publish{Repo: o.repo, Fleet: o.fleet, Branch: o.branch, Base: o.Base, Title: title,
			PR: true, Labels: o.Labels, Reviewers: o.Reviewers, Draft: o.Draft})
		return err
	default:
		return o.f.ShowPR(o.repo, o.fleet, o.branch, o.Base, o.verb == "url")
	}
}

func newCmd(f *cmdutil.Factory, verb, short, long string, runF func(*Options) error) (*cobra.Command, *Options) {
	o := &Options{f: f, verb: verb}
	cmd := &cobra.Command{
		Use:   verb,
		Short: short,
		Long:  long,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmdutil.RunSteps(o, runF) },
	}
	cmd.Flags().StringVar(&o.Base, "base", "", "branch the pull request targets (default: git.baseBranch, else the repo's default branch)")
	return cmd, o
}

func newOpenCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	cmd, o := newCmd(f, "open", "Push the current branch and open its pull request, or update the one it has",
		`Push the current branch (only it) to git.remote, then open its pull request against the base
branch with the branch's last commit subject as the title and the plan of the merge as the body;
when the branch already has an open pull request, update its title and body instead. Without a
token (FLEETCTL_GIT_TOKEN, or the provider's usual variable), print the web page that opens the
pull request form.`, runF)
	fl := cmd.Flags()
	fl.StringArrayVar(&o.Labels, "label", nil, "label of the pull request (repeatable; default git.pr.labels)")
	fl.StringArrayVar(&o.Reviewers, "reviewer", nil, "reviewer of the pull request (repeatable; default git.pr.reviewers)")
	fl.BoolVar(&o.Draft, "draft", false, "open the pull request as a draft (default git.pr.draft)")
	return cmd
}

func newStatusCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	cmd, _ := newCmd(f, "status", "Show the open pull request of the current branch",
		"Show the number, state, title and web page of the current branch's open pull request; exit 1 when it has none.", runF)
	return cmd
}

func newURLCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	cmd, _ := newCmd(f, "url", "Print the web page of the current branch's pull request, or of the form that opens it",
		"Print the web page of the current branch's open pull request; without one, or without a token, the page that opens the pull request form with the branch and the base filled in.", runF)
	return cmd
}
