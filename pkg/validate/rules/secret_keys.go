package rules

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/fleetctl/fleetctl/pkg/validate"
)

// The rules of SecretRules that are not about one kind of object: credential patterns, URLs with a
// password and password-like keys with literal values.

type compiledPattern struct {
	credentialPattern
	re *regexp.Regexp
}

// compiledPatterns compiles credentialPatterns once, on first use.
var compiledPatterns = sync.OnceValue(func() []*compiledPattern {
	out := make([]*compiledPattern, len(credentialPatterns))
	for i, p := range credentialPatterns {
		out[i] = &compiledPattern{credentialPattern: p, re: regexp.MustCompile(p.regex)}
	}
	return out
})

// activePatterns returns the patterns one of whose keywords the lower-cased file holds: the
// prefilter gitleaks uses, so that a file without "ghp_" never runs the GitHub regex.
func activePatterns(lower string) []*compiledPattern {
	var out []*compiledPattern
	for _, p := range compiledPatterns() {
		if containsAny(lower, p.keywords) {
			out = append(out, p)
		}
	}
	return out
}

func containsAny(s string, subs []string) bool {
	for _, k := range subs {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

// shannon is the Shannon entropy of s in bits per byte, as gitleaks computes it.
func shannon(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	e, n := 0.0, float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			e -= p * math.Log2(p)
		}
	}
	return e
}

// describe names a secret value without repeating it: its first 4 characters when it is long
// enough that they give little away (12 or more), and its length.
func describe(v string) string {
	n := utf8.RuneCountInString(v)
	if n >= 12 {
		i, r := 0, 0
		for r < 4 {
			_, size := utf8.DecodeRuneInString(v[i:])
			i += size
			r++
		}
		return fmt.Sprintf("%q… (%d characters)", v[:i], n)
	}
	return fmt.Sprintf("of %d characters", n)
}

const credentialFix = "remove it from the file and rotate it (it stays in git history); reference a Secret created out of band (secretRef, valuesFrom, ExternalSecret) or commit it encrypted (SOPS, Sealed Secrets)"

// patterns runs the active credential patterns on one line; ll is the line in lower case.
func (s *secretScan) patterns(lineNo int, l, ll string) {
	for _, p := range s.active {
		if !containsAny(ll, p.keywords) {
			continue
		}
		for _, m := range p.re.FindAllStringSubmatchIndex(l, -1) {
			a, b := m[0], m[1]
			if len(m) >= 4 && m[2] >= 0 {
				a, b = m[2], m[3]
			}
			v := l[a:b]
			if p.entropy > 0 && shannon(v) < p.entropy {
				continue
			}
			s.add(validate.RuleSecretPattern, lineNo, a+1, "",
				fmt.Sprintf("value %s has the shape of a credential (gitleaks pattern %s)", describe(v), p.id), credentialFix)
			return
		}
	}
}

var urlCredRE = regexp.MustCompile("([A-Za-z][A-Za-z0-9+.\\-]{0,20})://([^\\s:/?#@\"'`]*):([^\\s/?#@\"'`]+)@([A-Za-z0-9.\\-_\\[\\]]*)")

// urlCredentials reports a URL with a password in its user info.
func (s *secretScan) urlCredentials(lineNo int, l string) {
	for _, m := range urlCredRE.FindAllStringSubmatchIndex(l, -1) {
		pass := l[m[6]:m[7]]
		if placeholderValue(pass) || placeholderValue(l[m[4]:m[5]]+":"+pass) {
			continue
		}
		scheme, host := l[m[2]:m[3]], l[m[8]:m[9]]
		s.add(validate.RuleSecretURLCreds, lineNo, m[0]+1, "",
			fmt.Sprintf("a %s URL to %s carries a password %s in its user info", scheme, host, describe(pass)),
			"remove the credentials from the URL and rotate the password; give them in a Secret (Flux sources: spec.secretRef)")
		return
	}
}

// placeholderValue reports a value that is not a secret: isPlaceholder's, plus $VAR, %VAR%,
// references of secret injectors (vault:..., ref+...) and placeholder words whatever their
// separators (CHANGE_ME, your-token-here).
func placeholderValue(v string) bool {
	if isPlaceholder(v) {
		return true
	}
	v = cleanValue(v)
	lv := strings.ToLower(v)
	switch {
	case strings.HasPrefix(v, "$"), strings.HasPrefix(v, "%") && strings.HasSuffix(v, "%"),
		strings.HasPrefix(lv, "vault:"), strings.HasPrefix(lv, "ref+"), strings.HasPrefix(lv, "arn:aws:secretsmanager:"),
		strings.HasPrefix(lv, "your"), strings.HasPrefix(lv, "<"), strings.HasPrefix(lv, "***"):
		return true
	}
	n := strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == ' ' || r == '.' {
			return -1
		}
		return r
	}, lv)
	return placeholderWords[n] || n == "replaceme" || n == "notset" || n == "unset" || n == "tbd" || n == "token" || n == "apikey"
}

// redactPatterns replaces in s (a key, a path) whatever a credential pattern matches: a key
// can itself be a token.
func redactPatterns(s string, ps []*compiledPattern) string {
	var ls string
	for _, p := range ps {
		if ls == "" {
			ls = strings.ToLower(s)
		}
		if containsAny(ls, p.keywords) && p.re.MatchString(s) {
			s = p.re.ReplaceAllLiteralString(s, "…")
			ls = ""
		}
	}
	return s
}

// pathTracker follows the key path of a YAML document line by line, from indentation.
type pathTracker struct {
	st        []pathEnt
	rootItems int
}

type pathEnt struct {
	indent int
	key    string // "" for a sequence item
	item   int    // index of a sequence item
	items  int    // items of this key's sequence seen so far
	name   string // a sequence item's name: (env lists: - name: X / value: y)
}

func (p *pathTracker) pop(indent int, items bool) {
	for len(p.st) > 0 {
		t := p.st[len(p.st)-1]
		if t.indent > indent || t.indent == indent && (items || t.key == "") {
			p.st = p.st[:len(p.st)-1]
			continue
		}
		return
	}
}

func (p *pathTracker) path() string {
	var b strings.Builder
	for _, e := range p.st {
		if e.key == "" {
			fmt.Fprintf(&b, "[%d]", e.item)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.key)
	}
	return b.String()
}

// line reads one non-blank, non-comment line. For a key it returns the key, its raw value, its
// 1-based column (path then returns its path) and the name to show in a message (the key, or an env list item's
// name for its value:).
func (p *pathTracker) line(l string) (key, val string, col int, display string, ok bool) {
	ind := indentOf(l)
	rest := l[ind:]
	for rest == "-" || strings.HasPrefix(rest, "- ") {
		p.pop(ind, false)
		idx := &p.rootItems
		if n := len(p.st); n > 0 {
			idx = &p.st[n-1].items
		}
		p.st = append(p.st, pathEnt{indent: ind, item: *idx})
		*idx++
		n := 1
		for n < len(rest) && rest[n] == ' ' {
			n++
		}
		ind, rest = ind+n, rest[n:]
	}
	key, val, ok = splitKey(rest)
	if !ok {
		return "", "", 0, "", false
	}
	p.pop(ind, true)
	display = key
	if n := len(p.st); n > 0 && p.st[n-1].key == "" {
		switch key {
		case "name":
			p.st[n-1].name = cleanValue(val)
		case "value":
			if it := p.st[n-1].name; it != "" {
				display = it
			}
		}
	}
	p.st = append(p.st, pathEnt{indent: ind, key: key})
	return key, val, ind + 1, display, true
}

// splitKey splits "key: value" (the key plain or quoted) into key and raw value.
func splitKey(rest string) (key, val string, ok bool) {
	if rest == "" || strings.IndexByte("{[?&*!|>%@`#,]}", rest[0]) >= 0 {
		return "", "", false
	}
	if q := rest[0]; q == '"' || q == '\'' {
		j := strings.IndexByte(rest[1:], q)
		if j < 0 {
			return "", "", false
		}
		key = rest[1 : j+1]
		after := strings.TrimLeft(rest[j+2:], " ")
		if !strings.HasPrefix(after, ":") || len(after) > 1 && after[1] != ' ' && after[1] != '\t' {
			return "", "", false
		}
		return key, after[1:], key != ""
	}
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case c == '#' && i > 0 && (rest[i-1] == ' ' || rest[i-1] == '\t'):
			return "", "", false
		case c == ':' && (i+1 == len(rest) || rest[i+1] == ' ' || rest[i+1] == '\t'):
			key = strings.TrimRight(rest[:i], " \t")
			return key, rest[i+1:], key != ""
		}
	}
	return "", "", false
}

// secretSuffixes are the endings of password-like key names, compared without case and without
// -, _ and . (GITHUB_TOKEN, github-token, adminPassword, client_secret, aws.secretAccessKey).
var secretSuffixes = []string{
	"password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey", "secretkey",
	"privatekey", "accountkey", "masterkey", "signingkey", "encryptionkey", "authkey", "sharedkey",
}

// secretKeyName reports a password-like key. References are not: existingSecret, ...SecretRef,
// ...SecretName, secretKeyRef, passwordKey, tokenFile end otherwise or are excluded here.
func secretKeyName(key string) bool {
	var buf [80]byte
	if len(key) < 5 || len(key) > len(buf) {
		return false
	}
	lk := strings.ToLower(key) // may grow: invalid UTF-8 becomes U+FFFD
	if len(lk) > len(buf) {
		return false
	}
	if !strings.Contains(lk, "pass") && !strings.Contains(lk, "secret") && !strings.Contains(lk, "token") && !strings.Contains(lk, "key") {
		return false
	}
	n := 0
	for i := 0; i < len(lk); i++ {
		if c := lk[i]; c != '-' && c != '_' && c != '.' && c != ' ' {
			buf[n] = c
			n++
		}
	}
	norm := string(buf[:n])
	if strings.HasPrefix(norm, "existing") || strings.HasPrefix(norm, "use") || strings.HasPrefix(norm, "create") {
		return false
	}
	for _, suf := range secretSuffixes {
		if strings.HasSuffix(norm, suf) {
			return true
		}
	}
	return false
}

// literalValue returns the literal scalar of a raw YAML value, ok false for anything that is not
// a secret: empty, a placeholder or reference, an alias, a tagged value, a flow collection, a
// boolean or null, an unquoted number, shorter than 4 characters, or the name of a Secret. A block scalar is literal
// when it has content; its first line is returned.
func literalValue(raw string, lines []string, i int) (string, bool) {
	r := strings.TrimSpace(raw)
	if strings.HasPrefix(r, "&") { // an anchor
		_, r, _ = strings.Cut(r, " ")
		r = strings.TrimSpace(r)
	}
	if r == "" || r[0] == '#' || r[0] == '*' || r[0] == '!' || r[0] == '{' || r[0] == '[' {
		return "", false
	}
	if isBlockScalar(r) {
		if i >= len(lines) || !blockHasContent(lines, i) {
			return "", false
		}
		for j := i + 1; j < len(lines); j++ {
			if t := strings.TrimSpace(lines[j]); t != "" {
				return t, true
			}
		}
		return "", false
	}
	quoted := r[0] == '"' || r[0] == '\''
	v := cleanValue(r)
	if utf8.RuneCountInString(v) < 4 || placeholderValue(v) {
		return "", false
	}
	if secretObjectName(v) {
		return "", false
	}
	if !quoted {
		switch strings.ToLower(v) {
		case "true", "false", "yes", "no", "on", "off", "null":
			return "", false
		}
		if _, err := strconv.ParseFloat(strings.ReplaceAll(v, "_", ""), 64); err == nil {
			return "", false
		}
	}
	return v, true
}

var objectNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$`)

// nameWords are the words that, as a dash-separated part of a Kubernetes object name, say that a
// value is the name of a Secret (aso-credentials, ingress-tls, db-password) rather than a secret.
var nameWords = map[string]bool{
	"secret": true, "secrets": true, "credentials": true, "creds": true, "tls": true, "cert": true,
	"certs": true, "auth": true, "token": true, "tokens": true, "key": true, "keys": true,
	"password": true, "passwords": true, "kubeconfig": true, "sops": true, "age": true,
}

// secretObjectName reports a value that is the name of a Secret object: a lower-case DNS name
// with a part that names what the Secret holds (credentialsSecret: aso-credentials).
func secretObjectName(v string) bool {
	if len(v) > 253 || !strings.ContainsAny(v, "-.") || !objectNameRE.MatchString(v) {
		return false
	}
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return r == '-' || r == '.' }) {
		if nameWords[w] {
			return true
		}
	}
	return false
}

const passwordFix = "do not commit the value: reference a Secret (secretRef, secretKeyRef, valuesFrom with kind Secret, an ExternalSecret) or encrypt the file with SOPS, and rotate the value (it stays in git history)"

// keyValue reports a password-like key with a literal value.
func (s *secretScan) keyValue(lines []string, i, lineNo, col int, key, display string, paths *pathTracker, raw string) {
	if !secretKeyName(display) {
		return
	}
	v, ok := literalValue(raw, lines, i)
	if !ok {
		return
	}
	path, display := redactPatterns(paths.path(), s.active), redactPatterns(display, s.active)
	name := display
	if display != key {
		name = fmt.Sprintf("%s (the value of env %s)", path, display)
	}
	s.add(validate.RuleSecretPasswordKey, lineNo, col, path,
		fmt.Sprintf("%s has a literal value %s", name, describe(v)), passwordFix)
}

var envLineRE = regexp.MustCompile(`^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)=(\S.*)$`)

// envLine reports KEY=value lines (dotenv files, scripts, block scalars holding them).
func (s *secretScan) envLine(lineNo int, l string) {
	if strings.IndexByte(l, '=') < 0 {
		return
	}
	m := envLineRE.FindStringSubmatchIndex(l)
	if m == nil {
		return
	}
	key, raw := l[m[2]:m[3]], l[m[4]:m[5]]
	if !secretKeyName(key) {
		return
	}
	v, ok := literalValue(raw, nil, 0)
	if !ok {
		return
	}
	key = redactPatterns(key, s.active)
	s.add(validate.RuleSecretPasswordKey, lineNo, m[2]+1, key,
		fmt.Sprintf("%s has a literal value %s", key, describe(v)), passwordFix)
}
