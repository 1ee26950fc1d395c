package forge_test

import (
	"context"
	"errors"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/forge"
)

const gtToken = "0123456789abcdef0123456789abcdef01234567"

func giteaClient(t *testing.T, s *script) forge.Client {
	t.Helper()
	repo := mustParse(t, "git@codeberg.org:acme/fleet.git")
	repo.APIBase = s.URL() + "/api/v1/"
	c, err := forge.NewClient(repo, gtToken, nil, forge.WithTokenSource("GITEA_TOKEN"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGiteaUpsertCreatesThenUpdates(t *testing.T) {
	const pulls = "/api/v1/repos/acme/fleet/pulls"
	list := q("state", "open", "page", "1", "limit", "50")
	labels := q("page", "1", "limit", "50")
	s := serve(t, "Authorization", "token "+gtToken,
		// first run: none of the open ones is ours (one is from a fork); labels go by id; draft
		// is the WIP: prefix; reviewers are requested after
		exchange{method: "GET", path: pulls, query: list, reply: "gitea_pulls_others.json"},
		exchange{method: "GET", path: "/api/v1/repos/acme/fleet/labels", query: labels, reply: "gitea_labels.json"},
		exchange{method: "POST", path: pulls, status: 201, reply: "gitea_pull.json",
			body: `{"head":"fleetctl/add-cluster-atlantic-aks","base":"main","title":"WIP: Add cluster atlantic-aks","body":"Adds capi/clusters/atlantic-aks/.","assignee":"","assignees":null,"reviewers":null,"team_reviewers":null,"milestone":0,"labels":[11,12],"due_date":null}`},
		exchange{method: "POST", path: pulls + "/5/requested_reviewers", status: 201, reply: "[]",
			body: `{"reviewers":["octocat"],"team_reviewers":["platform"]}`},
		// second run: found; edit, then add labels and request reviews
		exchange{method: "GET", path: pulls, query: list, reply: "gitea_pulls_open.json"},
		exchange{method: "GET", path: "/api/v1/repos/acme/fleet/labels", query: labels, reply: "gitea_labels.json"},
		exchange{method: "PATCH", path: pulls + "/5", status: 201, reply: "gitea_pull_updated.json",
			body: `{"title":"Add cluster atlantic-aks (v2)","body":"Adds capi/clusters/atlantic-aks/ with three pools.","base":"","assignee":"","assignees":null,"milestone":0,"labels":null,"state":null,"due_date":null,"unset_due_date":null,"allow_maintainer_edit":null}`},
		exchange{method: "POST", path: "/api/v1/repos/acme/fleet/issues/5/labels", body: `{"labels":[11,12]}`, reply: "gitea_labels.json"},
		exchange{method: "POST", path: pulls + "/5/requested_reviewers", status: 201, reply: "[]",
			body: `{"reviewers":["octocat"],"team_reviewers":["platform"]}`},
	)
	c := giteaClient(t, s)
	ctx := context.Background()

	pr, created, err := forge.Upsert(ctx, c, change)
	if err != nil || !created {
		t.Fatalf("first Upsert = %+v, %v, %v; want created", pr, created, err)
	}
	want := forge.PR{Number: 5, URL: "https://codeberg.org/acme/fleet/pulls/5", State: forge.StateOpen, Title: "Add cluster atlantic-aks", Draft: true, Head: head, Base: base}
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

func TestGiteaUnknownLabel(t *testing.T) {
	s := serve(t, "Authorization", "token "+gtToken,
		exchange{method: "GET", path: "/api/v1/repos/acme/fleet/labels", query: q("page", "1", "limit", "50"), reply: "gitea_labels.json"},
	)
	_, err := giteaClient(t, s).Create(context.Background(), forge.PROptions{Title: "t", Head: head, Base: base, Labels: []string{"nope"}})
	want := `create pull request: label "nope" does not exist in acme/fleet on codeberg.org: create it there first`
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
}

func TestGiteaErrors(t *testing.T) {
	const scopes = `(needs scopes "write:repository" and "write:issue")`
	for _, tc := range []struct {
		name   string
		status int
		reply  string
		kind   error
		want   string
	}{
		{"no token", 401, "gitea_error_401.json", forge.ErrUnauthorized,
			"create pull request: token from $GITEA_TOKEN rejected by codeberg.org (401 Unauthorized: token is required): check that it is valid and not expired, and its scopes " + scopes},
		{"scope", 403, "gitea_error_403.json", forge.ErrUnauthorized,
			"create pull request: token from $GITEA_TOKEN rejected by codeberg.org (403 Forbidden: token does not have at least one of required scope(s): [write:repository]): check that it is valid and not expired, and its scopes " + scopes},
		{"no repo", 404, "gitea_error_404.json", forge.ErrNotFound,
			"create pull request: repository acme/fleet not found on codeberg.org, or the token from $GITEA_TOKEN cannot see it (404 Not Found: The target couldn't be found.): check the git remote and the token's access to acme/fleet"},
		{"exists", 409, "gitea_error_409.json", forge.ErrExists,
			"create pull request: codeberg.org refused it (409 Conflict: pull request already exists for these targets [id: 5, issue_id: 6, head_repo_id: 42, base_repo_id: 42, head_branch: fleetctl/add-cluster-atlantic-aks, base_branch: main]): an open pull request for this branch exists already"},
		{"no changes", 422, "gitea_error_422.json", forge.ErrRejected,
			"create pull request: codeberg.org refused it (422 Unprocessable Entity: Invalid PullRequest: There are no changes between the head and the base): the branch has no commits that the base branch lacks"},
		{"not JSON", 500, "oops\nstack trace", forge.ErrUnavailable,
			"create pull request: codeberg.org failed (500 Internal Server Error: unknown API error: 500 Request: '/api/v1/repos/acme/fleet/pulls' with 'POST' method and 'oops stack trace' body): try again later"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := serve(t, "Authorization", "token "+gtToken,
				exchange{method: "POST", path: "/api/v1/repos/acme/fleet/pulls", status: tc.status, reply: tc.reply,
					body: `{"head":"fleetctl/add-cluster-atlantic-aks","base":"main","title":"Add cluster atlantic-aks","body":"","assignee":"","assignees":null,"reviewers":null,"team_reviewers":null,"milestone":0,"labels":null,"due_date":null}`},
			)
			_, err := giteaClient(t, s).Create(context.Background(), forge.PROptions{Title: change.Title, Head: head, Base: base})
			if err == nil || err.Error() != tc.want {
				t.Errorf("error\n got %v\nwant %s", err, tc.want)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("errors.Is(err, %v) = false", tc.kind)
			}
		})
	}
}
