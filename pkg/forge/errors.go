package forge

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The kinds of failure an *Error wraps, for errors.Is.
var (
	// ErrUnauthorized: the host rejected the token (401, 403, or a sign-in page for an answer).
	ErrUnauthorized = errors.New("token rejected")
	// ErrNotFound: the repository or pull request does not exist, or the token cannot see it.
	ErrNotFound = errors.New("not found")
	// ErrExists: an open pull request for the same head and base exists already.
	ErrExists = errors.New("pull request exists")
	// ErrRejected: the host refused the request as given (400, 409, 422).
	ErrRejected = errors.New("request rejected")
	// ErrRateLimited: too many requests; wait and try again.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable: no answer, or a server error (5xx).
	ErrUnavailable = errors.New("host unavailable")
)

// Error is a failed call to a forge's API. Its message is one line that says what failed and
// what to do; neither it nor any field holds the token or URL user info.
type Error struct {
	Op         string // what was being done: "create pull request", "update merge request !12"
	Host       string // the forge's host
	StatusCode int    // the HTTP status, 0 when no answer came
	Message    string // the host's own words, cut to one line
	msg        string
	kinds      []error
}

func (e *Error) Error() string { return e.msg }

// Unwrap gives the kind (ErrNotFound, ...) and, for a cancelled call, the context's error.
func (e *Error) Unwrap() []error { return e.kinds }

// redactor takes a token, and any user info in a URL, out of text.
type redactor struct {
	secrets []string
}

func newRedactor(token string) redactor {
	var r redactor
	if token == "" {
		return r
	}
	for _, s := range []string{
		token,
		url.QueryEscape(token),
		url.PathEscape(token),
		base64.StdEncoding.EncodeToString([]byte(":" + token)),
		base64.StdEncoding.EncodeToString([]byte(token)),
		base64.URLEncoding.EncodeToString([]byte(token)),
	} {
		if s != "" && !containsString(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	return r
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// userinfoRE finds the user info of a URL: "scheme://" then everything up to an "@" that comes
// before the host's end.
var userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s@]*@`)

// String returns s with every form of the token and any URL user info replaced by "***".
func (r redactor) String(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "***")
	}
	return userinfoRE.ReplaceAllString(s, "${1}***@")
}

// oneLine redacts s, folds its white space and cuts it to max runes.
func (r redactor) oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(r.String(s)), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return s
}

// failer builds the *Error of one client: it knows the provider, host, repository, where the
// token came from, and how to redact it.
type failer struct {
	provider Provider
	host     string // host for messages
	repo     string // full name for messages
	tokenVar string // "$GITHUB_TOKEN", or "" when not known
	red      redactor
}

func newFailer(repo Repo, token, source string) failer {
	v := ""
	if source != "" {
		v = "$" + strings.TrimPrefix(source, "$")
	}
	return failer{provider: repo.Provider, host: repo.Host, repo: repo.FullName(), tokenVar: v, red: newRedactor(token)}
}

// token names the token: "token from $GITHUB_TOKEN", or "token".
func (f failer) token() string {
	if f.tokenVar == "" {
		return "token"
	}
	return "token from " + f.tokenVar
}

// status turns an answer with an error status into an *Error. what names the object, for a 404:
// "repository o/r", "pull request #3 in o/r".
func (f failer) status(op string, code int, hostMsg, what string) error {
	e, said := f.answer(op, code, hostMsg)
	lower := strings.ToLower(e.Message)
	switch {
	case code == http.StatusTooManyRequests || (code == http.StatusForbidden && strings.Contains(lower, "rate limit")):
		return f.rateLimited(op, code, hostMsg)
	case code == http.StatusUnauthorized || code == http.StatusForbidden || code == http.StatusNonAuthoritativeInfo:
		e.kinds = []error{ErrUnauthorized}
		if code == http.StatusNonAuthoritativeInfo {
			said = strconv.Itoa(code) + ": a sign-in page, not the API"
		}
		e.msg = fmt.Sprintf("%s: %s rejected by %s (%s): check that it is valid and not expired, and its scopes (needs %s)", op, f.token(), f.host, said, f.provider.scopes())
	case code == http.StatusNotFound:
		e.kinds = []error{ErrNotFound}
		if what == "" {
			what = "repository " + f.repo
		}
		e.msg = fmt.Sprintf("%s: %s not found on %s, or the %s cannot see it (%s): check the git remote and the token's access to %s", op, what, f.host, f.token(), said, f.repo)
	case code == http.StatusBadRequest || code == http.StatusConflict || code == http.StatusUnprocessableEntity:
		e.kinds = []error{ErrRejected}
		hint := ""
		switch {
		case strings.Contains(lower, "already exist") || strings.Contains(lower, "tf401179"):
			e.kinds = []error{ErrExists, ErrRejected}
			hint = ": an open " + f.provider.Noun() + " for this branch exists already"
		case strings.Contains(lower, "no commits between") || strings.Contains(lower, "no changes between"):
			hint = ": the branch has no commits that the base branch lacks"
		case strings.Contains(lower, "head: invalid") || strings.Contains(lower, "tf401398") ||
			(strings.Contains(lower, "branch") && (strings.Contains(lower, "not exist") || strings.Contains(lower, "not found") || strings.Contains(lower, "invalid"))):
			hint = ": push the branch first (git push -u origin BRANCH) and check that the base branch exists"
		case strings.Contains(lower, "review cannot be requested from pull request author"):
			hint = ": the author cannot review their own " + f.provider.Noun()
		}
		e.msg = fmt.Sprintf("%s: %s refused it (%s)%s", op, f.host, said, hint)
	case code >= 500:
		e.kinds = []error{ErrUnavailable}
		e.msg = fmt.Sprintf("%s: %s failed (%s): try again later", op, f.host, said)
	default:
		e.msg = fmt.Sprintf("%s: %s answered %s", op, f.host, said)
	}
	return e
}

// rateLimited is an answer that says to wait.
func (f failer) rateLimited(op string, code int, hostMsg string) error {
	e, said := f.answer(op, code, hostMsg)
	e.kinds = []error{ErrRateLimited}
	e.msg = fmt.Sprintf("%s: rate limited by %s (%s): wait a while and run again", op, f.host, said)
	return e
}

// answer starts the *Error of an answer with status code, and says the status and the host's
// message in a few words: "404 Not Found: Project Not Found".
func (f failer) answer(op string, code int, hostMsg string) (*Error, string) {
	e := &Error{Op: op, Host: f.host, StatusCode: code, Message: f.red.oneLine(hostMsg, 300)}
	text := http.StatusText(code)
	said := strconv.Itoa(code)
	if text != "" {
		said += " " + text
	}
	// Hosts often repeat the status ("401 Unauthorized", "404 Project Not Found"): say it once.
	if m := strings.TrimSpace(strings.TrimPrefix(e.Message, strconv.Itoa(code)+" ")); m != "" && !strings.EqualFold(m, text) {
		said += ": " + m
	}
	return e, said
}

// transport turns a failure to get any answer into an *Error; a cancelled or timed out context
// stays visible to errors.Is.
func (f failer) transport(op string, err error) error {
	e := &Error{Op: op, Host: f.host, kinds: []error{ErrUnavailable}}
	for _, c := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, c) {
			e.kinds = append(e.kinds, c)
		}
	}
	e.Message = f.red.oneLine(err.Error(), 300)
	e.msg = fmt.Sprintf("%s: cannot reach %s: %s: check the network and the git remote", op, f.host, e.Message)
	return e
}

// invalid reports an answer the client cannot read.
func (f failer) invalid(op string, code int, why string) error {
	e := &Error{Op: op, Host: f.host, StatusCode: code, Message: f.red.oneLine(why, 300)}
	e.msg = fmt.Sprintf("%s: %s gave an answer fleetctl cannot read (%d: %s): check the git remote and the API URL", op, f.host, code, e.Message)
	return e
}

// plain is any other failure of op, redacted.
func (f failer) plain(op string, err error) error {
	e := &Error{Op: op, Host: f.host, Message: f.red.oneLine(err.Error(), 300)}
	e.msg = op + ": " + e.Message
	return e
}
