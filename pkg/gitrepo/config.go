package gitrepo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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
		if strings.HasPrefix(pattern, "~/") {
			pattern = filepath.ToSlash(expandHome(env, pattern))
		} else if rest, ok := strings.CutPrefix(pattern, "./"); ok {
			pattern = filepath.ToSlash(filepath.Join(filepath.Dir(file), rest))
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

// parseConfig parses the text of a git config file.
func parseConfig(s string) ([]configEntry, error) {
	p := &configParser{s: s, line: 1}
	return p.parse()
}

type configParser struct {
	s    string
	i    int
	line int
}

func (p *configParser) errorf(format string, args ...any) error {
	return fmt.Errorf("line %d: %s", p.line, fmt.Sprintf(format, args...))
}

func (p *configParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *configParser) skipToEOL() {
	for p.i < len(p.s) && p.s[p.i] != '\n' {
		p.i++
	}
}

func isConfigKeyChar(c byte) bool {
	return c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (p *configParser) parse() ([]configEntry, error) {
	var entries []configEntry
	section, subsection := "", ""
	if strings.HasPrefix(p.s, "\uFEFF") {
		p.i = len("\uFEFF")
	}
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '\n':
			p.line++
			p.i++
		case c == ' ' || c == '\t' || c == '\r':
			p.i++
		case c == '#' || c == ';':
			p.skipToEOL()
		case c == '[':
			var err error
			section, subsection, err = p.parseHeader()
			if err != nil {
				return nil, err
			}
		case isConfigKeyChar(c):
			if section == "" {
				return nil, p.errorf("key outside of any section")
			}
			start := p.i
			for p.i < len(p.s) && isConfigKeyChar(p.s[p.i]) {
				p.i++
			}
			key := strings.ToLower(p.s[start:p.i])
			for p.peek() == ' ' || p.peek() == '\t' {
				p.i++
			}
			value := "true" // a key without "=" is a boolean true
			if p.peek() == '=' {
				p.i++
				v, err := p.parseValue()
				if err != nil {
					return nil, err
				}
				value = v
			} else if c := p.peek(); c != '\n' && c != '\r' && c != '#' && c != ';' && c != 0 {
				return nil, p.errorf("bad config line")
			}
			entries = append(entries, configEntry{section: section, subsection: subsection, key: key, value: value})
		default:
			return nil, p.errorf("bad config line")
		}
	}
	return entries, nil
}

func (p *configParser) parseHeader() (section, subsection string, err error) {
	p.i++ // '['
	start := p.i
	for p.i < len(p.s) && (isConfigKeyChar(p.s[p.i]) || p.s[p.i] == '.') {
		p.i++
	}
	name := p.s[start:p.i]
	if name == "" {
		return "", "", p.errorf("bad section header")
	}
	switch p.peek() {
	case ']':
		p.i++
		// Deprecated [section.subsection] syntax: subsection is lower-cased.
		sec, sub, _ := strings.Cut(name, ".")
		return strings.ToLower(sec), strings.ToLower(sub), nil
	case ' ', '\t':
		for p.peek() == ' ' || p.peek() == '\t' {
			p.i++
		}
		if p.peek() != '"' {
			return "", "", p.errorf("bad section header")
		}
		p.i++
		var sub strings.Builder
		for {
			if p.i >= len(p.s) || p.s[p.i] == '\n' {
				return "", "", p.errorf("unterminated section header")
			}
			c := p.s[p.i]
			p.i++
			if c == '"' {
				break
			}
			if c == '\\' && p.i < len(p.s) && p.s[p.i] != '\n' {
				c = p.s[p.i]
				p.i++
			}
			sub.WriteByte(c)
		}
		if p.peek() != ']' {
			return "", "", p.errorf("bad section header")
		}
		p.i++
		return strings.ToLower(name), sub.String(), nil
	}
	return "", "", p.errorf("bad section header")
}

// parseValue reads a value after "=": surrounding whitespace is dropped,
// double quotes preserve it, "#" and ";" outside quotes start a comment, and
// a backslash escapes \n, \t, \b, \\ and \" or continues the line.
func (p *configParser) parseValue() (string, error) {
	var b strings.Builder
	quoted := false
	pendingSpace := ""
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '\n' {
			if quoted {
				return "", p.errorf("unterminated quoted value")
			}
			break
		}
		p.i++
		switch {
		case c == '\r' && p.peek() == '\n':
			continue
		case !quoted && (c == ' ' || c == '\t'):
			if b.Len() > 0 {
				pendingSpace += string(c)
			}
			continue
		case !quoted && (c == '#' || c == ';'):
			p.skipToEOL()
			return b.String(), nil
		}
		b.WriteString(pendingSpace)
		pendingSpace = ""
		switch c {
		case '"':
			quoted = !quoted
		case '\\':
			if p.i >= len(p.s) {
				return "", p.errorf("bad escape at end of file")
			}
			e := p.s[p.i]
			p.i++
			switch e {
			case '\n':
				p.line++
			case '\r':
				if p.peek() == '\n' {
					p.i++
					p.line++
				}
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			case '\\', '"':
				b.WriteByte(e)
			default:
				return "", p.errorf("bad escape sequence \\%c", e)
			}
		default:
			b.WriteByte(c)
		}
	}
	if quoted {
		return "", p.errorf("unterminated quoted value")
	}
	return b.String(), nil
}
