package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v84/github"
)

// githubClient speaks GitHub's REST API (docs.github.com/rest/pulls) through go-github.
type githubClient struct {
	repo Repo
	gh   *github.Client
	f    failer
}

func newGitHub(repo Repo, base *url.URL, token string, hc *http.Client, cfg clientConfig, f failer) (*githubClient, error) {
	gh := github.NewClient(authClient(hc, "Authorization", "Bearer "+token, cfg.userAgent, base.Host))
	gh.BaseURL = base
	gh.UploadURL = base
	gh.UserAgent = cfg.userAgent
	return &githubClient{repo: repo, gh: gh, f: f}, nil
}

func (c *githubClient) pr(p *github.PullRequest) *PR {
	red := c.f.red
	state := StateOpen
	switch {
	case p.GetMerged() || p.MergedAt != nil:
		state = StateMerged
	case p.GetState() == "closed":
		state = StateClosed
	}
	return &PR{
		Number: p.GetNumber(),
		URL:    red.String(p.GetHTMLURL()),
		State:  state,
		Title:  red.String(p.GetTitle()),
		Draft:  p.GetDraft(),
		Head:   red.String(p.GetHead().GetRef()),
		Base:   red.String(p.GetBase().GetRef()),
	}
}

// fail turns a go-github error into an *Error; what names the object for a 404.
func (c *githubClient) fail(op string, err error, what string) error {
	var rl *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	var er *github.ErrorResponse
	switch {
	case errors.As(err, &rl):
		msg := rl.Message
		if !rl.Rate.Reset.IsZero() {
			msg += "; resets at " + rl.Rate.Reset.UTC().Format(time.TimeOnly) + " UTC"
		}
		return c.f.rateLimited(op, statusOf(rl.Response, http.StatusForbidden), msg)
	case errors.As(err, &abuse):
		msg := abuse.Message
		if abuse.RetryAfter != nil {
			msg += "; retry after " + abuse.RetryAfter.String()
		}
		return c.f.rateLimited(op, statusOf(abuse.Response, http.StatusForbidden), msg)
	case errors.As(err, &er) && er.Response != nil:
		msg := er.Message
		var details []string
		for _, e := range er.Errors {
			switch {
			case e.Message != "":
				details = append(details, e.Message)
			case e.Field != "":
				details = append(details, e.Field+": "+e.Code)
			case e.Code != "":
				details = append(details, e.Code)
			}
		}
		if len(details) > 0 {
			msg += " (" + strings.Join(details, "; ") + ")"
		}
		return c.f.status(op, er.Response.StatusCode, msg, what)
	}
	return c.f.transport(op, err)
}

func (c *githubClient) what(number int) string {
	return fmt.Sprintf("pull request #%d in %s", number, c.repo.FullName())
}

func (c *githubClient) FindOpen(ctx context.Context, head, base string) (*PR, error) {
	opts := &github.PullRequestListOptions{
		State:       "open",
		Head:        c.repo.Owner + ":" + head,
		Base:        base,
		ListOptions: github.ListOptions{PerPage: 10},
	}
	list, _, err := c.gh.PullRequests.List(ctx, c.repo.Owner, c.repo.Name, opts)
	if err != nil {
		return nil, c.fail("find open pull request", err, "")
	}
	for _, p := range list {
		if p.GetHead().GetRef() == head && p.GetBase().GetRef() == base {
			return c.pr(p), nil
		}
	}
	return nil, nil
}

func (c *githubClient) Get(ctx context.Context, number int) (*PR, error) {
	p, _, err := c.gh.PullRequests.Get(ctx, c.repo.Owner, c.repo.Name, number)
	if err != nil {
		return nil, c.fail(fmt.Sprintf("get pull request #%d", number), err, c.what(number))
	}
	return c.pr(p), nil
}

func (c *githubClient) Create(ctx context.Context, o PROptions) (*PR, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	in := &github.NewPullRequest{Title: &o.Title, Head: &o.Head, Base: &o.Base}
	if o.Body != "" {
		in.Body = &o.Body
	}
	if o.Draft {
		in.Draft = &o.Draft
	}
	p, _, err := c.gh.PullRequests.Create(ctx, c.repo.Owner, c.repo.Name, in)
	if err != nil {
		return nil, c.fail("create pull request", err, "")
	}
	pr := c.pr(p)
	return pr, c.decorate(ctx, pr.Number, func(action string) string {
		return fmt.Sprintf("opened pull request #%d at %s but could not %s", pr.Number, pr.URL, action)
	}, o)
}

func (c *githubClient) Update(ctx context.Context, number int, o PROptions) (*PR, error) {
	in := &github.PullRequest{}
	if o.Title != "" {
		in.Title = &o.Title
	}
	if o.Body != "" {
		in.Body = &o.Body
	}
	// The REST API cannot change the draft state (only GraphQL can): it is kept.
	op := fmt.Sprintf("update pull request #%d", number)
	p, _, err := c.gh.PullRequests.Edit(ctx, c.repo.Owner, c.repo.Name, number, in)
	if err != nil {
		return nil, c.fail(op, err, c.what(number))
	}
	pr := c.pr(p)
	return pr, c.decorate(ctx, number, func(action string) string { return op + ": " + action }, o)
}

// decorate adds labels (through the issues API) to pull request number and requests reviews;
// op names the failing step for an error.
func (c *githubClient) decorate(ctx context.Context, number int, op func(action string) string, o PROptions) error {
	if len(o.Labels) > 0 {
		if _, _, err := c.gh.Issues.AddLabelsToIssue(ctx, c.repo.Owner, c.repo.Name, number, o.Labels); err != nil {
			return c.fail(op("add labels"), err, c.what(number))
		}
	}
	if len(o.Reviewers) > 0 {
		var req github.ReviewersRequest
		for _, r := range o.Reviewers {
			if user, team := reviewer(r); team != "" {
				req.TeamReviewers = append(req.TeamReviewers, team)
			} else if user != "" {
				req.Reviewers = append(req.Reviewers, user)
			}
		}
		if _, _, err := c.gh.PullRequests.RequestReviewers(ctx, c.repo.Owner, c.repo.Name, number, req); err != nil {
			return c.fail(op("request reviewers"), err, c.what(number))
		}
	}
	return nil
}

func statusOf(r *http.Response, fallback int) int {
	if r == nil {
		return fallback
	}
	return r.StatusCode
}
