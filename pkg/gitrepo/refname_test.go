package gitrepo

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestValidateBranchName(t *testing.T) {
	requireGit(t)
	valid := []string{
		"main", "feature/x", "fleetctl/update-web-2024-05-01", "a.b", "with@sign", "user/a-b_c",
		"ünïcode", "a/b/c", "v1.2.3", "x-", "a.lock.b",
	}
	invalid := map[string]string{
		"":           "must not be empty",
		"HEAD":       "reserved",
		"@":          `"@"`,
		"-x":         `start with "-"`,
		"/a":         `start or end with "/"`,
		"a/":         `start or end with "/"`,
		"a//b":       `"//"`,
		"a.":         `end with "."`,
		"a..b":       `".."`,
		"a@{b":       `"@{"`,
		"a b":        "spaces",
		"a~b":        `"~"`,
		"a^b":        `"^"`,
		"a:b":        `":"`,
		"a?b":        `"?"`,
		"a*b":        `"*"`,
		"a[b":        `"["`,
		`a\b`:        `"\\"`,
		".hidden":    `start with "."`,
		"a/.b":       `start with "."`,
		"a.lock":     `".lock"`,
		"a/b.lock/c": `".lock"`,
		"a\tb":       "control characters",
		"a\x7fb":     "control characters",
	}
	// git itself agrees, except for the names only `git branch` refuses.
	gitValid := func(name string) bool {
		_, err := gitTry(t.TempDir(), "check-ref-format", "refs/heads/"+name)
		return err == nil
	}
	for _, name := range valid {
		if err := ValidateBranchName(name); err != nil {
			t.Errorf("ValidateBranchName(%q) = %v", name, err)
		}
		if !gitValid(name) {
			t.Errorf("git rejects %q, which we accept", name)
		}
	}
	for name, rule := range invalid {
		err := ValidateBranchName(name)
		if err == nil {
			t.Errorf("ValidateBranchName(%q) accepted it", name)
			continue
		}
		msg := err.Error()
		if !errors.Is(err, ErrInvalidBranchName) || !strings.Contains(msg, strconv.Quote(name)) ||
			!strings.Contains(msg, rule) || strings.Contains(msg, "\n") {
			t.Errorf("ValidateBranchName(%q) = %q; want a one-line ErrInvalidBranchName naming the value and %q", name, msg, rule)
		}
		switch name {
		case "", "HEAD", "@", "-x":
		default:
			if gitValid(name) {
				t.Errorf("git accepts %q, which we reject", name)
			}
		}
	}
}
