package forge_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/forge"
)

// fake is a Client in memory that records the calls it gets.
type fake struct {
	open      *forge.PR // what FindOpen finds
	createErr error     // Create fails with it
	racer     *forge.PR // opened by another run when Create fails
	calls     []string
}

func (f *fake) FindOpen(_ context.Context, head, base string) (*forge.PR, error) {
	f.calls = append(f.calls, "find "+head+" "+base)
	return f.open, nil
}

func (f *fake) Create(_ context.Context, o forge.PROptions) (*forge.PR, error) {
	f.calls = append(f.calls, "create "+o.Title)
	if f.createErr != nil {
		f.open = f.racer
		return nil, f.createErr
	}
	f.open = &forge.PR{Number: 1, Title: o.Title, Head: o.Head, Base: o.Base, State: forge.StateOpen}
	return f.open, nil
}

func (f *fake) Update(_ context.Context, n int, o forge.PROptions) (*forge.PR, error) {
	f.calls = append(f.calls, "update "+o.Title)
	pr := *f.open
	pr.Title = o.Title
	return &pr, nil
}

func (f *fake) Get(context.Context, int) (*forge.PR, error) { return f.open, nil }

func TestUpsert(t *testing.T) {
	ctx := context.Background()
	f := &fake{}
	pr, created, err := forge.Upsert(ctx, f, change)
	if err != nil || !created || pr.Number != 1 {
		t.Fatalf("first Upsert = %+v, %v, %v", pr, created, err)
	}
	pr, created, err = forge.Upsert(ctx, f, rerun)
	if err != nil || created || pr.Number != 1 || pr.Title != rerun.Title {
		t.Fatalf("second Upsert = %+v, %v, %v", pr, created, err)
	}
	want := []string{
		"find " + head + " " + base, "create " + change.Title,
		"find " + head + " " + base, "update " + rerun.Title,
	}
	if !reflect.DeepEqual(f.calls, want) {
		t.Errorf("calls\n got %q\nwant %q", f.calls, want)
	}
}

// Another run opened the pull request between FindOpen and Create: that one is updated.
func TestUpsertRace(t *testing.T) {
	exists := &forge.Error{Op: "create pull request"}
	f := &fake{createErr: errors.Join(forge.ErrExists, exists), racer: &forge.PR{Number: 9, Head: head, Base: base}}
	pr, created, err := forge.Upsert(context.Background(), f, change)
	if err != nil || created || pr.Number != 9 {
		t.Fatalf("Upsert = %+v, %v, %v; want #9 updated", pr, created, err)
	}
	want := []string{"find " + head + " " + base, "create " + change.Title, "find " + head + " " + base, "update " + change.Title}
	if !reflect.DeepEqual(f.calls, want) {
		t.Errorf("calls\n got %q\nwant %q", f.calls, want)
	}
}

func TestUpsertChecksOptions(t *testing.T) {
	for _, tc := range []struct {
		o    forge.PROptions
		want string
	}{
		{forge.PROptions{Title: "t", Base: base}, "pull request: no head branch"},
		{forge.PROptions{Title: "t", Head: head}, "pull request: no base branch"},
		{forge.PROptions{Title: "t", Head: base, Base: base}, `pull request: head and base are both "main": commit the change on its own branch`},
		{forge.PROptions{Title: " ", Head: head, Base: base}, "pull request: no title"},
	} {
		f := &fake{}
		_, _, err := forge.Upsert(context.Background(), f, tc.o)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Upsert(%+v) error = %v, want %s", tc.o, err, tc.want)
		}
		if len(f.calls) != 0 {
			t.Errorf("Upsert(%+v) called %q", tc.o, f.calls)
		}
	}
}

// Opened, but the labels failed: the pull request comes back with the error, and counts as
// created.
func TestGitHubCreatePartialFailure(t *testing.T) {
	s := serve(t, "Authorization", "Bearer "+ghToken,
		exchange{method: "GET", path: "/repos/acme/fleet/pulls", query: q("state", "open", "head", "acme:"+head, "base", base, "per_page", "10"), reply: "[]"},
		exchange{method: "POST", path: "/repos/acme/fleet/pulls", status: 201, reply: "github_pull.json",
			body: `{"title":"Add cluster atlantic-aks","head":"fleetctl/add-cluster-atlantic-aks","base":"main","body":"Adds capi/clusters/atlantic-aks/.","draft":true}`},
		exchange{method: "POST", path: "/repos/acme/fleet/issues/1347/labels", body: `["fleet","atlantic-aks"]`, status: 403, reply: "github_error_403.json"},
	)
	pr, created, err := forge.Upsert(context.Background(), githubClient(t, s, "https://github.com/acme/fleet", "/"), change)
	want := `opened pull request #1347 at https://github.com/acme/fleet/pull/1347 but could not add labels: token from $GITHUB_TOKEN rejected by github.com (403 Forbidden: Resource not accessible by personal access token): check that it is valid and not expired, and its scopes (needs scope "repo", or fine-grained "Pull requests: read and write")`
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
	if pr == nil || pr.Number != 1347 || !created {
		t.Errorf("Upsert = %+v, created %v; want #1347, created", pr, created)
	}
}
