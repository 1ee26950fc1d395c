package rules

// secretRulesBaseline is SecretRules as it was before the credential-pattern, URL, password-field
// and SOPS rules, kept as the baseline of BenchmarkSecretRules. Do not use it elsewhere.

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/validate"
)

// The old doc: scans one file's content for committed secret values: Kubernetes Secret objects with
// data or stringData (unless SOPS-encrypted), Azure client secrets (by key name or by the shape of
// the value), private keys, Azure connection strings with an account or shared access key, SAS
// tokens, and kubeconfigs carrying client-key-data, a token or a password. It reads the content line
// by line, so it also works on files that are not valid YAML, and never repeats a secret value in a
// finding. Values that are placeholders or references (empty, ${VAR}, {{ .Values.x }}, <...>,
// ENC[...], xxxx) are not secrets. Findings are sorted.
func secretRulesBaseline(file string, content []byte) []validate.Finding {
	s := &oldSecretScan{file: file}
	lines := strings.Split(string(content), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	start := 0
	for i := 0; i <= len(lines); i++ {
		if i == len(lines) || oldIsDocBoundary(lines[i]) {
			s.doc(lines[start:i], start)
			start = i + 1
		}
	}
	validate.Sort(s.out)
	return s.out
}

type oldSecretScan struct {
	file string
	out  []validate.Finding
}

func (s *oldSecretScan) add(rule string, line, col int, field, msg, fix string) {
	f := newFinding(rule, s.file, field, msg, fix)
	f.Line, f.Column = line, col
	s.out = append(s.out, f)
}

const oldRotateFix = "remove it from the file and rotate it (it stays in git history); keep it in a Secret created out of band (workload identity for Azure) or commit it encrypted (SOPS, Sealed Secrets)"

var (
	oldTopKeyRE        = regexp.MustCompile(`^["']?([A-Za-z0-9_.\-]+)["']?\s*:(?:\s+(.*))?$`)
	oldChildKeyRE      = regexp.MustCompile(`^\s+(?:-\s+)?["']?([^"':#\s][^"':]*)["']?\s*:(?:\s+(.*))?$`)
	oldClientSecretRE  = regexp.MustCompile(`(?i)^\s*(?:[-{,]\s*)?(?:export\s+)?["']?((?:azure[_-]?)?client[_-]?secret)["']?\s*[:=]\s*(.*)$`)
	oldClientShapeRE   = regexp.MustCompile(`(?:^|[^A-Za-z0-9_~.\-])[A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34}(?:$|[^A-Za-z0-9_~.\-])`)
	oldPrivateKeyRE    = regexp.MustCompile(`-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----`)
	oldConnKeyRE       = regexp.MustCompile(`(?i)\b(AccountKey|SharedAccessKey)\s*=\s*([A-Za-z0-9+/]{20,}={0,2})`)
	oldSasSigRE        = regexp.MustCompile(`(?i)(?:^|[?&;\s"'])sig=([A-Za-z0-9%+/=_\-]{16,})`)
	oldSasParamRE      = regexp.MustCompile(`(?i)(?:^|[?&;\s"'])s[ve]=`)
	oldClientKeyDataRE = regexp.MustCompile(`^\s*(?:-\s+)?["']?(client-key-data)["']?\s*:\s*(.*)$`)
	oldKubeTokenRE     = regexp.MustCompile(`^\s*(?:-\s+)?["']?(token|password|access-token|id-token|refresh-token)["']?\s*:\s*(.*)$`)
	oldKubeUsersRE     = regexp.MustCompile(`^\s*["']?users["']?\s*:`)
	oldKubeOtherRE     = regexp.MustCompile(`^\s*["']?(clusters|contexts|current-context)["']?\s*:|^\s*kind:\s*["']?Config["']?\s*$`)
)

func oldIsSecretChar(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("_~.-", b) >= 0
}

// oldIsDocBoundary reports a YAML document marker (--- or ...), not a -----BEGIN line.
func oldIsDocBoundary(l string) bool {
	if l == "..." {
		return true
	}
	return strings.HasPrefix(l, "---") && (len(l) == 3 || l[3] == ' ' || l[3] == '\t')
}

func oldIndentOf(l string) int { return len(l) - len(strings.TrimLeft(l, " \t")) }

func oldIsComment(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "#") }

// oldCleanValue returns the scalar at the start of v: a quoted string without its quotes, or the text
// before a comment or trailing comma.
func oldCleanValue(v string) string {
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

var oldPlaceholderWords = map[string]bool{
	"null": true, "~": true, "none": true, "changeme": true, "change-me": true, "redacted": true,
	"placeholder": true, "todo": true, "secret": true, "password": true, "example": true, "dummy": true,
	"fake": true, "test": true,
}

// oldIsPlaceholder reports a value that is not a secret: empty, a reference or substitution, an
// encrypted value, a placeholder word or a run of one character.
func oldIsPlaceholder(v string) bool {
	v = oldCleanValue(v)
	switch {
	case v == "", oldPlaceholderWords[strings.ToLower(v)],
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

// oldIsBlockScalar reports a YAML block scalar indicator such as |, |-, >+ or |2.
func oldIsBlockScalar(v string) bool {
	v = oldCleanValue(v)
	return v != "" && (v[0] == '|' || v[0] == '>') && len(v) <= 3
}

const oldMaxBlockScan = 200

// oldBlockHasContent reports whether the block scalar that starts after lines[i] has a real value.
func oldBlockHasContent(lines []string, i int) bool {
	ind := oldIndentOf(lines[i])
	// Look at a bounded number of lines, so that a file of many block scalars stays linear.
	for j := i + 1; j < len(lines) && j <= i+oldMaxBlockScan; j++ {
		l := lines[j]
		if strings.TrimSpace(l) == "" {
			continue
		}
		if oldIndentOf(l) <= ind {
			return false
		}
		if !oldIsPlaceholder(l) {
			return true
		}
	}
	return false
}

// doc scans one YAML document; off is the index of its first line in the file.
func (s *oldSecretScan) doc(lines []string, off int) {
	var (
		kind, name       string
		sops             bool
		users, otherKube bool
		dataKeys         []int
		inMetadata       bool
	)
	for i, l := range lines {
		if oldKubeUsersRE.MatchString(l) {
			users = true
		}
		if oldKubeOtherRE.MatchString(l) {
			otherKube = true
		}
		if l == "" || oldIsComment(l) {
			continue
		}
		if oldIndentOf(l) > 0 {
			if inMetadata && name == "" {
				if m := oldChildKeyRE.FindStringSubmatch(l); m != nil && m[1] == "name" {
					name = oldCleanValue(m[2])
				}
			}
			continue
		}
		m := oldTopKeyRE.FindStringSubmatch(l)
		inMetadata = m != nil && m[1] == "metadata"
		if m == nil {
			continue
		}
		switch m[1] {
		case "kind":
			kind = oldCleanValue(m[2])
		case "sops":
			sops = true
		case "data", "stringData":
			dataKeys = append(dataKeys, i)
		}
	}
	kubeconfig := users && otherKube

	if kind == "Secret" && !sops {
		for _, i := range dataKeys {
			if !oldDataHasValues(lines, i) {
				continue
			}
			key := oldTopKeyRE.FindStringSubmatch(lines[i])[1]
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

// oldDataHasValues reports whether the top-level data/stringData key on lines[i] holds a real value.
func oldDataHasValues(lines []string, i int) bool {
	m := oldTopKeyRE.FindStringSubmatch(lines[i])
	if v := strings.TrimSpace(m[2]); v != "" && !oldIsComment(v) {
		if !strings.HasPrefix(v, "{") {
			return false // null, ~ or something the API server rejects anyway
		}
		inner := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(oldCleanValue(v), "{"), "}"))
		for _, kv := range strings.Split(inner, ",") {
			if _, val, ok := strings.Cut(kv, ":"); ok && !oldIsPlaceholder(val) {
				return true
			}
		}
		return false
	}
	for j := i + 1; j < len(lines); j++ {
		l := lines[j]
		if strings.TrimSpace(l) == "" || oldIsComment(l) {
			continue
		}
		if oldIndentOf(l) == 0 {
			return false
		}
		m := oldChildKeyRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		switch {
		case oldIsBlockScalar(m[2]):
			if oldBlockHasContent(lines, j) {
				return true
			}
		case !oldIsPlaceholder(m[2]):
			return true
		}
	}
	return false
}

// line runs the per-line patterns.
func (s *oldSecretScan) line(lines []string, i, lineNo int, l string, kubeconfig bool) {
	ll := strings.ToLower(l)
	col := oldIndentOf(l) + 1

	keyed := false
	if strings.Contains(ll, "secret") {
		if m := oldClientSecretRE.FindStringSubmatchIndex(l); m != nil {
			key, val := l[m[2]:m[3]], l[m[4]:m[5]]
			v := oldCleanValue(val)
			literal := !oldIsPlaceholder(val) && !strings.HasPrefix(v, "{") && !strings.HasPrefix(v, "[") &&
				len(v) >= 8 && !strings.ContainsAny(v, " \t")
			if literal || (oldIsBlockScalar(val) && oldBlockHasContent(lines, i)) {
				s.add(validate.RuleSecretClientSecret, lineNo, m[2]+1, key,
					fmt.Sprintf("%s holds a literal Azure client secret", key), oldRotateFix)
				keyed = true
			}
		}
	}
	if !keyed && strings.Contains(l, "Q~") {
		if loc := oldClientShapeRE.FindStringIndex(l); loc != nil {
			c := loc[0] + 1
			if !oldIsSecretChar(l[loc[0]]) {
				c++ // the match starts with the character before the value
			}
			s.add(validate.RuleSecretClientSecret, lineNo, c, "",
				"the line holds a value shaped like an Azure client secret (…Q~…)", oldRotateFix)
		}
	}
	if strings.Contains(l, "PRIVATE KEY") {
		if loc := oldPrivateKeyRE.FindStringIndex(l); loc != nil {
			s.add(validate.RuleSecretPrivateKey, lineNo, loc[0]+1, "",
				"a private key block starts here", oldRotateFix)
		}
	}
	if strings.Contains(ll, "accountkey") || strings.Contains(ll, "sharedaccesskey") {
		if m := oldConnKeyRE.FindStringSubmatchIndex(l); m != nil && !oldIsPlaceholder(l[m[4]:m[5]]) {
			s.add(validate.RuleSecretConnString, lineNo, m[2]+1, "",
				fmt.Sprintf("a connection string with a literal %s is committed", l[m[2]:m[3]]), oldRotateFix)
		}
	}
	if strings.Contains(ll, "sig=") {
		if m := oldSasSigRE.FindStringSubmatchIndex(l); m != nil && oldSasParamRE.MatchString(l) && !oldIsPlaceholder(l[m[2]:m[3]]) {
			s.add(validate.RuleSecretSAS, lineNo, m[2]-3, "",
				"a SAS token (a URL or connection string with sig=) is committed", oldRotateFix)
		}
	}
	if strings.Contains(l, "client-key-data") {
		if m := oldClientKeyDataRE.FindStringSubmatch(l); m != nil && !oldIsPlaceholder(m[2]) {
			s.add(validate.RuleSecretKubeconfig, lineNo, col, "client-key-data",
				"a kubeconfig with client-key-data (a client private key) is committed", oldRotateFix)
		}
	}
	if kubeconfig {
		if m := oldKubeTokenRE.FindStringSubmatch(l); m != nil && !oldIsPlaceholder(m[2]) && !oldIsBlockScalar(m[2]) {
			s.add(validate.RuleSecretKubeconfig, lineNo, col, m[1],
				fmt.Sprintf("a kubeconfig with a literal %s is committed", m[1]), oldRotateFix)
		}
	}
}
