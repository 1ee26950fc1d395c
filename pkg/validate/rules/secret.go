// Notes on the secret scan of this package (SecretRules, SecretScanner):
//
// Credential patterns (rule secret/credential-pattern) are kept as data in secret_patterns.go,
// copied with their gitleaks rule ids, regexes, keywords and entropy thresholds from gitleaks
// v8.30.1's default config (config/gitleaks.toml), instead of importing gitleaks' detector
// (github.com/zricethezav/gitleaks/v8, of which the Go proxy serves v8.28.0 and v8.30.1). The
// detector builds with Go 1.26.8 without a newer toolchain, but measured in fleetctl it added 7.8 MB
// (+7.8%) to the binary (archive, compression, TUI and logging modules come with it), cost 1.0-1.25
// ms per small cluster file (its generic rules run on every file that mentions "key" or "token"),
// which alone is about 3 s of the 4 s budget of a 1,000-cluster fleet (5,000 files) on 2 cores, and
// its default-config constructor writes viper's global instance. What it finds that a key-aware scan
// cannot is the prefix-anchored token formats (ghp_, glpat-, xoxb-, AKIA, ...): those are taken
// verbatim, so they can be refreshed from a newer gitleaks by copying their [[rules]] entries. All
// of them report the one rule id secret/credential-pattern and name the gitleaks pattern in the
// message: one stable id for SARIF and suppressions, which does not change when patterns are added.
// The key-aware rules (secret/password-field, secret/url-credentials) replace gitleaks' generic
// rules, and know YAML placeholders, references and SOPS values, which gitleaks does not. With the
// keyword prefilter the whole scan costs less per file than the scan before these rules
// (BenchmarkSecretRules: about 35 µs for a cluster values file, 63 µs for a HelmRelease, against
// 60 and 105 µs before) and adds about 70 KB to the binary.
package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/validate"
)

// SecretRules scans one file's content for committed secret values: Kubernetes Secret objects with
// data or stringData (unless SOPS-encrypted), Azure client secrets (by key name or by the shape of
// the value), private keys, Azure connection strings with an account or shared access key, SAS
// tokens, kubeconfigs carrying client-key-data, a token or a password, values shaped like a known
// credential (gitleaks' token patterns), URLs with a password (scheme://user:password@host), and
// password-like keys (password, token, secret, apiKey, ...; also as a suffix: GITHUB_TOKEN,
// adminPassword) holding a literal scalar in any YAML, or in KEY=value lines. It reads the content
// line by line, so it also works on files that are not valid YAML, and never repeats a secret value
// in a finding (at most its first 4 characters and its length). Values that are placeholders or
// references (empty, ${VAR}, $VAR, {{ .Values.x }}, <...>, ENC[...], changeme-style words, a run of
// one character) are not secrets, nor are booleans, numbers, YAML aliases and flow collections.
// Findings are sorted. SecretRules does not know the repo's .sops.yaml; SecretScanner does.
func SecretRules(file string, content []byte) []validate.Finding {
	text := string(content)
	s := &secretScan{file: file, active: activePatterns(strings.ToLower(text))}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	start := 0
	for i := 0; i <= len(lines); i++ {
		if i == len(lines) || isDocBoundary(lines[i]) {
			s.doc(lines[start:i], start)
			start = i + 1
		}
	}
	validate.Sort(s.out)
	return s.out
}

type secretScan struct {
	file   string
	active []*compiledPattern // the credential patterns whose keywords the file holds
	object string             // "Kind name" of the current document, when known
	quiet  bool               // in a Secret's data: only the rules of the first scan run
	out    []validate.Finding
}

func (s *secretScan) add(rule string, line, col int, field, msg, fix string) {
	f := newFinding(rule, s.file, field, msg, fix)
	f.Line, f.Column = line, col
	switch rule {
	case validate.RuleSecretPattern, validate.RuleSecretURLCreds, validate.RuleSecretPasswordKey:
		f.Object = s.object
	}
	s.out = append(s.out, f)
}

// hasLine reports whether a finding was already added on line lineNo; the rules of a line run in
// order, most specific first, and the general ones (patterns, URLs, keys) add nothing to a line
// already reported.
func (s *secretScan) hasLine(lineNo int) bool {
	return len(s.out) > 0 && s.out[len(s.out)-1].Line == lineNo
}

const rotateFix = "remove it from the file and rotate it (it stays in git history); keep it in a Secret created out of band (workload identity for Azure) or commit it encrypted (SOPS, Sealed Secrets)"

var (
	topKeyRE        = regexp.MustCompile(`^["']?([A-Za-z0-9_.\-]+)["']?\s*:(?:\s+(.*))?$`)
	childKeyRE      = regexp.MustCompile(`^\s+(?:-\s+)?["']?([^"':#\s][^"':]*)["']?\s*:(?:\s+(.*))?$`)
	clientSecretRE  = regexp.MustCompile(`(?i)^\s*(?:[-{,]\s*)?(?:export\s+)?["']?((?:azure[_-]?)?client[_-]?secret)["']?\s*[:=]\s*(.*)$`)
	clientShapeRE   = regexp.MustCompile(`(?:^|[^A-Za-z0-9_~.\-])[A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34}(?:$|[^A-Za-z0-9_~.\-])`)
	privateKeyRE    = regexp.MustCompile(`-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----`)
	connKeyRE       = regexp.MustCompile(`(?i)\b(AccountKey|SharedAccessKey)\s*=\s*([A-Za-z0-9+/]{20,}={0,2})`)
	sasSigRE        = regexp.MustCompile(`(?i)(?:^|[?&;\s"'])sig=([A-Za-z0-9%+/=_\-]{16,})`)
	sasParamRE      = regexp.MustCompile(`(?i)(?:^|[?&;\s"'])s[ve]=`)
	clientKeyDataRE = regexp.MustCompile(`^\s*(?:-\s+)?["']?(client-key-data)["']?\s*:\s*(.*)$`)
	kubeTokenRE     = regexp.MustCompile(`^\s*(?:-\s+)?["']?(token|password|access-token|id-token|refresh-token)["']?\s*:\s*(.*)$`)
	kubeUsersRE     = regexp.MustCompile(`^\s*["']?users["']?\s*:`)
	kubeOtherRE     = regexp.MustCompile(`^\s*["']?(clusters|contexts|current-context)["']?\s*:|^\s*kind:\s*["']?Config["']?\s*$`)
)

func isSecretChar(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("_~.-", b) >= 0
}

// isDocBoundary reports a YAML document marker (--- or ...), not a -----BEGIN line.
func isDocBoundary(l string) bool {
	if l == "..." {
		return true
	}
	return strings.HasPrefix(l, "---") && (len(l) == 3 || l[3] == ' ' || l[3] == '\t')
}

func indentOf(l string) int { return len(l) - len(strings.TrimLeft(l, " \t")) }

func isComment(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "#") }

// cleanValue returns the scalar at the start of v: a quoted string without its quotes, or the text
// before a comment or trailing comma.
func cleanValue(v string) string {
	v = strings.TrimSpace(v)
	if v != "" && (v[0] == '"' || v[0] == '\'') {
		if j := strings.IndexByte(v[1:], v[0]); j >= 0 {
			return strings.TrimSpace(v[1 : j+1])
		}
		return strings.TrimSpace(v[1:])
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), ","))
}

var placeholderWords = map[string]bool{
	"null": true, "~": true, "none": true, "changeme": true, "change-me": true, "redacted": true,
	"placeholder": true, "todo": true, "secret": true, "password": true, "example": true, "dummy": true,
	"fake": true, "test": true,
}

// isPlaceholder reports a value that is not a secret: empty, a reference or substitution, an
// encrypted value, a placeholder word or a run of one character.
func isPlaceholder(v string) bool {
	v = cleanValue(v)
	switch {
	case v == "", placeholderWords[strings.ToLower(v)],
		strings.Contains(v, "${"), strings.Contains(v, "{{"), strings.Contains(v, "$("),
		strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">"),
		strings.HasPrefix(v, "ENC["):
		return true
	}
	for i := 1; i < len(v); i++ {
		if v[i] != v[0] {
			return false
		}
	}
	return true
}

// isBlockScalar reports a YAML block scalar indicator such as |, |-, >+ or |2.
func isBlockScalar(v string) bool {
	v = cleanValue(v)
	return v != "" && (v[0] == '|' || v[0] == '>') && len(v) <= 3
}

const maxBlockScan = 200

// blockHasContent reports whether the block scalar that starts after lines[i] has a real value.
func blockHasContent(lines []string, i int) bool {
	ind := indentOf(lines[i])
	// Look at a bounded number of lines, so that a file of many block scalars stays linear.
	for j := i + 1; j < len(lines) && j <= i+maxBlockScan; j++ {
		l := lines[j]
		if strings.TrimSpace(l) == "" {
			continue
		}
		if indentOf(l) <= ind {
			return false
		}
		if !isPlaceholder(l) {
			return true
		}
	}
	return false
}

// doc scans one YAML document; off is the index of its first line in the file.
func (s *secretScan) doc(lines []string, off int) {
	var (
		kind, name       string
		sops             bool
		users, otherKube bool
		dataKeys         []int
		inMetadata       bool
	)
	for i, l := range lines {
		// The substring tests keep the regexes off the lines that cannot match.
		if !users && strings.Contains(l, "users") && kubeUsersRE.MatchString(l) {
			users = true
		}
		if !otherKube && (strings.Contains(l, "Config") || strings.Contains(l, "context") || strings.Contains(l, "clusters")) && kubeOtherRE.MatchString(l) {
			otherKube = true
		}
		if l == "" || isComment(l) {
			continue
		}
		if indentOf(l) > 0 {
			if inMetadata && name == "" {
				if m := childKeyRE.FindStringSubmatch(l); m != nil && m[1] == "name" {
					name = cleanValue(m[2])
				}
			}
			continue
		}
		m := topKeyRE.FindStringSubmatch(l)
		inMetadata = m != nil && m[1] == "metadata"
		if m == nil {
			continue
		}
		switch m[1] {
		case "kind":
			kind = cleanValue(m[2])
		case "sops":
			sops = true
		case "data", "stringData":
			dataKeys = append(dataKeys, i)
		}
	}
	kubeconfig := users && otherKube

	if kind == "Secret" && !sops {
		for _, i := range dataKeys {
			if !dataHasValues(lines, i) {
				continue
			}
			key := topKeyRE.FindStringSubmatch(lines[i])[1]
			obj := "Secret"
			if name != "" {
				obj = fmt.Sprintf("Secret %q", name)
			}
			f := newFinding(validate.RuleSecretObject, s.file, key,
				fmt.Sprintf("%s has %s values committed in plain text (base64 is not encryption)", obj, key),
				"remove the Secret from git and rotate its values; create it out of band, or commit it encrypted (SOPS, Sealed Secrets) or as an ExternalSecret")
			f.Line, f.Column = off+i+1, 1
			if name != "" {
				f.Object = "Secret " + name
			}
			s.out = append(s.out, f)
		}
	}

	s.object = ""
	if kind != "" && name != "" {
		s.object = kind + " " + name
	}
	secretObject := kind == "Secret" && !sops
	var (
		paths  pathTracker
		topKey string
	)
	for i, l := range lines {
		lineNo := off + i + 1
		if l != "" && indentOf(l) == 0 && !isComment(l) {
			if k, _, ok := splitKey(l); ok {
				topKey = k
			}
		}
		// A Secret's data is reported as a whole by secret/kubernetes-secret.
		s.quiet = secretObject && (topKey == "data" || topKey == "stringData")
		s.line(lines, i, lineNo, l, kubeconfig)
		if s.quiet || strings.TrimSpace(l) == "" || isComment(l) {
			continue
		}
		key, val, col, display, ok := paths.line(l)
		if !ok {
			if !s.hasLine(lineNo) {
				s.envLine(lineNo, l)
			}
			continue
		}
		if s.hasLine(lineNo) {
			continue
		}
		s.keyValue(lines, i, lineNo, col, key, display, &paths, val)
	}
}

// dataHasValues reports whether the top-level data/stringData key on lines[i] holds a real value.
func dataHasValues(lines []string, i int) bool {
	m := topKeyRE.FindStringSubmatch(lines[i])
	if v := strings.TrimSpace(m[2]); v != "" && !isComment(v) {
		if !strings.HasPrefix(v, "{") {
			return false // null, ~ or something the API server rejects anyway
		}
		inner := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(cleanValue(v), "{"), "}"))
		for _, kv := range strings.Split(inner, ",") {
			if _, val, ok := strings.Cut(kv, ":"); ok && !isPlaceholder(val) {
				return true
			}
		}
		return false
	}
	for j := i + 1; j < len(lines); j++ {
		l := lines[j]
		if strings.TrimSpace(l) == "" || isComment(l) {
			continue
		}
		if indentOf(l) == 0 {
			return false
		}
		m := childKeyRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		switch {
		case isBlockScalar(m[2]):
			if blockHasContent(lines, j) {
				return true
			}
		case !isPlaceholder(m[2]):
			return true
		}
	}
	return false
}

// line runs the per-line patterns.
func (s *secretScan) line(lines []string, i, lineNo int, l string, kubeconfig bool) {
	ll := strings.ToLower(l)
	col := indentOf(l) + 1

	keyed := false
	if strings.Contains(ll, "secret") {
		if m := clientSecretRE.FindStringSubmatchIndex(l); m != nil {
			key, val := l[m[2]:m[3]], l[m[4]:m[5]]
			v := cleanValue(val)
			literal := !placeholderValue(val) && !strings.HasPrefix(v, "{") && !strings.HasPrefix(v, "[") &&
				len(v) >= 8 && !strings.ContainsAny(v, " \t")
			if literal || (isBlockScalar(val) && blockHasContent(lines, i)) {
				s.add(validate.RuleSecretClientSecret, lineNo, m[2]+1, key,
					fmt.Sprintf("%s holds a literal Azure client secret", key), rotateFix)
				keyed = true
			}
		}
	}
	if !keyed && strings.Contains(l, "Q~") {
		if loc := clientShapeRE.FindStringIndex(l); loc != nil {
			c := loc[0] + 1
			if !isSecretChar(l[loc[0]]) {
				c++ // the match starts with the character before the value
			}
			s.add(validate.RuleSecretClientSecret, lineNo, c, "",
				"the line holds a value shaped like an Azure client secret (…Q~…)", rotateFix)
		}
	}
	if strings.Contains(l, "PRIVATE KEY") {
		if loc := privateKeyRE.FindStringIndex(l); loc != nil {
			s.add(validate.RuleSecretPrivateKey, lineNo, loc[0]+1, "",
				"a private key block starts here", rotateFix)
		}
	}
	if strings.Contains(ll, "accountkey") || strings.Contains(ll, "sharedaccesskey") {
		if m := connKeyRE.FindStringSubmatchIndex(l); m != nil && !isPlaceholder(l[m[4]:m[5]]) {
			s.add(validate.RuleSecretConnString, lineNo, m[2]+1, "",
				fmt.Sprintf("a connection string with a literal %s is committed", l[m[2]:m[3]]), rotateFix)
		}
	}
	if strings.Contains(ll, "sig=") {
		if m := sasSigRE.FindStringSubmatchIndex(l); m != nil && sasParamRE.MatchString(l) && !isPlaceholder(l[m[2]:m[3]]) {
			s.add(validate.RuleSecretSAS, lineNo, m[2]-3, "",
				"a SAS token (a URL or connection string with sig=) is committed", rotateFix)
		}
	}
	if strings.Contains(l, "client-key-data") {
		if m := clientKeyDataRE.FindStringSubmatch(l); m != nil && !isPlaceholder(m[2]) {
			s.add(validate.RuleSecretKubeconfig, lineNo, col, "client-key-data",
				"a kubeconfig with client-key-data (a client private key) is committed", rotateFix)
		}
	}
	if kubeconfig {
		if m := kubeTokenRE.FindStringSubmatch(l); m != nil && !isPlaceholder(m[2]) && !isBlockScalar(m[2]) {
			s.add(validate.RuleSecretKubeconfig, lineNo, col, m[1],
				fmt.Sprintf("a kubeconfig with a literal %s is committed", m[1]), rotateFix)
		}
	}
	if s.quiet {
		return
	}
	if !s.hasLine(lineNo) {
		s.patterns(lineNo, l, ll)
	}
	if !s.hasLine(lineNo) && strings.Contains(l, "://") && strings.IndexByte(l, '@') >= 0 {
		s.urlCredentials(lineNo, l)
	}
}
