package forge

import (
	"encoding/base64"
	"net/url"
	"testing"
)

func TestRedactor(t *testing.T) {
	const tok = "ab+c/d=ef&gh"
	r := newRedactor(tok)
	for _, tc := range []struct{ in, want string }{
		{"token " + tok + " rejected", "token *** rejected"},
		{"q=" + url.QueryEscape(tok), "q=***"},
		{"path " + url.PathEscape(tok), "path ***"},
		{"Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(":"+tok)), "Authorization: Basic ***"},
		{"fetch https://user:other-secret@github.com/acme/fleet failed", "fetch https://***@github.com/acme/fleet failed"},
		{"ssh://git@host/x and https://o@dev.azure.com/o", "ssh://***@host/x and https://***@dev.azure.com/o"},
		{"nothing to hide", "nothing to hide"},
	} {
		if got := r.String(tc.in); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := newRedactor("").String("https://u:p@h/x"); got != "https://***@h/x" {
		t.Errorf("no token: %q", got)
	}
}

func TestOneLine(t *testing.T) {
	r := newRedactor("tok")
	if got := r.oneLine("a\n\tb  tok\r\nc", 100); got != "a b *** c" {
		t.Errorf("oneLine = %q", got)
	}
	if got := r.oneLine("ééééé", 3); got != "ééé…" {
		t.Errorf("oneLine cut = %q", got)
	}
}

func TestDraftTitle(t *testing.T) {
	for _, tc := range []struct {
		title string
		draft bool
		want  string
	}{
		{"Add x", true, "Draft: Add x"},
		{"Draft: Add x", true, "Draft: Add x"},
		{"[draft] Add x", false, "Add x"},
		{"(Draft) Add x", true, "Draft: Add x"},
		{"Add x", false, "Add x"},
	} {
		if got := draftTitle(tc.title, tc.draft, "Draft: ", gitlabDraftPrefixes); got != tc.want {
			t.Errorf("draftTitle(%q, %v) = %q, want %q", tc.title, tc.draft, got, tc.want)
		}
	}
}
