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
// tokens, and kubeconfigs carrying client-key-data, a token or a password. It reads the content line
// by line, so it also works on files that are not valid YAML, and never repeats a secret value in a
// finding. Values that are placeholders or references (empty, ${VAR}, {{ .Values.x }}, <...>,
// ENC[...], xxxx) are not secrets. Findings are sorted.
func SecretRules(file string, content []byte) []validate.Finding {
	s := &secretScan{file: file}
	lines := strings.Split(string(content), "\n")
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
	file string
	out  []validate.Finding
}

func (s *secretScan) add(rule string, line, col int, field, msg, fix string) {
	f := newFinding(rule, s.file, field, msg, fix)
	f.Line, f.Column = line, col
	s.out = append(s.out, f)
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
		if kubeUsersRE.MatchString(l) {
			users = true
		}
		if kubeOtherRE.MatchString(l) {
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

	for i, l := range lines {
		s.line(lines, i, off+i+1, l, kubeconfig)
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
			literal := !isPlaceholder(val) && !strings.HasPrefix(v, "{") && !strings.HasPrefix(v, "[") &&
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
}
