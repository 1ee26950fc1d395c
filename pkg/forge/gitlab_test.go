package forge_test

import (
	"context"
	"errors"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/forge"
)

const glToken = "glpat-TESTTOKEN0123456789"

func gitlabClient(t *testing.T, s *script) forge.Client {
	t.Helper()
	repo := mustParse(t, "git@gitlab.com:acme/platform/fleet.git")
	repo.APIBase = s.URL() + "/api/v4/"
	c, err := forge.NewClient(repo, glToken, nil, forge.WithTokenSource("GITLAB_TOKEN"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGitLabUpsertCreatesThenUpdates(t *testing.T) {
	const mrs = "/api/v4/projects/acme%2Fplatform%2Ffleet/merge_requests"
	list := q("source_branch", head, "target_branch", base, "state", "opened")
	s := serve(t, "Authorization", "Bearer "+glToken,
		// first run: none open; reviewers go by id, so look alice up; draft is the title prefix
		exchange{method: "GET", path: mrs, query: list, reply: "[]"},
		exchange{method: "GET", path: "/api/v4/users", query: q("username", "alice"), reply: "gitlab_users_alice.json"},
		exchange{method: "POST", path: mrs, status: 201, reply: "gitlab_mr.json",
			body: `{"source_branch":"fleetctl/add-cluster-atlantic-aks","target_branch":"main","title":"Draft: Add cluster atlantic-aks","description":"Adds capi/clusters/atlantic-aks/.","labels":"fleet,atlantic-aks","reviewer_ids":[7]}`},
		// second run: found; reviewer_ids replaces, so the current reviewers are kept
		exchange{method: "GET", path: mrs, query: list, reply: "gitlab_mrs_open.json"},
		exchange{method: "GET", path: "/api/v4/users", query: q("username", "bob"), reply: "gitlab_users_bob.json"},
		exchange{method: "GET", path: mrs + "/12", reply: "gitlab_mr.json"},
		exchange{method: "PUT", path: mrs + "/12", reply: "gitlab_mr_updated.json",
			body: `{"title":"Add cluster atlantic-aks (v2)","description":"Adds capi/clusters/atlantic-aks/ with three pools.","add_labels":"fleet,atlantic-aks","reviewer_ids":[7,9]}`},
	)
	c := gitlabClient(t, s)
	ctx := context.Background()

	first := change
	first.Reviewers = []string{"@alice"}
	pr, created, err := forge.Upsert(ctx, c, first)
	if err != nil || !created {
		t.Fatalf("first Upsert = %+v, %v, %v; want created", pr, created, err)
	}
	want := forge.PR{Number: 12, URL: "https://gitlab.com/acme/platform/fleet/-/merge_requests/12", State: forge.StateOpen, Title: "Add cluster atlantic-aks", Draft: true, Head: head, Base: base}
	if *pr != want {
		t.Errorf("first Upsert:\n got %+v\nwant %+v", *pr, want)
	}

	second := rerun
	second.Reviewers = []string{"bob"}
	pr, created, err = forge.Upsert(ctx, c, second)
	if err != nil || created {
		t.Fatalf("second Upsert = %+v, %v, %v; want updated", pr, created, err)
	}
	want.Title, want.Draft = "Add cluster atlantic-aks (v2)", false
	if *pr != want {
		t.Errorf("second Upsert:\n got %+v\nwant %+v", *pr, want)
	}
}

func TestGitLabFindOpenSkipsForks(t *testing.T) {
	s := serve(t, "Authorization", "Bearer "+glToken,
		exchange{method: "GET", path: "/api/v4/projects/acme%2Fplatform%2Ffleet/merge_requests", query: q("source_branch", head, "target_branch", base, "state", "opened"), reply: "gitlab_mrs_fork.json"},
	)
	pr, err := gitlabClient(t, s).FindOpen(context.Background(), head, base)
	if err != nil || pr != nil {
		t.Errorf("FindOpen = %+v, %v; want nil, nil", pr, err)
	}
}

func TestGitLabUnknownReviewer(t *testing.T) {
	s := serve(t, "Authorization", "Bearer "+glToken,
		exchange{method: "GET", path: "/api/v4/users", query: q("username", "nobody"), reply: "[]"},
	)
	_, err := gitlabClient(t, s).Create(context.Background(), forge.PROptions{Title: "t", Head: head, Base: base, Reviewers: []string{"nobody"}})
	want := `create merge request: reviewer "nobody": no such user on gitlab.com`
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
}

func TestGitLabErrors(t *testing.T) {
	const scopes = `(needs scope "api" and at least the Developer role)`
	for _, tc := range []struct {
		name   string
		status int
		reply  string
		kind   error
		want   string
	}{
		{"bad token", 401, "gitlab_error_401.json", forge.ErrUnauthorized,
			"get merge request !12: token from $GITLAB_TOKEN rejected by gitlab.com (401 Unauthorized): check that it is valid and not expired, and its scopes " + scopes},
		{"read-only token", 403, "gitlab_error_403.json", forge.ErrUnauthorized,
			"get merge request !12: token from $GITLAB_TOKEN rejected by gitlab.com (403 Forbidden: insufficient_scope: The request requires higher privileges than provided by the access token.): check that it is valid and not expired, and its scopes " + scopes},
		{"no project", 404, "gitlab_error_404.json", forge.ErrNotFound,
			"get merge request !12: merge request !12 in acme/platform/fleet not found on gitlab.com, or the token from $GITLAB_TOKEN cannot see it (404 Not Found: Project Not Found): check the git remote and the token's access to acme/platform/fleet"},
		{"exists", 409, "gitlab_error_409.json", forge.ErrExists,
			`get merge request !12: gitlab.com refused it (409 Conflict: ["Another open merge request already exists for this source branch: !12"]): an open merge request for this branch exists already`},
		{"bad branch", 400, "gitlab_error_400.json", forge.ErrRejected,
			`get merge request !12: gitlab.com refused it (400 Bad Request: {"target_branch":["is invalid"]}): push the branch first (git push -u origin BRANCH) and check that the base branch exists`},
		{"html", 200, "<html>sign in</html>", nil,
			"get merge request !12: gitlab.com gave an answer fleetctl cannot read (200: a text/html page, not JSON): check the git remote and the API URL"},
		{"server error", 500, `{"message":"500 Internal Server Error"}`, forge.ErrUnavailable,
			"get merge request !12: gitlab.com failed (500 Internal Server Error): try again later"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctype := ""
			if tc.reply[0] == '<' {
				ctype = "text/html"
			}
			s := serve(t, "Authorization", "Bearer "+glToken,
				exchange{method: "GET", path: "/api/v4/projects/acme%2Fplatform%2Ffleet/merge_requests/12", status: tc.status, reply: tc.reply, ctype: ctype},
			)
			_, err := gitlabClient(t, s).Get(context.Background(), 12)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error\n got %v\nwant %s", err, tc.want)
			}
			if tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Errorf("errors.Is(err, %v) = false", tc.kind)
			}
		})
	}
}
