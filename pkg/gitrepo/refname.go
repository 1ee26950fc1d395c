package gitrepo

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// ErrInvalidBranchName is wrapped by the errors ValidateBranchName returns.
var ErrInvalidBranchName = errors.New("invalid branch name")

// BranchNameError describes why a branch name was rejected. Its message is a
// single line naming the value and the rule it breaks.
type BranchNameError struct {
	Name string // the rejected name, as given
	Rule string // the rule it breaks, e.g. `must not contain ".."`
}

func (e *BranchNameError) Error() string {
	return fmt.Sprintf("gitrepo: invalid branch name %q: %s", e.Name, e.Rule)
}

// Unwrap makes errors.Is(err, ErrInvalidBranchName) true.
func (e *BranchNameError) Unwrap() error { return ErrInvalidBranchName }

// ValidateBranchName checks that refs/heads/<name> is a valid reference name
// under the rules of `git check-ref-format`, and that name is one git would
// accept for a new branch (not "HEAD", not starting with "-"). The returned
// error is a *BranchNameError.
func ValidateBranchName(name string) error {
	if rule := branchNameRule(name); rule != "" {
		return &BranchNameError{Name: name, Rule: rule}
	}
	// Belt and braces: the name must also pass go-git's own check, since
	// go-git is what reads and writes the reference.
	ref := plumbing.NewBranchReferenceName(name)
	if ref.Validate() != nil || !ref.IsSafe() {
		return &BranchNameError{Name: name, Rule: "rejected by go-git's reference name validation"}
	}
	return nil
}

// branchNameRule returns the first rule name breaks, or "" when it is valid.
func branchNameRule(name string) string {
	switch {
	case name == "":
		return "must not be empty"
	case name == "HEAD":
		return `"HEAD" is reserved`
	case name == "@":
		return `must not be the single character "@"`
	case strings.HasPrefix(name, "-"):
		return `must not start with "-"`
	case strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/"):
		return `must not start or end with "/"`
	case strings.Contains(name, "//"):
		return `must not contain "//"`
	case strings.HasSuffix(name, "."):
		return `must not end with "."`
	case strings.Contains(name, ".."):
		return `must not contain ".."`
	case strings.Contains(name, "@{"):
		return `must not contain "@{"`
	}
	for _, c := range []byte(name) {
		switch {
		case c < 0x20 || c == 0x7f:
			return "must not contain control characters"
		case c == ' ':
			return "must not contain spaces"
		case strings.IndexByte(`~^:?*[\`, c) >= 0:
			return fmt.Sprintf("must not contain %q (none of ~ ^ : ? * [ \\ are allowed)", string(c))
		}
	}
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") {
			return fmt.Sprintf(`no "/"-separated component may start with "." (%q does)`, part)
		}
		if strings.HasSuffix(part, ".lock") {
			return fmt.Sprintf(`no "/"-separated component may end with ".lock" (%q does)`, part)
		}
	}
	return ""
}
