package forge_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/forge"
)

// exchange is one request a test server expects and its answer.
type exchange struct {
	method string
	path   string     // as sent, escaped: "/api/v4/projects/acme%2Ffleet/merge_requests"
	query  url.Values // exactly these parameters; nil for none
	body   string     // the JSON the request carries, compared as JSON; "" for no body
	host   string     // the Host the request was meant for, when the test client rewrites it
	status int        // 0 is 200
	reply  string     // a testdata file, or a literal body
	ctype  string     // the answer's Content-Type; application/json by default
}

// script is a test server that takes exactly the exchanges it was given, in order, checking
// the credentials header of each.
type script struct {
	t          *testing.T
	authHeader string
	authValue  string
	mu         sync.Mutex
	steps      []exchange
	next       int
	srv        *httptest.Server
	subst      map[string]string // replaced in every reply
}

func serve(t *testing.T, authHeader, authValue string, steps ...exchange) *script {
	t.Helper()
	s := &script{t: t, authHeader: authHeader, authValue: authValue, steps: steps}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(func() {
		s.srv.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.next != len(s.steps) && !t.Failed() {
			t.Errorf("server got %d of %d requests; next expected: %s %s", s.next, len(s.steps), s.steps[s.next].method, s.steps[s.next].path)
		}
	})
	return s
}

func (s *script) URL() string { return s.srv.URL }

func (s *script) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.t
	got := r.Method + " " + r.URL.EscapedPath() + "?" + r.URL.RawQuery
	if s.next >= len(s.steps) {
		t.Errorf("unexpected request %s", got)
		http.Error(w, "unexpected", http.StatusTeapot)
		return
	}
	want := s.steps[s.next]
	s.next++
	if r.Method != want.method || r.URL.EscapedPath() != want.path {
		t.Errorf("request %d: got %s, want %s %s", s.next, got, want.method, want.path)
	}
	q := r.URL.Query()
	if len(q) == 0 {
		q = nil
	}
	if !reflect.DeepEqual(q, want.query) {
		t.Errorf("request %d %s: query\n got %v\nwant %v", s.next, got, q, want.query)
	}
	if want.host != "" && r.Header.Get("X-Original-Host") != want.host {
		t.Errorf("request %d %s: sent to host %q, want %q", s.next, got, r.Header.Get("X-Original-Host"), want.host)
	}
	if v := r.Header.Get(s.authHeader); v != s.authValue {
		t.Errorf("request %d %s: %s = %q, want %q", s.next, got, s.authHeader, v, s.authValue)
	}
	body, _ := io.ReadAll(r.Body)
	switch {
	case want.body == "" && len(body) > 0:
		t.Errorf("request %d %s: unexpected body %s", s.next, got, body)
	case want.body != "":
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("request %d %s: Content-Type %q, want application/json", s.next, got, ct)
		}
		var g, w any
		if err := json.Unmarshal(body, &g); err != nil {
			t.Errorf("request %d %s: body is not JSON: %s", s.next, got, body)
		}
		if err := json.Unmarshal([]byte(want.body), &w); err != nil {
			t.Fatalf("bad test: want body %s: %v", want.body, err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("request %d %s: body\n got %s\nwant %s", s.next, got, body, want.body)
		}
	}
	reply := want.reply
	if strings.HasSuffix(reply, ".json") || strings.HasSuffix(reply, ".html") {
		b, err := os.ReadFile(filepath.Join("testdata", reply))
		if err != nil {
			t.Fatal(err)
		}
		reply = string(b)
	}
	for k, v := range s.subst {
		reply = strings.ReplaceAll(reply, k, v)
	}
	ct := want.ctype
	if ct == "" {
		ct = "application/json; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	status := want.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	io.WriteString(w, reply)
}

// rewrite is a transport that sends every request to the test server, telling it in
// X-Original-Host where the request was meant to go.
type rewrite struct {
	to *url.URL
}

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set("X-Original-Host", r.URL.Host)
	r2.URL.Scheme, r2.URL.Host = rw.to.Scheme, rw.to.Host
	r2.Host = rw.to.Host
	return http.DefaultTransport.RoundTrip(r2)
}

func mustParse(t *testing.T, remote string) forge.Repo {
	t.Helper()
	r, err := forge.Parse(remote, forge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func decodeJSON(t *testing.T, r *http.Request, v any) {
	t.Helper()
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		t.Errorf("request body: %v", err)
	}
}
