package forge

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"code.gitea.io/sdk/gitea"
)

// giteaDraftPrefixes are the title prefixes Gitea and Forgejo read as work in progress
// (their WORK_IN_PROGRESS_PREFIXES default).
var giteaDraftPrefixes = []string{"WIP:", "[WIP]"}

// giteaPageSize is the page size of list calls: Gitea's default MAX_RESPONSE_ITEMS.
const giteaPageSize = 50

// giteaMaxPages bounds the pages a list call reads.
const giteaMaxPages = 20

// giteaClient speaks the Gitea and Forgejo API v1 through Gitea's SDK.
type giteaClient struct {
	repo Repo
	url  string // the server's root, the SDK adds /api/v1
	hc   *http.Client
	ua   string
	f    failer
}

func newGitea(repo Repo, base *url.URL, token string, hc *http.Client, cfg clientConfig, f failer) (*giteaClient, error) {
	root, ok := strings.CutSuffix(base.String(), "/api/v1/")
	if !ok {
		return nil, fmt.Errorf("repository %s: Gitea API URL must end in /api/v1/", repo)
	}
	return &giteaClient{
		repo: repo,
		url:  root,
		hc:   authClient(hc, "Authorization", "token "+token, cfg.userAgent, base.Host),
		ua:   cfg.userAgent,
		f:    f,
	}, nil
}

// sdk makes a client for one call: the SDK takes its context per client, not per call. The
// server's version is not asked for (it costs a request and Forgejo's numbers mislead it).
func (c *giteaClient) sdk(ctx context.Context) (*gitea.Client, error) {
	return gitea.NewClient(c.url,
		gitea.SetHTTPClient(c.hc),
		gitea.SetGiteaVersion(""),
		gitea.SetContext(ctx),
		gitea.SetUserAgent(c.ua))
}

func (c *giteaClient) fail(op string, resp *gitea.Response, err error, what string) error {
	if resp != nil && resp.Response != nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
		return c.f.status(op, resp.StatusCode, err.Error(), what)
	}
	if resp != nil && resp.Response != nil {
		return c.f.invalid(op, resp.StatusCode, err.Error())
	}
	return c.f.transport(op, err)
}

func (c *giteaClient) pr(p *gitea.PullRequest) *PR {
	red := c.f.red
	title, prefixed := stripDraft(p.Title, giteaDraftPrefixes)
	state := StateOpen
	switch {
	case p.HasMerged || p.Merged != nil:
		state = StateMerged
	case p.State == gitea.StateClosed:
		state = StateClosed
	}
	pr := &PR{
		Number: int(p.Index),
		URL:    red.String(p.HTMLURL),
		State:  state,
		Title:  red.String(title),
		Draft:  p.Draft || prefixed,
	}
	if p.Head != nil {
		pr.Head = red.String(p.Head.Ref)
	}
	if p.Base != nil {
		pr.Base = red.String(p.Base.Ref)
	}
	return pr
}

func (c *giteaClient) what(number int) string {
	return fmt.Sprintf("pull request #%d in %s", number, c.repo.FullName())
}

func (c *giteaClient) FindOpen(ctx context.Context, head, base string) (*PR, error) {
	const op = "find open pull request"
	g, err := c.sdk(ctx)
	if err != nil {
		return nil, c.f.plain(op, err)
	}
	for page := 1; page <= giteaMaxPages; page++ {
		list, resp, err := g.ListRepoPullRequests(c.repo.Owner, c.repo.Name, gitea.ListPullRequestsOptions{
			ListOptions: gitea.ListOptions{Page: page, PageSize: giteaPageSize},
			State:       gitea.StateOpen,
		})
		if err != nil {
			return nil, c.fail(op, resp, err, "")
		}
		for _, p := range list {
			if p.Head == nil || p.Base == nil || p.Head.Ref != head || p.Base.Ref != base {
				continue
			}
			if p.Head.Repository != nil && p.Base.Repository != nil && p.Head.Repository.ID != p.Base.Repository.ID {
				continue // from a fork
			}
			return c.pr(p), nil
		}
		if len(list) < giteaPageSize {
			break
		}
	}
	return nil, nil
}

func (c *giteaClient) Get(ctx context.Context, number int) (*PR, error) {
	op := fmt.Sprintf("get pull request #%d", number)
	g, err := c.sdk(ctx)
	if err != nil {
		return nil, c.f.plain(op, err)
	}
	p, resp, err := g.GetPullRequest(c.repo.Owner, c.repo.Name, int64(number))
	if err != nil {
		return nil, c.fail(op, resp, err, c.what(number))
	}
	return c.pr(p), nil
}

func (c *giteaClient) Create(ctx context.Context, o PROptions) (*PR, error) {
	const op = "create pull request"
	if err := o.check(); err != nil {
		return nil, err
	}
	g, err := c.sdk(ctx)
	if err != nil {
		return nil, c.f.plain(op, err)
	}
	labels, err := c.labelIDs(g, op, o.Labels)
	if err != nil {
		return nil, err
	}
	p, resp, err := g.CreatePullRequest(c.repo.Owner, c.repo.Name, gitea.CreatePullRequestOption{
		Head:   o.Head,
		Base:   o.Base,
		Title:  draftTitle(o.Title, o.Draft, "WIP: ", giteaDraftPrefixes),
		Body:   o.Body,
		Labels: labels,
	})
	if err != nil {
		return nil, c.fail(op, resp, err, "")
	}
	pr := c.pr(p)
	if err := c.requestReviews(g, fmt.Sprintf("opened pull request #%d at %s but could not request reviewers", pr.Number, pr.URL), pr.Number, o.Reviewers); err != nil {
		return pr, err
	}
	return pr, nil
}

func (c *giteaClient) Update(ctx context.Context, number int, o PROptions) (*PR, error) {
	op := fmt.Sprintf("update pull request #%d", number)
	g, err := c.sdk(ctx)
	if err != nil {
		return nil, c.f.plain(op, err)
	}
	labels, err := c.labelIDs(g, op, o.Labels)
	if err != nil {
		return nil, err
	}
	in := gitea.EditPullRequestOption{}
	if o.Title != "" {
		in.Title = draftTitle(o.Title, o.Draft, "WIP: ", giteaDraftPrefixes)
	}
	if o.Body != "" {
		in.Body = &o.Body
	}
	p, resp, err := g.EditPullRequest(c.repo.Owner, c.repo.Name, int64(number), in)
	if err != nil {
		return nil, c.fail(op, resp, err, c.what(number))
	}
	pr := c.pr(p)
	if len(labels) > 0 {
		// The edit's labels field replaces them all; this adds.
		if _, resp, err := g.AddIssueLabels(c.repo.Owner, c.repo.Name, int64(number), gitea.IssueLabelsOption{Labels: labels}); err != nil {
			return pr, c.fail(op+": add labels", resp, err, c.what(number))
		}
	}
	if err := c.requestReviews(g, op+": request reviewers", number, o.Reviewers); err != nil {
		return pr, err
	}
	return pr, nil
}

func (c *giteaClient) requestReviews(g *gitea.Client, op string, number int, reviewers []string) error {
	if len(reviewers) == 0 {
		return nil
	}
	var req gitea.PullReviewRequestOptions
	for _, r := range reviewers {
		if user, team := reviewer(r); team != "" {
			req.TeamReviewers = append(req.TeamReviewers, team)
		} else if user != "" {
			req.Reviewers = append(req.Reviewers, user)
		}
	}
	if resp, err := g.CreateReviewRequests(c.repo.Owner, c.repo.Name, int64(number), req); err != nil {
		return c.fail(op, resp, err, c.what(number))
	}
	return nil
}

// labelIDs looks the labels up by name: Gitea takes them by id.
func (c *giteaClient) labelIDs(g *gitea.Client, op string, names []string) ([]int64, error) {
	if len(names) == 0 {
		return nil, nil
	}
	byName := map[string]int64{}
	for page := 1; page <= giteaMaxPages; page++ {
		list, resp, err := g.ListRepoLabels(c.repo.Owner, c.repo.Name, gitea.ListLabelsOptions{
			ListOptions: gitea.ListOptions{Page: page, PageSize: giteaPageSize},
		})
		if err != nil {
			return nil, c.fail(op+": list labels", resp, err, "")
		}
		for _, l := range list {
			byName[strings.ToLower(l.Name)] = l.ID
		}
		if len(list) < giteaPageSize {
			break
		}
	}
	var ids []int64
	for _, n := range names {
		id, ok := byName[strings.ToLower(n)]
		if !ok {
			return nil, fmt.Errorf("%s: label %q does not exist in %s on %s: create it there first", op, n, c.repo.FullName(), c.repo.Host)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
