package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fleetplan"
	"github.com/fleetctl/fleetctl/pkg/forge"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// Publish is what --push and --pr do after a write committed on branch: push the branch (only
// it), then, with pr, open its pull request against base or update the one it has. title is the
// commit subject; the body is the plan of the merge.
type Publish struct {
	Repo   *gitrepo.Repo
	Fleet  *fleet.Fleet
	Branch string
	// Base is the branch the pull request targets ("main", not "origin/main").
	Base  string
	Title string
	PR    bool
	// Labels, Reviewers and Draft come from the flags, else git.pr in the config.
	Labels    []string
	Reviewers []string
	Draft     bool
	// Preamble, when set, opens the pull request's body (markdown), before the plan.
	Preamble string
	// Pushed says the branch is only the remote's (a remote-tracking branch): nothing to push.
	Pushed bool
}

// forgeRepo reads the remote of the fleet repo as a forge repository; err is set when its
// provider is not known (a push still works then, a pull request does not).
func (f *Factory) forgeRepo(repo *gitrepo.Repo, cfg config.Config) (remoteURL string, fr forge.Repo, err error) {
	remoteURL, err = repo.RemoteURL(cfg.Git.Remote)
	if err != nil {
		return "", fr, err
	}
	hosts := map[string]forge.Provider{}
	for _, h := range cfg.Git.Hosts {
		hosts[h.Host] = forge.Provider(h.Provider)
	}
	fr, err = forge.Parse(remoteURL, forge.Options{Hosts: hosts})
	var unknown *forge.UnknownHostError
	if errors.As(err, &unknown) && cfg.Git.Provider != "" {
		// git.provider says what the remote's host is.
		hosts[unknown.Host] = forge.Provider(cfg.Git.Provider)
		fr, err = forge.Parse(remoteURL, forge.Options{Hosts: hosts})
	}
	return remoteURL, fr, err
}

// credentials are the push's: a token from the environment for HTTPS, a key file or the agent for
// SSH. The token is never printed.
func (f *Factory) credentials(provider forge.Provider) gitrepo.Credentials {
	token, source := forge.Token(provider, f.Getenv)
	c := gitrepo.Credentials{Token: token, TokenSource: source, SSHKeyFile: f.Getenv("FLEETCTL_SSH_KEY"),
		SSHKeyPassphrase: f.Getenv("FLEETCTL_SSH_KEY_PASSPHRASE")}
	if v := f.Getenv("SSH_KNOWN_HOSTS"); v != "" {
		c.KnownHosts = strings.Split(v, ":")
	}
	switch provider {
	case forge.GitHub:
		c.Username = "x-access-token"
	case forge.GitLab:
		c.Username = "oauth2"
	case forge.AzureDevOps:
		c.Username = "fleetctl" // any non-empty user; the PAT is the password
	}
	if u := f.Getenv("FLEETCTL_GIT_USERNAME"); u != "" {
		c.Username = u
	}
	return c
}

// Publish pushes and, with p.PR, opens or updates the pull request, printing what it did. url is the
// pull request's page, or the web form that opens one when there is no token ("" without p.PR).
func (f *Factory) Publish(p Publish) (url string, err error) {
	cfg := p.Fleet.Config
	remoteURL, fr, ferr := f.forgeRepo(p.Repo, cfg)
	if remoteURL == "" {
		return "", ferr
	}
	creds := f.credentials(fr.Provider)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if !p.Pushed {
		if err := p.Repo.Push(ctx, gitrepo.PushOptions{Remote: cfg.Git.Remote, Branch: p.Branch, Credentials: creds}); err != nil {
			return "", err
		}
		fmt.Fprintf(f.IO.Out, "pushed branch %s to %s (%s)\n", p.Branch, cfg.Git.Remote, remoteURL)
	}
	if !p.PR {
		return "", nil
	}
	if ferr != nil {
		return "", fmt.Errorf("pull request: %w", ferr)
	}
	if creds.Token == "" {
		form := fr.NewPullRequestURL(p.Branch, p.Base, p.Title)
		fmt.Fprintf(f.IO.Out, "no token in %s: open the pull request at\n  %s\n", strings.Join(forge.TokenVars(fr.Provider), " or "), form)
		return form, nil
	}
	body, err := f.planBody(p)
	if err != nil {
		// The pull request still opens; the reviewer is told why the plan is missing.
		body = fmt.Sprintf("fleetctl could not compute the plan of this change: %s\n\nRun `fleetctl validate` and `fleetctl plan` in a checkout of this branch.\n", err)
	}
	body = p.Preamble + body
	client, err := forge.NewClient(fr, creds.Token, &http.Client{Timeout: time.Minute},
		forge.WithTokenSource(creds.TokenSource), forge.WithUserAgent("fleetctl/"+f.Build.Version))
	if err != nil {
		return "", err
	}
	o := forge.PROptions{Title: p.Title, Body: body, Head: p.Branch, Base: p.Base,
		Labels: pick(p.Labels, cfg.Git.PR.Labels), Reviewers: pick(p.Reviewers, cfg.Git.PR.Reviewers), Draft: p.Draft || cfg.Git.PR.Draft}
	pr, created, err := forge.Upsert(ctx, client, o)
	if err != nil {
		return "", fmt.Errorf("pull request for %s on %s: %w (the branch is pushed; fleetctl pr open retries)", p.Branch, fr, err)
	}
	verb := "updated"
	if created {
		verb = "opened"
	}
	fmt.Fprintf(f.IO.Out, "%s pull request #%d: %s\n", verb, pr.Number, pr.URL)
	return pr.URL, nil
}

func pick(flag, cfg []string) []string {
	if len(flag) > 0 {
		return flag
	}
	return cfg
}

// planBody is the plan of merging the pushed branch into the base, as markdown.
func (f *Factory) planBody(p Publish) (string, error) {
	head, err := p.Repo.Snapshot(p.Branch)
	if err != nil && p.Pushed {
		head, err = p.Repo.Snapshot(p.Fleet.Config.Git.Remote + "/" + p.Branch)
	}
	if err != nil {
		return "", err
	}
	base, err := p.Repo.Snapshot(p.Base)
	if err != nil {
		if base, err = p.Repo.Snapshot(p.Fleet.Config.Git.Remote + "/" + p.Base); err != nil {
			return "", fmt.Errorf("pull request: the base branch %s is not in this repository", p.Base)
		}
	}
	plan, err := fleetplan.Compute(fleetplan.Options{Head: p.Fleet.WithFS(head), Base: p.Fleet.WithFS(base), HeadName: p.Branch, BaseName: p.Base})
	if err != nil {
		return "", fmt.Errorf("pull request: the plan: %w", err)
	}
	var b bytes.Buffer
	if err := fleetplan.Markdown(&b, plan); err != nil {
		return "", err
	}
	b.WriteString("\n---\n_Opened by fleetctl. `fleetctl plan` in a checkout of this branch shows the same plan._\n")
	return b.String(), nil
}

// BaseBranchName is the branch name a pull request targets for a base revision as resolved
// ("origin/main" → "main"); a commit or HEAD gives the repository's default branch.
func BaseBranchName(repo *gitrepo.Repo, ref, remote string) (string, error) {
	ref = strings.TrimPrefix(ref, "refs/heads/")
	ref = strings.TrimPrefix(ref, "refs/remotes/")
	if b, ok := strings.CutPrefix(ref, remote+"/"); ok {
		return b, nil
	}
	if ok, _ := repo.BranchExists(ref); ok {
		return ref, nil
	}
	if d := repo.DefaultBranch(); d != "" {
		return strings.TrimPrefix(d, remote+"/"), nil
	}
	return "", errors.New("pull request: no base branch to target: set git.baseBranch")
}

// ShowPR prints the open pull request of branch into base (pr status), or its web page (pr url,
// urlOnly), falling back to the web form that opens one.
func (f *Factory) ShowPR(repo *gitrepo.Repo, fl *fleet.Fleet, branch, base string, urlOnly bool) error {
	_, fr, err := f.forgeRepo(repo, fl.Config)
	if err != nil {
		return err
	}
	form := fr.NewPullRequestURL(branch, base, "")
	token, source := forge.Token(fr.Provider, f.Getenv)
	if token == "" {
		if urlOnly {
			fmt.Fprintln(f.IO.Out, form)
			return nil
		}
		return fmt.Errorf("no token in %s to ask %s about pull requests; the form that opens one: %s",
			strings.Join(forge.TokenVars(fr.Provider), " or "), fr.Host, form)
	}
	client, err := forge.NewClient(fr, token, &http.Client{Timeout: time.Minute},
		forge.WithTokenSource(source), forge.WithUserAgent("fleetctl/"+f.Build.Version))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pr, err := client.FindOpen(ctx, branch, base)
	if err != nil {
		return err
	}
	switch {
	case pr == nil && urlOnly:
		fmt.Fprintln(f.IO.Out, form)
	case pr == nil:
		fmt.Fprintf(f.IO.Out, "no open pull request for %s into %s; fleetctl pr open opens one\n", branch, base)
		return ErrSilent
	case urlOnly:
		fmt.Fprintln(f.IO.Out, pr.URL)
	default:
		state := string(pr.State)
		if pr.Draft {
			state += " (draft)"
		}
		fmt.Fprintf(f.IO.Out, "#%d %s: %s\n  %s into %s\n  %s\n", pr.Number, state, pr.Title, branch, base, pr.URL)
	}
	return nil
}
