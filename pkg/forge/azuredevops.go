package forge

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// azureAPIVersion is the REST API version every call names (learn.microsoft.com/rest/api/azure/devops/git).
const azureAPIVersion = "7.1"

// azureMaxDescription is the longest description Azure DevOps takes, in characters.
const azureMaxDescription = 4000

// azureClient speaks the Azure DevOps Services and Server REST API, Git area.
type azureClient struct {
	repo       Repo
	rest       *restClient
	identities *restClient // Identities API: vssps.dev.azure.com on Services, the collection on Server
	prs        string      // "{project}/_apis/git/repositories/{repo}/pullrequests"
}

func newAzure(repo Repo, base *url.URL, token string, hc *http.Client, cfg clientConfig, f failer) *azureClient {
	ids := *base
	if strings.EqualFold(base.Host, "dev.azure.com") {
		ids.Host = "vssps.dev.azure.com"
	}
	// A PAT goes as Basic with an empty user name.
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+token))
	c := authClient(hc, "Authorization", auth, cfg.userAgent, base.Host, ids.Host)
	inner := c.Transport
	// Ask for a 401 instead of a redirect to the sign-in page.
	c.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r2 := r.Clone(r.Context())
		r2.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
		return inner.RoundTrip(r2)
	})
	return &azureClient{
		repo:       repo,
		rest:       &restClient{hc: c, base: base, f: f, message: jsonMessage},
		identities: &restClient{hc: c, base: &ids, f: f, message: jsonMessage},
		prs:        url.PathEscape(repo.Project) + "/_apis/git/repositories/" + url.PathEscape(repo.Name) + "/pullrequests",
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type azurePR struct {
	PullRequestID int    `json:"pullRequestId"`
	Status        string `json:"status"`
	Title         string `json:"title"`
	IsDraft       bool   `json:"isDraft"`
	SourceRefName string `json:"sourceRefName"`
	TargetRefName string `json:"targetRefName"`
	ForkSource    *struct {
		Name string `json:"name"`
	} `json:"forkSource"`
}

type azureList struct {
	Value []azurePR `json:"value"`
	Count int       `json:"count"`
}

func (c *azureClient) pr(p azurePR) *PR {
	red := c.rest.f.red
	state := StateOpen
	switch p.Status {
	case "completed":
		state = StateMerged
	case "abandoned":
		state = StateClosed
	}
	return &PR{
		Number: p.PullRequestID,
		URL:    c.repo.PullRequestURL(p.PullRequestID),
		State:  state,
		Title:  red.String(p.Title),
		Draft:  p.IsDraft,
		Head:   red.String(trimRef(p.SourceRefName)),
		Base:   red.String(trimRef(p.TargetRefName)),
	}
}

func version(q url.Values) url.Values {
	if q == nil {
		q = url.Values{}
	}
	q.Set("api-version", azureAPIVersion)
	return q
}

func headsRef(b string) string {
	if strings.HasPrefix(b, "refs/") {
		return b
	}
	return "refs/heads/" + b
}

func (c *azureClient) what(id int) string {
	return fmt.Sprintf("pull request %d in %s", id, c.repo.FullName())
}

func (c *azureClient) FindOpen(ctx context.Context, head, base string) (*PR, error) {
	q := url.Values{
		"searchCriteria.sourceRefName": {headsRef(head)},
		"searchCriteria.targetRefName": {headsRef(base)},
		"searchCriteria.status":        {"active"},
	}
	var list azureList
	if err := c.rest.call(ctx, "find open pull request", http.MethodGet, c.prs, version(q), nil, &list, ""); err != nil {
		return nil, err
	}
	for _, p := range list.Value {
		if p.ForkSource == nil && p.SourceRefName == headsRef(head) && p.TargetRefName == headsRef(base) {
			return c.pr(p), nil
		}
	}
	return nil, nil
}

func (c *azureClient) Get(ctx context.Context, number int) (*PR, error) {
	var p azurePR
	if err := c.rest.call(ctx, fmt.Sprintf("get pull request %d", number), http.MethodGet, c.prs+"/"+strconv.Itoa(number), version(nil), nil, &p, c.what(number)); err != nil {
		return nil, err
	}
	return c.pr(p), nil
}

type azureLabel struct {
	Name string `json:"name"`
}

type azureIdentityRef struct {
	ID string `json:"id"`
}

type azureCreate struct {
	SourceRefName string             `json:"sourceRefName"`
	TargetRefName string             `json:"targetRefName"`
	Title         string             `json:"title"`
	Description   string             `json:"description,omitempty"`
	IsDraft       bool               `json:"isDraft,omitempty"`
	Labels        []azureLabel       `json:"labels,omitempty"`
	Reviewers     []azureIdentityRef `json:"reviewers,omitempty"`
}

func (c *azureClient) Create(ctx context.Context, o PROptions) (*PR, error) {
	const op = "create pull request"
	if err := o.check(); err != nil {
		return nil, err
	}
	reviewers, err := c.reviewerIDs(ctx, op, o.Reviewers)
	if err != nil {
		return nil, err
	}
	in := azureCreate{
		SourceRefName: headsRef(o.Head),
		TargetRefName: headsRef(o.Base),
		Title:         o.Title,
		Description:   azureDescription(o.Body),
		IsDraft:       o.Draft,
		Reviewers:     reviewers,
	}
	for _, l := range o.Labels {
		in.Labels = append(in.Labels, azureLabel{Name: l})
	}
	var p azurePR
	if err := c.rest.call(ctx, op, http.MethodPost, c.prs, version(nil), in, &p, ""); err != nil {
		return nil, err
	}
	return c.pr(p), nil
}

type azureUpdate struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	IsDraft     *bool  `json:"isDraft,omitempty"`
}

func (c *azureClient) Update(ctx context.Context, number int, o PROptions) (*PR, error) {
	op := fmt.Sprintf("update pull request %d", number)
	path := c.prs + "/" + strconv.Itoa(number)
	reviewers, err := c.reviewerIDs(ctx, op, o.Reviewers)
	if err != nil {
		return nil, err
	}
	draft := o.Draft
	in := azureUpdate{Title: o.Title, Description: azureDescription(o.Body), IsDraft: &draft}
	var p azurePR
	if err := c.rest.call(ctx, op, http.MethodPatch, path, version(nil), in, &p, c.what(number)); err != nil {
		return nil, err
	}
	pr := c.pr(p)
	for _, l := range o.Labels {
		if err := c.rest.call(ctx, op+": add label "+l, http.MethodPost, path+"/labels", version(nil), azureLabel{Name: l}, nil, c.what(number)); err != nil {
			return pr, err
		}
	}
	if len(reviewers) > 0 {
		if err := c.rest.call(ctx, op+": add reviewers", http.MethodPost, path+"/reviewers", version(nil), reviewers, nil, c.what(number)); err != nil {
			return pr, err
		}
	}
	return pr, nil
}

// azureDescription cuts a body to what Azure DevOps takes, saying so at the end.
func azureDescription(s string) string {
	if utf8.RuneCountInString(s) <= azureMaxDescription {
		return s
	}
	const more = "\n\n… (cut to Azure DevOps' 4000 characters)"
	return string([]rune(s)[:azureMaxDescription-utf8.RuneCountInString(more)]) + more
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

type azureIdentities struct {
	Count int `json:"count"`
	Value []struct {
		ID                  string `json:"id"`
		ProviderDisplayName string `json:"providerDisplayName"`
	} `json:"value"`
}

// reviewerIDs turns reviewers into identity ids: an id is kept, an e-mail address or a name is
// looked up with the Identities API, which must find exactly one.
func (c *azureClient) reviewerIDs(ctx context.Context, op string, names []string) ([]azureIdentityRef, error) {
	var out []azureIdentityRef
	for _, name := range names {
		name = strings.TrimPrefix(strings.TrimSpace(name), "@")
		id := name
		if !guidRE.MatchString(name) {
			q := url.Values{"searchFilter": {"General"}, "filterValue": {name}, "queryMembership": {"None"}}
			var found azureIdentities
			if err := c.identities.call(ctx, op+": look up reviewer "+name, http.MethodGet, "_apis/identities", version(q), nil, &found, "identity "+name); err != nil {
				return nil, err
			}
			switch len(found.Value) {
			case 0:
				return nil, fmt.Errorf("%s: reviewer %q: no such identity in %s: give an e-mail address or an identity id", op, name, c.repo.Owner)
			case 1:
				id = found.Value[0].ID
			default:
				return nil, fmt.Errorf("%s: reviewer %q matches %d identities: give an e-mail address or an identity id", op, name, len(found.Value))
			}
		}
		out = append(out, azureIdentityRef{ID: id})
	}
	return out, nil
}
