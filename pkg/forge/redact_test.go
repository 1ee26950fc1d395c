package forge_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/forge"
)

// planted is a token that the tests plant in answers and errors; no form of it may come out.
const planted = "s3cr3t+T0KEN/with=odd&chars"

// leaks lists the forms of planted found in s.
func leaks(s string) []string {
	var found []string
	for _, form := range []string{
		planted,
		url.QueryEscape(planted),
		url.PathEscape(planted),
		base64.StdEncoding.EncodeToString([]byte(":" + planted)),
		"T0KEN",
	} {
		if strings.Contains(s, form) {
			found = append(found, form)
		}
	}
	return found
}

type redactCase struct {
	provider forge.Provider
	remote   string
	apiPath  string
	pr       string // a pull request answer with the token in its fields
}

var redactCases = []redactCase{
	{forge.GitHub, "https://github.com/acme/fleet", "/",
		`{"number":1,"state":"open","title":"Add %[1]s","html_url":"https://x:%[1]s@github.com/acme/fleet/pull/1","head":{"ref":"%[1]s"},"base":{"ref":"main"}}`},
	{forge.GitLab, "https://gitlab.com/acme/fleet", "/api/v4/",
		`{"iid":1,"state":"opened","title":"Add %[1]s","web_url":"https://x:%[1]s@gitlab.com/acme/fleet/-/merge_requests/1","source_branch":"%[1]s","target_branch":"main"}`},
	{forge.AzureDevOps, "https://dev.azure.com/contoso/Fleet/_git/fleet", "/contoso/",
		`{"pullRequestId":1,"status":"active","title":"Add %[1]s","sourceRefName":"refs/heads/%[1]s","targetRefName":"refs/heads/main"}`},
	{forge.Gitea, "https://codeberg.org/acme/fleet", "/api/v1/",
		`{"number":1,"state":"open","title":"Add %[1]s","html_url":"https://x:%[1]s@codeberg.org/acme/fleet/pulls/1","head":{"ref":"%[1]s"},"base":{"ref":"main"}}`},
}

func jsonString(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`)
}

func plantedClient(t *testing.T, tc redactCase, base string, hc *http.Client) forge.Client {
	t.Helper()
	repo := mustParse(t, tc.remote)
	if base != "" {
		repo.APIBase = base + tc.apiPath
	}
	c, err := forge.NewClient(repo, planted, hc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// An error answer that quotes the token, its Basic form and a URL with it as user info.
func TestTokenNeverInErrors(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(":" + planted))
	for _, status := range []int{400, 401, 403, 404, 409, 422, 429, 500} {
		for _, tc := range redactCases {
			t.Run(fmt.Sprintf("%s %d", tc.provider, status), func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(status)
					fmt.Fprintf(w, `{"message":"bad credentials %s (Authorization: Basic %s) for https://user:%s@example.com/x, %s"}`,
						jsonString(planted), basic, url.QueryEscape(planted), url.PathEscape(planted))
				}))
				defer srv.Close()
				c := plantedClient(t, tc, srv.URL, nil)
				ctx := context.Background()
				for name, call := range map[string]func() error{
					"FindOpen": func() error { _, err := c.FindOpen(ctx, head, base); return err },
					"Get":      func() error { _, err := c.Get(ctx, 1); return err },
					"Create":   func() error { _, err := c.Create(ctx, forge.PROptions{Title: "t", Head: head, Base: base}); return err },
					"Update":   func() error { _, err := c.Update(ctx, 1, forge.PROptions{Title: "t"}); return err },
				} {
					err := call()
					if err == nil {
						t.Fatalf("%s: no error", name)
					}
					if l := leaks(err.Error()); l != nil {
						t.Errorf("%s: error holds %q: %v", name, l, err)
					}
					var fe *forge.Error
					if errors.As(err, &fe) && leaks(fe.Message) != nil {
						t.Errorf("%s: Error.Message holds the token: %q", name, fe.Message)
					}
					if !strings.Contains(err.Error(), "***") {
						t.Errorf("%s: error does not show the redaction: %v", name, err)
					}
				}
			})
		}
	}
}

// A pull request whose fields hold the token.
func TestTokenNeverInResults(t *testing.T) {
	for _, tc := range redactCases {
		t.Run(string(tc.provider), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, tc.pr, jsonString(planted))
			}))
			defer srv.Close()
			pr, err := plantedClient(t, tc, srv.URL, nil).Get(context.Background(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if l := leaks(fmt.Sprintf("%+v", *pr)); l != nil {
				t.Errorf("result holds %q: %+v", l, *pr)
			}
		})
	}
}

// failing is a transport whose error quotes the token and the request's Authorization header.
type failing struct{}

func (failing) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("proxy refused %s with %q for https://u:%s@proxy.example/", r.URL, r.Header.Get("Authorization"), planted)
}

func TestTokenNeverInTransportErrors(t *testing.T) {
	for _, tc := range redactCases {
		t.Run(string(tc.provider), func(t *testing.T) {
			_, err := plantedClient(t, tc, "", &http.Client{Transport: failing{}}).Get(context.Background(), 1)
			if err == nil {
				t.Fatal("no error")
			}
			if l := leaks(err.Error()); l != nil {
				t.Errorf("error holds %q: %v", l, err)
			}
			if !errors.Is(err, forge.ErrUnavailable) {
				t.Errorf("errors.Is(err, ErrUnavailable) = false: %v", err)
			}
		})
	}
}

// The token goes to the API's host only: not after a redirect to another host.
func TestTokenNotSentAfterRedirect(t *testing.T) {
	for _, tc := range redactCases {
		t.Run(string(tc.provider), func(t *testing.T) {
			var leaked []string
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range r.Header {
					if leaks(strings.Join(v, " ")) != nil || strings.EqualFold(k, "Authorization") || strings.EqualFold(k, "Private-Token") {
						leaked = append(leaked, k)
					}
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, tc.pr, "x")
			}))
			defer other.Close()
			// 127.0.0.1 and localhost are different hosts to the client.
			to := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, to+r.URL.Path, http.StatusFound)
			}))
			defer srv.Close()
			if _, err := plantedClient(t, tc, srv.URL, nil).Get(context.Background(), 1); err != nil {
				t.Fatal(err)
			}
			if leaked != nil {
				t.Errorf("redirected request carried %v", leaked)
			}
		})
	}
}

func TestCancelledContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range redactCases {
		_, err := plantedClient(t, tc, srv.URL, nil).Get(ctx, 1)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: errors.Is(err, context.Canceled) = false: %v", tc.provider, err)
		}
	}
}

func TestNewClientNeedsToken(t *testing.T) {
	_, err := forge.NewClient(mustParse(t, "https://github.com/acme/fleet"), "", nil)
	want := "no token for GitHub at github.com: set $FLEETCTL_GIT_TOKEN or $GITHUB_TOKEN or $GH_TOKEN"
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
	repo := mustParse(t, "https://github.com/acme/fleet")
	repo.APIBase = "https://u:" + planted + "@api.github.com/"
	_, err = forge.NewClient(repo, "t", nil)
	if err == nil || leaks(err.Error()) != nil {
		t.Errorf("API URL with user info: err = %v", err)
	}
}
