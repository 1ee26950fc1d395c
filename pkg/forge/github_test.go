package forge_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/forge"
)

const ghToken = "ghp_TESTTOKEN0123456789abcdef"

// change is what a first run of "fleetctl cluster add atlantic-aks --pr" asks for; rerun is the
// same change run again, edited and ready for review.
var (
	change = forge.PROptions{
		Title:     "Add cluster atlantic-aks",
		Body:      "Adds capi/clusters/atlantic-aks/.",
		Head:      head,
		Base:      base,
		Labels:    []string{"fleet", "atlantic-aks"},
		Reviewers: []string{"@octocat", "acme/platform"},
		Draft:     true,
	}
	rerun = forge.PROptions{
		Title:     "Add cluster atlantic-aks (v2)",
		Body:      "Adds capi/clusters/atlantic-aks/ with three pools.",
		Head:      head,
		Base:      base,
		Labels:    []string{"fleet", "atlantic-aks"},
		Reviewers: []string{"@octocat", "acme/platform"},
	}
)

func githubClient(t *testing.T, s *script, remote, apiPath string) forge.Client {
	t.Helper()
	repo := mustParse(t, remote)
	repo.APIBase = s.URL() + apiPath
	c, err := forge.NewClient(repo, ghToken, nil, forge.WithTokenSource("GITHUB_TOKEN"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGitHubUpsertCreatesThenUpdates(t *testing.T) {
	list := q("state", "open", "head", "acme:"+head, "base", base, "per_page", "10")
	s := serve(t, "Authorization", "Bearer "+ghToken,
		// first run: nothing open, so open one, then label it and ask for reviews
		exchange{method: "GET", path: "/repos/acme/fleet/pulls", query: list, reply: "[]"},
		exchange{method: "POST", path: "/repos/acme/fleet/pulls", status: 201, reply: "github_pull.json",
			body: `{"title":"Add cluster atlantic-aks","head":"fleetctl/add-cluster-atlantic-aks","base":"main","body":"Adds capi/clusters/atlantic-aks/.","draft":true}`},
		exchange{method: "POST", path: "/repos/acme/fleet/issues/1347/labels", body: `["fleet","atlantic-aks"]`, reply: "github_labels.json"},
		exchange{method: "POST", path: "/repos/acme/fleet/pulls/1347/requested_reviewers", status: 201, reply: "github_pull.json",
			body: `{"reviewers":["octocat"],"team_reviewers":["platform"]}`},
		// second run: found by head and base, so updated
		exchange{method: "GET", path: "/repos/acme/fleet/pulls", query: list, reply: "github_pulls_open.json"},
		exchange{method: "PATCH", path: "/repos/acme/fleet/pulls/1347", reply: "github_pull_updated.json",
			body: `{"title":"Add cluster atlantic-aks (v2)","body":"Adds capi/clusters/atlantic-aks/ with three pools."}`},
		exchange{method: "POST", path: "/repos/acme/fleet/issues/1347/labels", body: `["fleet","atlantic-aks"]`, reply: "github_labels.json"},
		exchange{method: "POST", path: "/repos/acme/fleet/pulls/1347/requested_reviewers", status: 201, reply: "github_pull_updated.json",
			body: `{"reviewers":["octocat"],"team_reviewers":["platform"]}`},
	)
	c := githubClient(t, s, "git@github.com:acme/fleet.git", "/")
	ctx := context.Background()

	pr, created, err := forge.Upsert(ctx, c, change)
	if err != nil || !created {
		t.Fatalf("first Upsert = %+v, %v, %v; want created", pr, created, err)
	}
	want := forge.PR{Number: 1347, URL: "https://github.com/acme/fleet/pull/1347", State: forge.StateOpen, Title: "Add cluster atlantic-aks", Draft: true, Head: head, Base: base}
	if *pr != want {
		t.Errorf("first Upsert:\n got %+v\nwant %+v", *pr, want)
	}

	pr, created, err = forge.Upsert(ctx, c, rerun)
	if err != nil || created {
		t.Fatalf("second Upsert = %+v, %v, %v; want updated", pr, created, err)
	}
	want.Title, want.Draft = "Add cluster atlantic-aks (v2)", false
	if *pr != want {
		t.Errorf("second Upsert:\n got %+v\nwant %+v", *pr, want)
	}
}

func TestGitHubEnterpriseGetMerged(t *testing.T) {
	s := serve(t, "Authorization", "Bearer "+ghToken,
		exchange{method: "GET", path: "/api/v3/repos/acme/fleet/pulls/1347", reply: "github_pull_merged.json"},
	)
	c := githubClient(t, s, "https://github.com/acme/fleet", "/api/v3/")
	pr, err := c.Get(context.Background(), 1347)
	if err != nil {
		t.Fatal(err)
	}
	if pr.State != forge.StateMerged || pr.Draft {
		t.Errorf("Get = %+v, want merged, not draft", pr)
	}
}

func TestGitHubPlainCreate(t *testing.T) {
	s := serve(t, "Authorization", "Bearer "+ghToken,
		exchange{method: "POST", path: "/repos/acme/fleet/pulls", status: 201, reply: "github_pull.json",
			body: `{"title":"Add cluster atlantic-aks","head":"fleetctl/add-cluster-atlantic-aks","base":"main"}`},
	)
	c := githubClient(t, s, "https://github.com/acme/fleet", "/")
	if _, err := c.Create(context.Background(), forge.PROptions{Title: change.Title, Head: head, Base: base}); err != nil {
		t.Fatal(err)
	}
}

func TestGitHubErrors(t *testing.T) {
	const scopes = `(needs scope "repo", or fine-grained "Pull requests: read and write")`
	for _, tc := range []struct {
		name   string
		status int
		reply  string
		kind   error
		want   string
	}{
		{"bad token", 401, "github_error_401.json", forge.ErrUnauthorized,
			"create pull request: token from $GITHUB_TOKEN rejected by github.com (401 Unauthorized: Bad credentials): check that it is valid and not expired, and its scopes " + scopes},
		{"no permission", 403, "github_error_403.json", forge.ErrUnauthorized,
			"create pull request: token from $GITHUB_TOKEN rejected by github.com (403 Forbidden: Resource not accessible by personal access token): check that it is valid and not expired, and its scopes " + scopes},
		{"no repo", 404, "github_error_404.json", forge.ErrNotFound,
			"create pull request: repository acme/fleet not found on github.com, or the token from $GITHUB_TOKEN cannot see it (404 Not Found): check the git remote and the token's access to acme/fleet"},
		{"exists", 422, "github_error_422_exists.json", forge.ErrExists,
			"create pull request: github.com refused it (422 Unprocessable Entity: Validation Failed (A pull request already exists for acme:fleetctl/add-cluster-atlantic-aks.)): an open pull request for this branch exists already"},
		{"head not pushed", 422, "github_error_422_head.json", forge.ErrRejected,
			"create pull request: github.com refused it (422 Unprocessable Entity: Validation Failed (head: invalid)): push the branch first (git push -u origin BRANCH) and check that the base branch exists"},
		{"no commits", 422, "github_error_422_nocommits.json", forge.ErrRejected,
			"create pull request: github.com refused it (422 Unprocessable Entity: Validation Failed (No commits between main and fleetctl/add-cluster-atlantic-aks)): the branch has no commits that the base branch lacks"},
		{"rate limited", 429, "github_error_ratelimit.json", forge.ErrRateLimited,
			"create pull request: rate limited by github.com (429 Too Many Requests: API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID DBD8:3D8A:1C1B2A:3A2B4C:65A1B2C3.): wait a while and run again"},
		{"server error", 502, `{"message":"Server Error"}`, forge.ErrUnavailable,
			"create pull request: github.com failed (502 Bad Gateway: Server Error): try again later"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := serve(t, "Authorization", "Bearer "+ghToken,
				exchange{method: "POST", path: "/repos/acme/fleet/pulls", status: tc.status, reply: tc.reply,
					body: `{"title":"Add cluster atlantic-aks","head":"fleetctl/add-cluster-atlantic-aks","base":"main"}`},
			)
			c := githubClient(t, s, "https://github.com/acme/fleet", "/")
			_, err := c.Create(context.Background(), forge.PROptions{Title: change.Title, Head: head, Base: base})
			if err == nil || err.Error() != tc.want {
				t.Errorf("error\n got %v\nwant %s", err, tc.want)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("errors.Is(err, %v) = false", tc.kind)
			}
			var fe *forge.Error
			if !errors.As(err, &fe) || fe.StatusCode != tc.status {
				t.Errorf("err = %#v, want *forge.Error with status %d", err, tc.status)
			}
		})
	}
}

func TestGitHubPrimaryRateLimit(t *testing.T) {
	s := serve(t, "Authorization", "Bearer "+ghToken)
	s.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "1700000000")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`))
	})
	c := githubClient(t, s, "https://github.com/acme/fleet", "/")
	_, err := c.FindOpen(context.Background(), head, base)
	want := "find open pull request: rate limited by github.com (403 Forbidden: API rate limit exceeded for user ID 1.; resets at 22:13:20 UTC): wait a while and run again"
	if err == nil || err.Error() != want || !errors.Is(err, forge.ErrRateLimited) {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
}
