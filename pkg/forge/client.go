package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client opens and updates pull requests (GitLab: merge requests) of one repository.
type Client interface {
	// FindOpen returns the open pull request from head into base in the repository itself
	// (not from a fork), or nil, nil when there is none.
	FindOpen(ctx context.Context, head, base string) (*PR, error)
	// Create opens a pull request. When it was opened but its labels or reviewers could not be
	// set, Create returns it together with the error.
	Create(ctx context.Context, o PROptions) (*PR, error)
	// Update sets the title, body and (where the provider's API can change it) draft state of
	// pull request number, adds o.Labels and requests reviews from o.Reviewers. Empty fields
	// are left as they are; o.Head and o.Base are not used.
	Update(ctx context.Context, number int, o PROptions) (*PR, error)
	// Get returns pull request number.
	Get(ctx context.Context, number int) (*PR, error)
}

// PROptions describes a pull request to open or update.
type PROptions struct {
	Title string
	Body  string
	Head  string // the branch with the change
	Base  string // the branch it goes into
	// Labels are added by name. GitHub, GitLab and Azure DevOps make a label that does not
	// exist yet; on Gitea it must exist in the repository.
	Labels []string
	// Reviewers are user names; "org/team" names a team on GitHub and Gitea. On Azure DevOps
	// a reviewer is an e-mail address, a name or an identity id. A leading "@" is dropped.
	Reviewers []string
	// Draft opens the pull request as a draft: GitHub's and Azure DevOps' draft flag, GitLab's
	// "Draft: " and Gitea's "WIP: " title prefix.
	Draft bool
}

// State is where a pull request stands, the same words for every provider.
type State string

// The states of a pull request.
const (
	StateOpen   State = "open"
	StateClosed State = "closed" // closed, or abandoned on Azure DevOps, without merging
	StateMerged State = "merged" // merged, or completed on Azure DevOps
)

// PR is a pull request as the provider reports it.
type PR struct {
	Number int    // GitHub and Gitea number, GitLab iid, Azure DevOps pull request id
	URL    string // its web page
	State  State
	Title  string // without a draft prefix ("Draft: ", "WIP: "): Draft tells that
	Draft  bool
	Head   string // source branch, without refs/heads/
	Base   string // target branch, without refs/heads/
}

// Option changes how NewClient's client works.
type Option func(*clientConfig)

type clientConfig struct {
	source    string
	userAgent string
}

// WithTokenSource names the variable the token came from (as Token returns it), so an error
// can say which token the host rejected: "the token from $GITHUB_TOKEN rejected by github.com".
func WithTokenSource(name string) Option {
	return func(c *clientConfig) { c.source = name }
}

// WithUserAgent sets the User-Agent of every request; the default is "fleetctl".
func WithUserAgent(ua string) Option {
	return func(c *clientConfig) { c.userAgent = ua }
}

// DefaultTimeout bounds each request when NewClient is given no *http.Client.
const DefaultTimeout = 60 * time.Second

// NewClient returns the client for repo's provider, calling repo.APIBase with token. httpClient
// may be nil (then requests time out after DefaultTimeout); it is copied, not changed. The token
// is sent only to the API's own host, never after a redirect to another, and is never part of
// an error.
func NewClient(repo Repo, token string, httpClient *http.Client, opts ...Option) (Client, error) {
	cfg := clientConfig{userAgent: "fleetctl"}
	for _, o := range opts {
		o(&cfg)
	}
	if token == "" {
		return nil, fmt.Errorf("no token for %s at %s: set $%s", repo.Provider.Name(), repo.Host, strings.Join(TokenVars(repo.Provider), " or $"))
	}
	if repo.APIBase == "" {
		return nil, fmt.Errorf("repository %s has no API URL: make the Repo with Parse", repo)
	}
	base, err := url.Parse(repo.APIBase)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" || base.User != nil {
		return nil, fmt.Errorf("repository %s: API URL is not an http(s) URL without user info", repo)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
		base.RawPath = ""
	}
	repo.APIBase = base.String()
	f := newFailer(repo, token, cfg.source)
	switch repo.Provider {
	case GitHub:
		return newGitHub(repo, base, token, httpClient, cfg, f)
	case GitLab:
		return newGitLab(repo, base, token, httpClient, cfg, f), nil
	case AzureDevOps:
		return newAzure(repo, base, token, httpClient, cfg, f), nil
	case Gitea:
		return newGitea(repo, base, token, httpClient, cfg, f)
	}
	return nil, fmt.Errorf("repository %s: unknown provider %q", repo, repo.Provider)
}

// Upsert makes the pull request o describes exist: it updates the open one from o.Head into
// o.Base, or opens one when there is none, so running the same change again updates its pull
// request instead of opening a second. created tells which. When another run opened the pull
// request in between, Upsert updates that one.
func Upsert(ctx context.Context, c Client, o PROptions) (pr *PR, created bool, err error) {
	if err := o.check(); err != nil {
		return nil, false, err
	}
	for try := 0; ; try++ {
		pr, err = c.FindOpen(ctx, o.Head, o.Base)
		if err != nil {
			return nil, false, err
		}
		if pr != nil {
			pr, err = c.Update(ctx, pr.Number, o)
			return pr, false, err
		}
		pr, err = c.Create(ctx, o)
		if errors.Is(err, ErrExists) && try == 0 {
			continue
		}
		return pr, err == nil || pr != nil, err
	}
}

func (o PROptions) check() error {
	switch {
	case o.Head == "":
		return errors.New("pull request: no head branch")
	case o.Base == "":
		return errors.New("pull request: no base branch")
	case o.Head == o.Base:
		return fmt.Errorf("pull request: head and base are both %q: commit the change on its own branch", o.Head)
	case strings.TrimSpace(o.Title) == "":
		return errors.New("pull request: no title")
	}
	return nil
}

// authTransport adds the credential header to requests for the API's hosts only, so a
// redirect elsewhere does not carry the token.
type authTransport struct {
	base      http.RoundTripper
	hosts     []string // host[:port], lower case
	header    string
	value     string
	userAgent string
}

func (t *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	if t.userAgent != "" {
		r2.Header.Set("User-Agent", t.userAgent)
	}
	if containsString(t.hosts, strings.ToLower(r.URL.Host)) {
		r2.Header.Set(t.header, t.value)
	}
	return t.base.RoundTrip(r2)
}

// authClient copies hc (or a default client) with a transport that authenticates to hosts.
func authClient(hc *http.Client, header, value, userAgent string, hosts ...string) *http.Client {
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	c := *hc
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	lower := make([]string, len(hosts))
	for i, h := range hosts {
		lower[i] = strings.ToLower(h)
	}
	c.Transport = &authTransport{base: base, hosts: lower, header: header, value: value, userAgent: userAgent}
	return &c
}

// reviewer splits a reviewer name into a user, or the team of "org/team"; a leading "@" goes.
func reviewer(s string) (user, team string) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	if _, t, ok := strings.Cut(s, "/"); ok {
		return "", t
	}
	return s, ""
}

// draftTitle puts prefix before title for a draft and strips any of the known prefixes
// otherwise; the title's own text is kept.
func draftTitle(title string, draft bool, prefix string, known []string) string {
	t, _ := stripDraft(title, known)
	if draft {
		return prefix + t
	}
	return t
}

// stripDraft cuts a known draft prefix (case ignored) from title.
func stripDraft(title string, known []string) (string, bool) {
	for _, p := range known {
		if len(title) >= len(p) && strings.EqualFold(title[:len(p)], p) {
			return strings.TrimSpace(title[len(p):]), true
		}
	}
	return title, false
}

// trimRef drops refs/heads/ from a branch ref.
func trimRef(ref string) string { return strings.TrimPrefix(ref, "refs/heads/") }
