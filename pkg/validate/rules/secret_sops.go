package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/validate"
)

// SOPSConfigFile is the SOPS configuration SecretScanner reads, at the repo root.
const SOPSConfigFile = ".sops.yaml"

// SecretScanner is SecretRules with the repo's SOPS configuration: a file that a creation rule of
// the root .sops.yaml says must be encrypted (its path_regex matches the repo-relative path, the
// first matching rule wins as in sops) is a secret/sops-unencrypted finding when it has no SOPS
// metadata, or, with encrypted_regex, when a key encrypted_regex names holds a plain value.
//
// Only the root .sops.yaml is read: sops itself looks for the nearest .sops.yaml from the working
// directory, not from the file, and Flux decrypts whatever carries SOPS metadata whatever the
// config, so the root file, where repos keep it, is the one rule set a repo has. path_regex is
// matched against the repo-relative path with forward slashes. Of the key selectors only
// encrypted_regex is modelled; a rule with unencrypted_regex, encrypted_suffix or
// unencrypted_suffix is checked for metadata only. A SecretScanner is read-only after
// NewSecretScanner, so it is safe for concurrent use.
type SecretScanner struct {
	rules []sopsRule
}

type sopsRule struct {
	n         int // 1-based index in creation_rules
	pathRE    *regexp.Regexp
	pathText  string
	encrypted *regexp.Regexp // nil: the whole file
}

type sopsConfig struct {
	CreationRules []struct {
		PathRegex      string `yaml:"path_regex"`
		EncryptedRegex string `yaml:"encrypted_regex"`
	} `yaml:"creation_rules"`
}

// NewSecretScanner reads the .sops.yaml at the root of fsys, if there is one. A nil fsys, or a repo
// without .sops.yaml, gives a scanner that is SecretRules. A .sops.yaml that does not parse, or
// whose regexes do not compile, is an error.
func NewSecretScanner(fsys fs.FS) (*SecretScanner, error) {
	s := &SecretScanner{}
	if fsys == nil {
		return s, nil
	}
	b, err := fs.ReadFile(fsys, SOPSConfigFile)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SOPSConfigFile, err)
	}
	var cfg sopsConfig
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", SOPSConfigFile, err)
	}
	for i, r := range cfg.CreationRules {
		sr := sopsRule{n: i + 1, pathText: r.PathRegex}
		if sr.pathRE, err = regexp.Compile(r.PathRegex); err != nil {
			return nil, fmt.Errorf("%s: creation_rules[%d].path_regex: %w", SOPSConfigFile, i, err)
		}
		if r.EncryptedRegex != "" {
			if sr.encrypted, err = regexp.Compile(r.EncryptedRegex); err != nil {
				return nil, fmt.Errorf("%s: creation_rules[%d].encrypted_regex: %w", SOPSConfigFile, i, err)
			}
		}
		s.rules = append(s.rules, sr)
	}
	return s, nil
}

// Scan is SecretRules(file, content) plus the SOPS rule. file is repo-relative.
func (s *SecretScanner) Scan(file string, content []byte) []validate.Finding {
	out := SecretRules(file, content)
	if s == nil || len(s.rules) == 0 || file == SOPSConfigFile || strings.HasSuffix(file, "/"+SOPSConfigFile) {
		return out
	}
	for _, r := range s.rules {
		if r.pathRE.MatchString(file) {
			if fs := r.check(file, string(content)); len(fs) > 0 {
				out = append(out, fs...)
				validate.Sort(out)
			}
			break
		}
	}
	return out
}

var sopsMetaRE = regexp.MustCompile(`(?m)^(?:["']?sops["']?\s*:|\s*"sops"\s*:\s*\{|sops_version=|sops_mac=|\[sops\])`)

func (r sopsRule) check(file, text string) []validate.Finding {
	encrypted := sopsMetaRE.MatchString(text) || strings.Contains(text, "ENC[AES256_GCM,")
	where := fmt.Sprintf("creation rule %d of %s (path_regex %q)", r.n, SOPSConfigFile, r.pathText)
	fix := "encrypt it with sops (sops --encrypt --in-place " + file + ") and rotate what was committed in plain text"
	if r.encrypted == nil {
		if encrypted || !hasContent(text) {
			return nil
		}
		f := newFinding(validate.RuleSecretSOPS, file, "",
			fmt.Sprintf("the file must be encrypted by %s, but has no SOPS metadata", where), fix)
		f.Line, f.Column = firstContentLine(text), 1
		return []validate.Finding{f}
	}
	var out []validate.Finding
	var paths pathTracker
	under := -1 // indent of the key to encrypt whose subtree the lines are in
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimSuffix(l, "\r")
		if strings.TrimSpace(l) == "" || isComment(l) || isDocBoundary(l) {
			continue
		}
		key, val, col, _, ok := paths.line(l)
		if !ok {
			continue
		}
		if under >= 0 && col-1 <= under {
			under = -1 // left the subtree of a key to encrypt
		}
		if under < 0 && !r.encrypted.MatchString(key) {
			continue
		}
		path, key := redactPatterns(paths.path(), compiledPatterns()), redactPatterns(key, compiledPatterns())
		v := cleanValue(val)
		if under < 0 && (v == "" || isComment(v)) {
			under = col - 1 // everything below the key is encrypted
		}
		switch {
		case !encrypted:
			// Without metadata nothing is encrypted: the first key to encrypt is the finding.
			f := newFinding(validate.RuleSecretSOPS, file, path,
				fmt.Sprintf("%s must be encrypted by %s (encrypted_regex %q), but the file has no SOPS metadata", key, where, r.encrypted.String()), fix)
			f.Line, f.Column = i+1, col
			return []validate.Finding{f}
		case v != "" && !isComment(v) && !strings.HasPrefix(v, "ENC[") && !isBlockScalar(val):
			f := newFinding(validate.RuleSecretSOPS, file, path,
				fmt.Sprintf("%s must be encrypted by %s (encrypted_regex %q), but holds a plain value %s", key, where, r.encrypted.String(), describe(v)), fix)
			f.Line, f.Column = i+1, col
			out = append(out, f)
		}
	}
	return out
}

func hasContent(text string) bool { return firstContentLine(text) > 0 }

// firstContentLine is the 1-based line of the first line that is not blank, a comment or ---, 0
// when there is none.
func firstContentLine(text string) int {
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") && l != "---" {
			return i + 1
		}
	}
	return 0
}
