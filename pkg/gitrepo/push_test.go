package gitrepo

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tt := range []struct{ in, token, want string }{
		{"https://x-access-token:ghp_abc123@github.com/o/r.git", "", "https://x-access-token:***@github.com/o/r.git"},
		{"push to https://u:p4ss@host/r failed", "", "push to https://u:***@host/r failed"},
		{"auth failed for tok-9f8e7d", "tok-9f8e7d", "auth failed for ***"},
		{"https://github.com/o/r.git", "", "https://github.com/o/r.git"},
		{"git@github.com:o/r.git", "", "git@github.com:o/r.git"},
		{"https://user@dev.azure.com/org/p/_git/r", "", "https://user@dev.azure.com/org/p/_git/r"},
	} {
		got := Redact(tt.in, tt.token)
		if got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if tt.token != "" && strings.Contains(got, tt.token) {
			t.Errorf("Redact(%q) kept the token", tt.in)
		}
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("https://a:secret-value@h/x", "secret-value")
	f.Add("secret-value in an error", "secret-value")
	f.Fuzz(func(t *testing.T, s, token string) {
		if len(token) < 8 {
			return
		}
		if got := Redact(s, token); strings.Contains(got, token) {
			t.Fatalf("Redact(%q, %q) = %q holds the token", s, token, got)
		}
	})
}
