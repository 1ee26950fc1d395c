package gitrepo

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ResolveAuthor works out who the author and the committer of a new commit
// are, the way git does, looking variables up with getenv (os.Getenv when
// nil) so that callers and tests control the environment.
//
// The author's name and email each come from, in order: GIT_AUTHOR_NAME /
// GIT_AUTHOR_EMAIL; the author.name / author.email and then user.name /
// user.email settings of the merged git configuration, in which the
// repository's .git/config (skipped when r is nil) overrides the global
// files ($GIT_CONFIG_GLOBAL if set, else $XDG_CONFIG_HOME/git/config or
// ~/.config/git/config, then ~/.gitconfig), which override the system file
// ($GIT_CONFIG_SYSTEM or /etc/gitconfig, unless GIT_CONFIG_NOSYSTEM is set).
// [include] and [includeIf "gitdir:…"/"onbranch:…"] sections are followed.
// The author's time is GIT_AUTHOR_DATE when set (RFC 3339 / ISO 8601,
// "@<unix> <tz>", "<unix> <tz>" and RFC 2822 are accepted), else now.
//
// The committer's name, email and time come from GIT_COMMITTER_NAME,
// GIT_COMMITTER_EMAIL and GIT_COMMITTER_DATE; name and email then from the
// committer.name / committer.email settings; anything still unset is taken
// from the author.
//
// When no name or no email can be found the error says how to set one.
func ResolveAuthor(r *Repo, getenv func(string) string) (author, committer Signature, err error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	env := configEnv{getenv: getenv}
	if r != nil {
		env.gitDir = r.gitDir
		env.branch, _ = r.CurrentBranch()
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return Signature{}, Signature{}, err
	}
	first := func(vals ...string) string {
		for _, v := range vals {
			if v = strings.TrimSpace(v); v != "" {
				return v
			}
		}
		return ""
	}
	conf := func(section, key string) string {
		v, _ := cfg.get(section, "", key)
		return v
	}

	author.Name = first(getenv("GIT_AUTHOR_NAME"), conf("author", "name"), conf("user", "name"))
	author.Email = first(getenv("GIT_AUTHOR_EMAIL"), conf("author", "email"), conf("user", "email"))
	var missing []string
	if author.Name == "" {
		missing = append(missing, "name")
	}
	if author.Email == "" {
		missing = append(missing, "email")
	}
	if len(missing) > 0 {
		return Signature{}, Signature{}, fmt.Errorf(
			"gitrepo: no git author %s configured: run `git config --global user.name \"Your Name\"` and "+
				"`git config --global user.email you@example.com` (or set GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL)",
			strings.Join(missing, " or "))
	}
	if author.When, err = dateFromEnv(getenv, "GIT_AUTHOR_DATE"); err != nil {
		return Signature{}, Signature{}, err
	}
	if author.When.IsZero() {
		author.When = time.Now()
	}

	committer.Name = first(getenv("GIT_COMMITTER_NAME"), conf("committer", "name"), author.Name)
	committer.Email = first(getenv("GIT_COMMITTER_EMAIL"), conf("committer", "email"), author.Email)
	if committer.When, err = dateFromEnv(getenv, "GIT_COMMITTER_DATE"); err != nil {
		return Signature{}, Signature{}, err
	}
	if committer.When.IsZero() {
		committer.When = author.When
	}
	for _, s := range []Signature{author, committer} {
		if err := s.validate(); err != nil {
			return Signature{}, Signature{}, err
		}
	}
	return author, committer, nil
}

func dateFromEnv(getenv func(string) string, name string) (time.Time, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return time.Time{}, nil
	}
	t, err := ParseDate(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("gitrepo: %s=%q: %w", name, v, err)
	}
	return t, nil
}

// dateLayouts are the textual date formats ParseDate accepts, tried in order.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05 Z0700",
	"2006-01-02 15:04:05.999999999 Z0700",
	time.RFC1123Z,
	"Mon, _2 Jan 2006 15:04:05 -0700",
	"_2 Jan 2006 15:04:05 -0700",
	"Mon Jan _2 15:04:05 2006 -0700", // git's default log format
	time.RFC1123,
}

// localDateLayouts have no time zone; like git, they are read as local time.
var localDateLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05.999999999",
}

// ParseDate parses a date the way it may appear in GIT_AUTHOR_DATE or
// GIT_COMMITTER_DATE: git's internal "<unix seconds> <+hhmm>" format, with or
// without a leading "@" (without a zone it is UTC); RFC 3339 / ISO 8601
// ("2024-05-01T12:00:00+02:00", also with a space instead of "T", and read as
// local time without a zone); and RFC 2822 ("Wed, 01 May 2024 12:00:00
// +0200"). The time's location keeps the given UTC offset.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, ok, err := parseRawDate(s); ok || err != nil {
		return t, err
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range localDateLayouts {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised date format: use RFC 3339 (2006-01-02T15:04:05+07:00), " +
		`"@<unix seconds> <+hhmm>" or RFC 2822 (Mon, 02 Jan 2006 15:04:05 -0700)`)
}

// parseRawDate parses "[@]<unix> [<+hhmm>]". ok is false when s does not
// look like that at all.
func parseRawDate(s string) (t time.Time, ok bool, err error) {
	rest, at := strings.CutPrefix(s, "@")
	secs, zone, hasZone := strings.Cut(rest, " ")
	if secs == "" || strings.TrimLeft(secs, "0123456789") != "" {
		return time.Time{}, false, nil
	}
	// Without "@", a bare number could be something else (e.g. 20240501);
	// git only takes it as seconds with a zone or when it is large enough.
	if !at && !hasZone && len(secs) < 9 {
		return time.Time{}, false, nil
	}
	zone = strings.TrimSpace(zone)
	if hasZone && !strings.HasPrefix(zone, "+") && !strings.HasPrefix(zone, "-") {
		return time.Time{}, false, nil // e.g. "1 May 2024 ..."
	}
	n, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return time.Time{}, true, fmt.Errorf("timestamp %q out of range", secs)
	}
	loc := time.UTC
	if hasZone {
		off, err := parseZoneOffset(zone)
		if err != nil {
			return time.Time{}, true, err
		}
		loc = time.FixedZone("", off)
	}
	return time.Unix(n, 0).In(loc), true, nil
}

// parseZoneOffset parses "+hhmm", "-hhmm", "+hh:mm" or "Z" into seconds
// east of UTC.
func parseZoneOffset(z string) (int, error) {
	if z == "Z" || z == "z" {
		return 0, nil
	}
	bad := fmt.Errorf("bad time zone %q (want +hhmm)", z)
	if len(z) < 2 || (z[0] != '+' && z[0] != '-') {
		return 0, bad
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	if len(digits) != 4 || strings.Trim(digits, "0123456789") != "" {
		return 0, bad
	}
	h, _ := strconv.Atoi(digits[:2])
	m, _ := strconv.Atoi(digits[2:])
	if h > 23 || m > 59 {
		return 0, bad
	}
	off := h*3600 + m*60
	if z[0] == '-' {
		off = -off
	}
	return off, nil
}

// validate checks that a signature can be written into a commit.
func (s Signature) validate() error {
	if strings.TrimSpace(s.Name) == "" || strings.TrimSpace(s.Email) == "" {
		return fmt.Errorf("gitrepo: signature %q needs both a name and an email", s.String())
	}
	if strings.ContainsAny(s.Name, "<>\n\x00") || strings.ContainsAny(s.Email, "<>\n\x00") {
		return fmt.Errorf("gitrepo: signature %q: name and email must not contain '<', '>' or newlines", s.String())
	}
	return nil
}
