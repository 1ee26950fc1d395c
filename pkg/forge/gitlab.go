package forge

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// gitlabDraftPrefixes are the title prefixes GitLab reads as a draft.
var gitlabDraftPrefixes = []string{"Draft:", "[Draft]", "(Draft)"}

// gitlabClient speaks GitLab's REST API v4 (docs.gitlab.com/api/merge_requests).
type gitlabClient struct {
	repo    Repo
	rest    *restClient
	project string // the URL-encoded project path, "group%2Fsub%2Frepo"
}

func newGitLab(repo Repo, base *url.URL, token string, hc *http.Client, cfg clientConfig, f failer) *gitlabClient {
	return &gitlabClient{
		repo: repo,
		// A personal, project or group access token goes in Authorization: Bearer, which Go's
		// HTTP client also drops on a redirect to another host.
		rest:    &restClient{hc: authClient(hc, "Authorization", "Bearer "+token, cfg.userAgent, base.Host), base: base, f: f, message: jsonMessage},
		project: url.PathEscape(repo.Owner + "/" + repo.Name),
	}
}

type gitlabMR struct {
	IID             int          `json:"iid"`
	Title           string       `json:"title"`
	State           string       `json:"state"`
	WebURL          string       `json:"web_url"`
	Draft           bool         `json:"draft"`
	WorkInProgress  bool         `json:"work_in_progress"`
	SourceBranch    string       `json:"source_branch"`
	TargetBranch    string       `json:"target_branch"`
	SourceProjectID int          `json:"source_project_id"`
	TargetProjectID int          `json:"target_project_id"`
	Reviewers       []gitlabUser `json:"reviewers"`
}

type gitlabUser struct {
	ID       int    `json:"id"`
	Username string `json:"username"`
}

func (c *gitlabClient) pr(m gitlabMR) *PR {
	red := c.rest.f.red
	title, prefixed := stripDraft(m.Title, gitlabDraftPrefixes)
	state := StateOpen
	switch m.State {
	case "closed":
		state = StateClosed
	case "merged":
		state = StateMerged
	}
	return &PR{
		Number: m.IID,
		URL:    red.String(m.WebURL),
		State:  state,
		Title:  red.String(title),
		Draft:  m.Draft || m.WorkInProgress || prefixed,
		Head:   red.String(m.SourceBranch),
		Base:   red.String(m.TargetBranch),
	}
}

func (c *gitlabClient) mrPath(iid int) string {
	return "projects/" + c.project + "/merge_requests/" + strconv.Itoa(iid)
}

func (c *gitlabClient) what(iid int) string {
	return fmt.Sprintf("merge request !%d in %s", iid, c.repo.FullName())
}

func (c *gitlabClient) FindOpen(ctx context.Context, head, base string) (*PR, error) {
	q := url.Values{"source_branch": {head}, "target_branch": {base}, "state": {"opened"}}
	var list []gitlabMR
	if err := c.rest.call(ctx, "find open merge request", http.MethodGet, "projects/"+c.project+"/merge_requests", q, nil, &list, ""); err != nil {
		return nil, err
	}
	for _, m := range list {
		if m.SourceProjectID == m.TargetProjectID && m.SourceBranch == head && m.TargetBranch == base {
			return c.pr(m), nil
		}
	}
	return nil, nil
}

func (c *gitlabClient) Get(ctx context.Context, number int) (*PR, error) {
	var m gitlabMR
	if err := c.rest.call(ctx, fmt.Sprintf("get merge request !%d", number), http.MethodGet, c.mrPath(number), nil, nil, &m, c.what(number)); err != nil {
		return nil, err
	}
	return c.pr(m), nil
}

type gitlabCreate struct {
	SourceBranch string `json:"source_branch"`
	TargetBranch string `json:"target_branch"`
	Title        string `json:"title"`
	Description  string `json:"description,omitempty"`
	Labels       string `json:"labels,omitempty"`
	ReviewerIDs  []int  `json:"reviewer_ids,omitempty"`
}

func (c *gitlabClient) Create(ctx context.Context, o PROptions) (*PR, error) {
	const op = "create merge request"
	if err := o.check(); err != nil {
		return nil, err
	}
	ids, err := c.reviewerIDs(ctx, op, o.Reviewers)
	if err != nil {
		return nil, err
	}
	in := gitlabCreate{
		SourceBranch: o.Head,
		TargetBranch: o.Base,
		Title:        draftTitle(o.Title, o.Draft, "Draft: ", gitlabDraftPrefixes),
		Description:  o.Body,
		Labels:       strings.Join(o.Labels, ","),
		ReviewerIDs:  ids,
	}
	var m gitlabMR
	if err := c.rest.call(ctx, op, http.MethodPost, "projects/"+c.project+"/merge_requests", nil, in, &m, ""); err != nil {
		return nil, err
	}
	return c.pr(m), nil
}

type gitlabUpdate struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	AddLabels   string `json:"add_labels,omitempty"`
	ReviewerIDs []int  `json:"reviewer_ids,omitempty"`
}

func (c *gitlabClient) Update(ctx context.Context, number int, o PROptions) (*PR, error) {
	op := fmt.Sprintf("update merge request !%d", number)
	in := gitlabUpdate{Description: o.Body, AddLabels: strings.Join(o.Labels, ",")}
	if o.Title != "" {
		in.Title = draftTitle(o.Title, o.Draft, "Draft: ", gitlabDraftPrefixes)
	}
	if len(o.Reviewers) > 0 {
		// reviewer_ids replaces the reviewers: keep the ones the merge request has.
		ids, err := c.reviewerIDs(ctx, op, o.Reviewers)
		if err != nil {
			return nil, err
		}
		var cur gitlabMR
		if err := c.rest.call(ctx, op, http.MethodGet, c.mrPath(number), nil, nil, &cur, c.what(number)); err != nil {
			return nil, err
		}
		for _, r := range cur.Reviewers {
			in.ReviewerIDs = append(in.ReviewerIDs, r.ID)
		}
		for _, id := range ids {
			if !containsInt(in.ReviewerIDs, id) {
				in.ReviewerIDs = append(in.ReviewerIDs, id)
			}
		}
	}
	var m gitlabMR
	if err := c.rest.call(ctx, op, http.MethodPut, c.mrPath(number), nil, in, &m, c.what(number)); err != nil {
		return nil, err
	}
	return c.pr(m), nil
}

// reviewerIDs looks each user name up: GitLab takes reviewers by id.
func (c *gitlabClient) reviewerIDs(ctx context.Context, op string, names []string) ([]int, error) {
	var ids []int
	for _, name := range names {
		user, team := reviewer(name)
		if team != "" {
			return nil, fmt.Errorf("%s: reviewer %q: GitLab takes users as reviewers, not groups", op, name)
		}
		var found []gitlabUser
		if err := c.rest.call(ctx, op+": look up reviewer "+user, http.MethodGet, "users", url.Values{"username": {user}}, nil, &found, "user "+user); err != nil {
			return nil, err
		}
		id := 0
		for _, u := range found {
			if strings.EqualFold(u.Username, user) {
				id = u.ID
			}
		}
		if id == 0 {
			return nil, fmt.Errorf("%s: reviewer %q: no such user on %s", op, user, c.repo.Host)
		}
		if !containsInt(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func containsInt(list []int, n int) bool {
	for _, v := range list {
		if v == n {
			return true
		}
	}
	return false
}
