package forge_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/forge"
)

const adoToken = "adopat0123456789TESTTOKENabcdefghijklmnopqrstu"

// adoAuth is a PAT as Basic credentials with an empty user name.
var adoAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+adoToken))

const (
	adoPRs     = "/contoso/My%20Project/_apis/git/repositories/fleet/pullrequests"
	aliceID    = "3b5f0c34-4aec-4bf4-8708-1d36f0dbc468"
	aliceEmail = "alice@contoso.com"
)

var adoList = q(
	"searchCriteria.sourceRefName", "refs/heads/"+head,
	"searchCriteria.targetRefName", "refs/heads/"+base,
	"searchCriteria.status", "active",
	"api-version", "7.1")

func azureClient(t *testing.T, s *script) forge.Client {
	t.Helper()
	repo := mustParse(t, "https://contoso@dev.azure.com/contoso/My%20Project/_git/fleet")
	repo.APIBase = s.URL() + "/contoso/"
	c, err := forge.NewClient(repo, adoToken, nil, forge.WithTokenSource("AZURE_DEVOPS_EXT_PAT"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAzureDevOpsUpsertCreatesThenUpdates(t *testing.T) {
	v := q("api-version", "7.1")
	identity := q("searchFilter", "General", "filterValue", aliceEmail, "queryMembership", "None", "api-version", "7.1")
	s := serve(t, "Authorization", adoAuth,
		// first run: none active; the reviewer is looked up by e-mail; labels and isDraft are fields
		exchange{method: "GET", path: adoPRs, query: adoList, reply: "azure_prs_none.json"},
		exchange{method: "GET", path: "/contoso/_apis/identities", query: identity, reply: "azure_identities.json"},
		exchange{method: "POST", path: adoPRs, query: v, status: 201, reply: "azure_pr.json",
			body: `{"sourceRefName":"refs/heads/fleetctl/add-cluster-atlantic-aks","targetRefName":"refs/heads/main","title":"Add cluster atlantic-aks","description":"Adds capi/clusters/atlantic-aks/.","isDraft":true,"labels":[{"name":"fleet"},{"name":"atlantic-aks"}],"reviewers":[{"id":"` + aliceID + `"}]}`},
		// second run: found; PATCH, then a label at a time and the reviewers
		exchange{method: "GET", path: adoPRs, query: adoList, reply: "azure_prs_active.json"},
		exchange{method: "PATCH", path: adoPRs + "/22", query: v, reply: "azure_pr_updated.json",
			body: `{"title":"Add cluster atlantic-aks (v2)","description":"Adds capi/clusters/atlantic-aks/ with three pools.","isDraft":false}`},
		exchange{method: "POST", path: adoPRs + "/22/labels", query: v, body: `{"name":"fleet"}`, reply: "azure_label.json"},
		exchange{method: "POST", path: adoPRs + "/22/labels", query: v, body: `{"name":"atlantic-aks"}`, reply: "azure_label.json"},
		exchange{method: "POST", path: adoPRs + "/22/reviewers", query: v, body: `[{"id":"` + aliceID + `"}]`, reply: "azure_reviewers.json"},
	)
	c := azureClient(t, s)
	ctx := context.Background()

	first := change
	first.Reviewers = []string{aliceEmail}
	pr, created, err := forge.Upsert(ctx, c, first)
	if err != nil || !created {
		t.Fatalf("first Upsert = %+v, %v, %v; want created", pr, created, err)
	}
	want := forge.PR{Number: 22, URL: "https://dev.azure.com/contoso/My%20Project/_git/fleet/pullrequest/22", State: forge.StateOpen, Title: "Add cluster atlantic-aks", Draft: true, Head: head, Base: base}
	if *pr != want {
		t.Errorf("first Upsert:\n got %+v\nwant %+v", *pr, want)
	}

	second := rerun
	second.Reviewers = []string{aliceID} // an identity id needs no look-up
	pr, created, err = forge.Upsert(ctx, c, second)
	if err != nil || created {
		t.Fatalf("second Upsert = %+v, %v, %v; want updated", pr, created, err)
	}
	want.Title, want.Draft = "Add cluster atlantic-aks (v2)", false
	if *pr != want {
		t.Errorf("second Upsert:\n got %+v\nwant %+v", *pr, want)
	}
}

// On Azure DevOps Services identities live on vssps.dev.azure.com: the token goes there and to
// dev.azure.com, and nowhere else.
func TestAzureDevOpsServicesHosts(t *testing.T) {
	s := serve(t, "Authorization", adoAuth,
		exchange{method: "GET", path: "/contoso/_apis/identities", host: "vssps.dev.azure.com",
			query: q("searchFilter", "General", "filterValue", aliceEmail, "queryMembership", "None", "api-version", "7.1"), reply: "azure_identities.json"},
		exchange{method: "POST", path: adoPRs, host: "dev.azure.com", query: q("api-version", "7.1"), status: 201, reply: "azure_pr.json",
			body: `{"sourceRefName":"refs/heads/fleetctl/add-cluster-atlantic-aks","targetRefName":"refs/heads/main","title":"t","reviewers":[{"id":"` + aliceID + `"}]}`},
	)
	to, _ := url.Parse(s.URL())
	repo := mustParse(t, "git@ssh.dev.azure.com:v3/contoso/My%20Project/fleet")
	c, err := forge.NewClient(repo, adoToken, &http.Client{Transport: rewrite{to: to}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), forge.PROptions{Title: "t", Head: head, Base: base, Reviewers: []string{aliceEmail}}); err != nil {
		t.Fatal(err)
	}
}

func TestAzureDevOpsServerGetCompleted(t *testing.T) {
	s := serve(t, "Authorization", adoAuth,
		exchange{method: "GET", path: "/tfs/DefaultCollection/Fleet/_apis/git/repositories/fleet/pullrequests/22", query: q("api-version", "7.1"), reply: "azure_pr_completed.json"},
	)
	repo := mustParse(t, "https://devops.corp.example/tfs/DefaultCollection/Fleet/_git/fleet")
	repo.APIBase = s.URL() + "/tfs/DefaultCollection/"
	c, err := forge.NewClient(repo, adoToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := c.Get(context.Background(), 22)
	if err != nil {
		t.Fatal(err)
	}
	if pr.State != forge.StateMerged || pr.URL != "https://devops.corp.example/tfs/DefaultCollection/Fleet/_git/fleet/pullrequest/22" {
		t.Errorf("Get = %+v", pr)
	}
}

func TestAzureDevOpsLongDescriptionIsCut(t *testing.T) {
	s := serve(t, "Authorization", adoAuth)
	var got int
	s.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Description string `json:"description"`
		}
		decodeJSON(t, r, &body)
		got = len([]rune(body.Description))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		w.Write([]byte(`{"pullRequestId":1,"status":"active"}`))
	})
	if _, err := azureClient(t, s).Create(context.Background(), forge.PROptions{Title: "t", Head: head, Base: base, Body: strings.Repeat("é", 5000)}); err != nil {
		t.Fatal(err)
	}
	if got != 4000 {
		t.Errorf("description of %d characters sent, want 4000", got)
	}
}

func TestAzureDevOpsUnknownReviewer(t *testing.T) {
	s := serve(t, "Authorization", adoAuth,
		exchange{method: "GET", path: "/contoso/_apis/identities", query: q("searchFilter", "General", "filterValue", "nobody", "queryMembership", "None", "api-version", "7.1"), reply: "azure_identities_none.json"},
	)
	_, err := azureClient(t, s).Create(context.Background(), forge.PROptions{Title: "t", Head: head, Base: base, Reviewers: []string{"nobody"}})
	want := `create pull request: reviewer "nobody": no such identity in contoso: give an e-mail address or an identity id`
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
}

func TestAzureDevOpsErrors(t *testing.T) {
	const scopes = `(needs scope "Code (read & write)", and "Identity (read)" to name reviewers)`
	for _, tc := range []struct {
		name   string
		status int
		reply  string
		ctype  string
		kind   error
		want   string
	}{
		{"bad PAT", 401, "", "", forge.ErrUnauthorized,
			"find open pull request: token from $AZURE_DEVOPS_EXT_PAT rejected by dev.azure.com (401 Unauthorized): check that it is valid and not expired, and its scopes " + scopes},
		{"sign-in page", 203, "azure_signin.html", "text/html; charset=utf-8", forge.ErrUnauthorized,
			"find open pull request: token from $AZURE_DEVOPS_EXT_PAT rejected by dev.azure.com (203: a sign-in page, not the API): check that it is valid and not expired, and its scopes " + scopes},
		{"no repo", 404, "azure_error_404.json", "", forge.ErrNotFound,
			"find open pull request: repository contoso/My Project/fleet not found on dev.azure.com, or the token from $AZURE_DEVOPS_EXT_PAT cannot see it (404 Not Found: TF401019: The Git repository with name or identifier fleet does not exist or you do not have permissions for the operation you are attempting.): check the git remote and the token's access to contoso/My Project/fleet"},
		{"exists", 409, "azure_error_409.json", "", forge.ErrExists,
			"find open pull request: dev.azure.com refused it (409 Conflict: TF401179: An active pull request for the source and target branch already exists.): an open pull request for this branch exists already"},
		{"branch gone", 400, "azure_error_400_branch.json", "", forge.ErrRejected,
			"find open pull request: dev.azure.com refused it (400 Bad Request: TF401398: The pull request cannot be activated because the source and/or the target branch no longer exists, or the requested refs are not branches): push the branch first (git push -u origin BRANCH) and check that the base branch exists"},
		{"unavailable", 503, "", "", forge.ErrUnavailable,
			"find open pull request: dev.azure.com failed (503 Service Unavailable): try again later"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := serve(t, "Authorization", adoAuth,
				exchange{method: "GET", path: adoPRs, query: adoList, status: tc.status, reply: tc.reply, ctype: tc.ctype},
			)
			_, err := azureClient(t, s).FindOpen(context.Background(), head, base)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error\n got %v\nwant %s", err, tc.want)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("errors.Is(err, %v) = false", tc.kind)
			}
		})
	}
}
