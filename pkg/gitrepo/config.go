package gitrepo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	format "github.com/go-git/go-git/v5/plumbing/format/config"
)

// configEntry is one "key = value" line of a git config file. Section and key
// names are lower-cased; subsection names keep their case, as in git.
type configEntry struct {
	section, subsection, key, value string
}

// gitConfig is the merged configuration of several files, in increasing
// order of priority: for a single-valued key the last entry wins.
type gitConfig struct {
	entries []configEntry
}

// get returns the last value of section[.subsection].key.
func (c *gitConfig) get(section, subsection, key string) (string, bool) {
	section, key = strings.ToLower(section), strings.ToLower(key)
	for i := len(c.entries) - 1; i >= 0; i-- {
		e := c.entries[i]
		if e.section == section && e.subsection == subsection && e.key == key {
			return e.value, true
		}
	}
	return "", false
}

// getBool returns a boolean value the way git reads it, or def when the key
// is unset or not a boolean.
func (c *gitConfig) getBool(section, key string, def bool) bool {
	v, ok := c.get(section, "", key)
	if !ok {
		return def
	}
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true
	case "false", "no", "off", "0", "":
		return false
	}
	return def
}

// configEnv is what loading configuration needs to know about its
// surroundings.
type configEnv struct {
	getenv func(string) string
	gitDir string // "" outside a repository
	branch string // current branch, for includeIf "onbranch:"
}

func (e configEnv) home() string {
	if h := e.getenv("HOME"); h != "" {
		return h
	}
	return e.getenv("USERPROFILE")
}

// globalConfigFiles returns the system, XDG and per-user config files git
// reads, in increasing order of priority.
func (e configEnv) globalConfigFiles() []string {
	var files []string
	if e.getenv("GIT_CONFIG_NOSYSTEM") == "" {
		if f := e.getenv("GIT_CONFIG_SYSTEM"); f != "" {
			files = append(files, f)
		} else {
			files = append(files, "/etc/gitconfig")
		}
	}
	if f := e.getenv("GIT_CONFIG_GLOBAL"); f != "" {
		return append(files, f)
	}
	if xdg := e.getenv("XDG_CONFIG_HOME"); xdg != "" {
		files = append(files, filepath.Join(xdg, "git", "config"))
	} else if h := e.home(); h != "" {
		files = append(files, filepath.Join(h, ".config", "git", "config"))
	}
	if h := e.home(); h != "" {
		files = append(files, filepath.Join(h, ".gitconfig"))
	}
	return files
}

// loadConfig reads the system and global config files and, inside a
// repository, the repository's own config. Missing files are skipped.
func loadConfig(env configEnv) (*gitConfig, error) {
	files := env.globalConfigFiles()
	if env.gitDir != "" {
		files = append(files, filepath.Join(env.gitDir, "config"))
	}
	c := &gitConfig{}
	for _, f := range files {
		if err := c.loadFile(env, f, 0); err != nil {
			return nil, err
		}
	}
	return c, nil
}

const maxIncludeDepth = 10

func (c *gitConfig) loadFile(env configEnv, file string, depth int) error {
	if depth > maxIncludeDepth {
		return fmt.Errorf("gitrepo: config %s: includes nested more than %d deep", file, maxIncludeDepth)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil // missing files, included ones too, are skipped as in git
		}
		return fmt.Errorf("gitrepo: reading config: %w", err)
	}
	entries, err := parseConfig(string(data))
	if err != nil {
		return fmt.Errorf("gitrepo: config %s: %w", file, err)
	}
	for _, e := range entries {
		c.entries = append(c.entries, e)
		if e.key != "path" || e.value == "" {
			continue
		}
		switch {
		case e.section == "include" && e.subsection == "":
		case e.section == "includeif" && includeConditionHolds(env, file, e.subsection):
		default:
			continue
		}
		inc := expandHome(env, e.value)
		if !filepath.IsAbs(inc) {
			inc = filepath.Join(filepath.Dir(file), inc)
		}
		if err := c.loadFile(env, inc, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func expandHome(env configEnv, p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(env.home(), rest)
	}
	return p
}

// includeConditionHolds evaluates the condition of an [includeIf "..."]
// section. Supported: gitdir:, gitdir/i: and onbranch:; anything else is
// false, as git treats unknown conditions.
func includeConditionHolds(env configEnv, file, cond string) bool {
	kind, pattern, ok := strings.Cut(cond, ":")
	if !ok || pattern == "" {
		return false
	}
	switch kind {
	case "gitdir", "gitdir/i":
		if env.gitDir == "" {
			return false
		}
		// Joined by hand: filepath.Join would drop the trailing "/"
		// that stands for "and everything below".
		if rest, ok := strings.CutPrefix(pattern, "~/"); ok {
			pattern = strings.TrimSuffix(filepath.ToSlash(env.home()), "/") + "/" + rest
		} else if rest, ok := strings.CutPrefix(pattern, "./"); ok {
			dir := filepath.Dir(file)
			if real, err := filepath.EvalSymlinks(dir); err == nil {
				dir = real // git uses the real path of the including file
			}
			pattern = strings.TrimSuffix(filepath.ToSlash(dir), "/") + "/" + rest
		}
		if !strings.HasPrefix(pattern, "/") && !filepath.IsAbs(pattern) {
			pattern = "**/" + pattern
		}
		if strings.HasSuffix(pattern, "/") {
			pattern += "**"
		}
		fold := kind == "gitdir/i"
		dirs := []string{env.gitDir}
		if real, err := filepath.EvalSymlinks(env.gitDir); err == nil && real != env.gitDir {
			dirs = append(dirs, real)
		}
		for _, d := range dirs {
			if wildmatch(pattern, filepath.ToSlash(d), fold) {
				return true
			}
		}
		return false
	case "onbranch":
		if env.branch == "" {
			return false
		}
		if strings.HasSuffix(pattern, "/") {
			pattern += "**"
		}
		return wildmatch(pattern, env.branch, false)
	}
	return false
}

// wildmatch matches a slash path against a git wildcard pattern in which
// "*" and "?" do not match "/", and "**" between slashes matches any number
// of directories.
func wildmatch(pattern, name string, fold bool) bool {
	var re strings.Builder
	if fold {
		re.WriteString("(?i)")
	}
	re.WriteString("^")
	for i := 0; i < len(pattern); {
		switch {
		case strings.HasPrefix(pattern[i:], "**/"):
			re.WriteString("(?:.*/)?")
			i += 3
		case strings.HasPrefix(pattern[i:], "/**") && i+3 == len(pattern):
			re.WriteString("/.*")
			i += 3
		case strings.HasPrefix(pattern[i:], "**"):
			re.WriteString(".*")
			i += 2
		case pattern[i] == '*':
			re.WriteString("[^/]*")
			i++
		case pattern[i] == '?':
			re.WriteString("[^/]")
			i++
		case pattern[i] == '[':
			end := strings.IndexByte(pattern[i+1:], ']')
			if end < 0 {
				re.WriteString(regexp.QuoteMeta("["))
				i++
				continue
			}
			class := pattern[i+1 : i+1+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			re.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += end + 2
		case pattern[i] == '\\' && i+1 < len(pattern):
			re.WriteString(regexp.QuoteMeta(pattern[i+1 : i+2]))
			i += 2
		default:
			re.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
			i++
		}
	}
	re.WriteString("$")
	m, err := regexp.MatchString(re.String(), name)
	return err == nil && m
}

// parseConfig reads the text of one git config file into its entries, in
// file order.
//
// The "key = value" lines are decoded by go-git's config-format decoder,
// which unquotes values, decodes the \n \t \b \\ \" escapes, drops comments
// and surrounding whitespace, and rejects malformed lines (unknown escapes,
// unterminated quotes, a key before any section, a key that does not start
// with a letter, NUL bytes, invalid UTF-8). What that decoder reads
// differently from git, or cannot express, is dealt with by configSource
// before the text reaches it:
//
//   - Section headers are read here, git's way: the decoder rejects the
//     deprecated [section.sub] form, a key on the same line as its header,
//     backslashes before ordinary characters in a subsection name and
//     [section ""], and accepts headers git rejects ([ core ], [a"b"]).
//   - A backslash at the end of a line joins the next line to the value;
//     the decoder would keep the line break in the value.
//   - A key without "=" is a boolean true; the decoder gives it the empty
//     value, which reads as false. Git allows nothing after such a key, not
//     even a comment; the decoder does.
//   - Outside quotes, whitespace inside a value is one space per tab or
//     space, and none before the value's first character (even after ""),
//     as in git; the decoder keeps tabs and keeps spaces after "".
//   - Key names must be ASCII; the decoder accepts any Unicode letter.
//   - The decoder merges all sections of one name, losing the order of
//     entries across sections that includes depend on, so each section is
//     handed to it under its own numbered placeholder header.
func parseConfig(s string) ([]configEntry, error) {
	src := &configSource{}
	stop := src.read(strings.TrimPrefix(s, "\uFEFF"))
	decoded, err := src.decode()
	if err == nil {
		err = stop // the decoder found no error before the line read stopped at
	}
	if err != nil {
		return nil, err
	}
	var entries []configEntry
	for _, sec := range decoded.Sections {
		for _, sub := range sec.Subsections {
			n, err := strconv.Atoi(sub.Name)
			if err != nil || n < 0 || n >= len(src.headers) {
				return nil, fmt.Errorf("unexpected section %q from the decoder", sub.Name)
			}
			h := src.headers[n]
			if h.unreadable {
				continue
			}
			for _, o := range sub.Options {
				entries = append(entries, configEntry{
					section:    h.section,
					subsection: h.subsection,
					key:        strings.ToLower(o.Key),
					value:      o.Value,
				})
			}
		}
	}
	return entries, nil
}

// configHeader is a section header as git reads it.
type configHeader struct {
	section, subsection string
	// unreadable marks headers git accepts but under which no lookup of
	// this package can find a variable: an empty section name ([.x],
	// [ "x"]) or an empty subsection name ([x.], [x ""]). Their lines are
	// still checked by the decoder.
	unreadable bool
}

// configSource is a config file rewritten for go-git's decoder: one line per
// logical line of the file, section headers replaced by placeholders.
type configSource struct {
	text    strings.Builder
	lines   []int          // the file's line number of each line of text
	headers []configHeader // the header behind placeholder [s "N"]
}

func (src *configSource) add(line int, text string) {
	src.text.WriteString(text)
	src.text.WriteByte('\n')
	src.lines = append(src.lines, line)
}

// read rewrites the file s. It stops at the first line the decoder must not
// see and returns that line's error.
func (src *configSource) read(s string) error {
	phys := strings.Split(s, "\n")
	for n := 0; n < len(phys); n++ {
		line := n + 1
		rest := strings.TrimLeft(physLine(phys, n), " \t\r")
		for strings.HasPrefix(rest, "[") {
			h, after, err := parseConfigHeader(rest)
			if err != nil {
				return fmt.Errorf("line %d: %w", line, err)
			}
			src.add(line, `[s "`+strconv.Itoa(len(src.headers))+`"]`)
			src.headers = append(src.headers, h)
			rest = strings.TrimLeft(after, " \t\r")
		}
		if rest == "" || rest[0] == '#' || rest[0] == ';' {
			continue
		}
		end := strings.IndexAny(rest, " \t\r=#;")
		if end < 0 {
			end = len(rest)
		}
		key, after := rest[:end], strings.TrimLeft(rest[end:], " \t")
		if strings.ContainsFunc(key, func(r rune) bool { return r >= 0x80 }) {
			return fmt.Errorf("line %d: invalid key name %q", line, key)
		}
		switch {
		case key == "":
			src.add(line, rest) // not a variable: the decoder says why
		case after == "":
			src.add(line, key+" = true")
		case after[0] != '=':
			return fmt.Errorf("line %d: expected '=' after %q", line, key)
		default:
			v := &configValue{}
			v.b.WriteString(key + " = ")
			text := after[1:]
			for {
				continues, err := v.scan(text)
				if err != nil {
					return fmt.Errorf("line %d: %w", n+1, err)
				}
				if !continues || n+1 == len(phys) {
					break
				}
				n++ // a continuation: join the next line
				text = physLine(phys, n)
			}
			src.add(line, v.b.String())
		}
	}
	return nil
}

// physLine returns line n of a file split at "\n", without the "\r" of a
// CRLF line ending.
func physLine(phys []string, n int) string {
	if n+1 < len(phys) {
		return strings.TrimSuffix(phys[n], "\r")
	}
	return phys[n]
}

// decode runs go-git's decoder over the rewritten text; its errors name the
// line of the file.
func (src *configSource) decode() (cfg *format.Config, err error) {
	defer func() {
		// The decoder's unquoting panics, instead of failing, on a
		// malformed value; its scanner should reject those first, but a
		// config file must not be able to crash fleetctl.
		if r := recover(); r != nil {
			cfg, err = nil, fmt.Errorf("%v", r)
		}
	}()
	cfg = format.New()
	if err := format.NewDecoder(strings.NewReader(src.text.String())).Decode(cfg); err != nil {
		return nil, src.lineError(err)
	}
	return cfg, nil
}

// lineError turns the decoder's "L:C: message" into "line N: message", N
// being the line of the file where decoder line L starts.
func (src *configSource) lineError(err error) error {
	pos, msg, ok := strings.Cut(err.Error(), ": ")
	l, _, _ := strings.Cut(pos, ":")
	n, convErr := strconv.Atoi(l)
	if !ok || convErr != nil || n < 1 || n > len(src.lines) {
		return err
	}
	return fmt.Errorf("line %d: %s", src.lines[n-1], msg)
}

// configValue collects the text of one value for the decoder.
type configValue struct {
	b       strings.Builder
	quoted  bool // inside "..."
	started bool // a character of the value has been seen
	spaces  int  // whitespace outside quotes, written before the next character
}

// scan appends one line of a value and reports whether it ends in a line
// continuation. Escapes are left for the decoder to check and decode, but
// for a backslash before a CR, which git rejects and the decoder would take
// for part of a line break; a comment ends the value.
func (v *configValue) scan(s string) (continues bool, err error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !v.quoted {
			if c == ' ' || c == '\t' || c == '\r' {
				if v.started {
					v.spaces++
				}
				continue
			}
			if c == '#' || c == ';' {
				return false, nil
			}
		}
		if c == '\\' && i+1 == len(s) {
			// Git keeps the whitespace before the backslash, which the
			// decoder would trim if the value ended here: quote it.
			if v.spaces > 0 {
				v.b.WriteString(`"` + strings.Repeat(" ", v.spaces) + `"`)
				v.spaces = 0
			}
			return true, nil
		}
		v.b.WriteString(strings.Repeat(" ", v.spaces))
		v.spaces = 0
		switch c {
		case '"':
			v.quoted = !v.quoted
			v.b.WriteByte(c)
		case '\\':
			if s[i+1] == '\r' {
				return false, errors.New("unknown escape sequence")
			}
			v.b.WriteString(s[i : i+2])
			v.started = true
			i++
		default:
			v.b.WriteByte(c)
			v.started = true
		}
	}
	return false, nil
}

func isConfigKeyChar(c byte) bool {
	return c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

var errBadConfigHeader = errors.New("bad section header")

// parseConfigHeader reads the section header at the start of s, which begins
// with "[", and returns the rest of the line after its "]". As in git, the
// section name (letters, digits, "-" and ".") is lower-cased and a "." in
// it starts a subsection ([section.sub], lower-cased too); a quoted
// subsection ([section "Sub"]) keeps its case, and a backslash in it
// escapes any character.
func parseConfigHeader(s string) (h configHeader, rest string, err error) {
	i := 1
	for i < len(s) && (isConfigKeyChar(s[i]) || s[i] == '.') {
		i++
	}
	name := strings.ToLower(s[1:i])
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
		i++
	}
	switch {
	case i < len(s) && s[i] == ']' && i == 1+len(name) && name != "":
	case i < len(s) && s[i] == '"' && i > 1+len(name):
		var sub strings.Builder
		for i++; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' {
				i++
			}
			if i < len(s) {
				sub.WriteByte(s[i])
			}
		}
		if i+1 >= len(s) || s[i+1] != ']' {
			return h, "", errBadConfigHeader
		}
		i++
		name += "." + sub.String()
	default:
		return h, "", errBadConfigHeader
	}
	section, sub, hasSub := strings.Cut(name, ".")
	h = configHeader{section: section, subsection: sub, unreadable: section == "" || hasSub && sub == ""}
	return h, s[i+1:], nil
}
