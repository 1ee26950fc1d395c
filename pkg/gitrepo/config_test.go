package gitrepo

import (
	"errors"
	"fmt"
	"maps"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// configGit skips a test that needs the git command when it is missing,
// except on CI (CI=true), where a missing git is a failure.
func configGit(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("git command not found on PATH, and CI=true: %v", err)
		}
		t.Skip("git command not found on PATH")
	}
}

// flatConfig lists entries as "section[.subsection].key=value".
func flatConfig(entries []configEntry) []string {
	out := []string{}
	for _, e := range entries {
		name := e.section
		if e.subsection != "" {
			name += "." + e.subsection
		}
		out = append(out, name+"."+e.key+"="+e.value)
	}
	return out
}

func TestParseConfigSyntax(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // flatConfig of the entries; nil when an error is expected
		err        string   // error substring
	}{
		// Quoting, escapes and comments, as go-git's decoder handles them.
		{name: "plain", text: "[a]\nk = v\nk2=w\n", want: []string{"a.k=v", "a.k2=w"}},
		{name: "quotes keep whitespace", text: "[a]\nk = \"  v  \"\n", want: []string{"a.k=  v  "}},
		{name: "quotes anywhere", text: "[a]\nk = x\" y \"z\nk2 = \"a\"b\"c\"\n", want: []string{"a.k=x y z", "a.k2=abc"}},
		{name: "comment characters in quotes", text: "[a]\nk = \"a;b#c\" ; comment\n", want: []string{"a.k=a;b#c"}},
		{name: "comments", text: "# c\n; c\n[a] # c\n  # c\nk = v # c\nk2 = v;c\n", want: []string{"a.k=v", "a.k2=v"}},
		{name: "escapes", text: "[a]\nk = a\\tb\\nc\\bd\\\\e\\\"f\nk2 = \"\\t\\\"\"\n", want: []string{"a.k=a\tb\nc\bd\\e\"f", "a.k2=\t\""}},
		{name: "empty value", text: "[a]\nk =\nk2 = \"\"\nk3=\n", want: []string{"a.k=", "a.k2=", "a.k3="}},
		{name: "whitespace", text: "[a]\n\t k \t= \t a  b\tc \t\n", want: []string{"a.k=a  b c"}},
		{name: "tab in quotes kept", text: "[a]\nk = \"a\tb\"\n", want: []string{"a.k=a\tb"}},
		{name: "no space after empty quotes", text: "[a]\nk = \"\" x\n", want: []string{"a.k=x"}},
		{name: "CRLF", text: "[a]\r\nk = v\r\nb\r\n", want: []string{"a.k=v", "a.b=true"}},
		{name: "BOM", text: "\uFEFF[a]\nk = v\n", want: []string{"a.k=v"}},
		{name: "no final newline", text: "[a]\nk = v", want: []string{"a.k=v"}},

		// Line continuations: joined here, not by the decoder.
		{name: "continuation", text: "[a]\nk = one \\\n  two\n", want: []string{"a.k=one   two"}},
		{name: "continuation in quotes", text: "[a]\nk = \"one \\\n  two\"\n", want: []string{"a.k=one   two"}},
		{name: "continuation CRLF", text: "[a]\r\nk = one\\\r\ntwo\r\n", want: []string{"a.k=onetwo"}},
		{name: "continuations in a row", text: "[a]\nk = 1\\\n\\\n2\nq = 3\n", want: []string{"a.k=12", "a.q=3"}},
		{name: "continuation at end of file keeps the space", text: "[a]\nk = a \\", want: []string{"a.k=a "}},
		{name: "continuation then empty line", text: "[a]\nk = a \\\n\nq = 1\n", want: []string{"a.k=a ", "a.q=1"}},
		{name: "header-like continued line is value", text: "[a]\nk = x\\\n[b]\nq = 1\n", want: []string{"a.k=x[b]", "a.q=1"}},
		{name: "no continuation in a comment", text: "[a]\nk = v # \\\nq = 1\n", want: []string{"a.k=v", "a.q=1"}},
		{name: "escaped backslash at end", text: "[a]\nk = v\\\\\nq = 1\n", want: []string{"a.k=v\\", "a.q=1"}},

		// Booleans: a key without "=" is true, "k =" is the empty string.
		{name: "bare key", text: "[core]\n\tfilemode\n\tbare  \n\tk =\n", want: []string{"core.filemode=true", "core.bare=true", "core.k="}},

		// Section headers and names.
		{name: "case", text: "[CoRe]\nFileMode = 1\nK-1 = 2\n", want: []string{"core.filemode=1", "core.k-1=2"}},
		{name: "subsection keeps case", text: "[Remote \"Origin\"]\nURL = u\n", want: []string{"remote.Origin.url=u"}},
		{name: "subsection escapes", text: "[a \"q\\\"\\\\\\x\"]\nk = 1\n", want: []string{"a.q\"\\x.k=1"}},
		{name: "subsection with spaces and dots", text: "[a  \t\"b c.d\"]\nk = 1\n", want: []string{"a.b c.d.k=1"}},
		{name: "deprecated dotted form is lower-cased", text: "[Section.SubSec]\nk = 1\n[a.B.c]\nk = 2\n", want: []string{"section.subsec.k=1", "a.b.c.k=2"}},
		{name: "dotted name with quoted subsection", text: "[a.B \"C\"]\nk = 1\n", want: []string{"a.b.C.k=1"}},
		{name: "names with digits and dashes", text: "[1a-b]\nk = 1\n", want: []string{"1a-b.k=1"}},
		{name: "key after header", text: "[user] name = Inline  Spaces  \n[core] bare\n", want: []string{"user.name=Inline  Spaces", "core.bare=true"}},
		{name: "headers in a row", text: "[a][b] k = 1\n", want: []string{"b.k=1"}},
		{name: "empty subsection: checked, unreadable", text: "[a \"\"]\nk = 1\n[a.]\nk = 2\n[.b]\nk = 3\n[ \"c\"]\nk = 4\n[a]\nk = 5\n", want: []string{"a.k=5"}},
		{name: "empty subsection still checked", text: "[a \"\"]\nk = \"open\n", err: "line 2: string not terminated"},
		{name: "empty file", text: "", want: []string{}},
		{name: "empty section", text: "[a]\n[b]\n", want: []string{}},

		// Malformed files, and the line reported.
		{name: "key outside section", text: "k = v\n", err: "line 1: expected section header"},
		{name: "unterminated header", text: "[a]\n[unterminated\n", err: "line 2: bad section header"},
		{name: "unterminated subsection", text: "[a \"b]\n", err: "line 1: bad section header"},
		{name: "space inside brackets", text: "[ a ]\n", err: "line 1: bad section header"},
		{name: "space before bracket", text: "[a \"b\" ]\n", err: "line 1: bad section header"},
		{name: "no space before subsection", text: "[a\"b\"]\n", err: "line 1: bad section header"},
		{name: "empty header", text: "[]\n", err: "line 1: bad section header"},
		{name: "bad header character", text: "[a_b]\n", err: "line 1: bad section header"},
		{name: "non-ASCII section", text: "[é]\n", err: "line 1: bad section header"},
		{name: "missing equals", text: "[a]\nk v\n", err: "line 2: expected '=' after \"k\""},
		{name: "comment after bare key", text: "[a]\nk # c\n", err: "line 2: expected '=' after \"k\""},
		{name: "no key", text: "[a]\n= v\n", err: "line 2: expected section header or variable declaration"},
		{name: "key starts with digit", text: "[a]\n1k = v\n", err: "line 2: illegal character"},
		{name: "bad key character", text: "[a]\nk.x = v\n", err: "line 2: illegal character"},
		{name: "non-ASCII key", text: "[a]\nké = v\n", err: "line 2: invalid key name"},
		{name: "unterminated quote", text: "[a]\nk = \"open\n", err: "line 2: string not terminated"},
		{name: "unknown escape", text: "[a]\nk = \\q\n", err: "line 2: unknown escape sequence"},
		{name: "backslash before CR", text: "[a]\nk = a\\\rb\n", err: "line 2: unknown escape sequence"},
		{name: "NUL", text: "[a]\nk = a\x00b\n", err: "line 2: illegal character NUL"},
		{name: "invalid UTF-8 in a value", text: "[a]\nk = \xff\n", err: "line 2: illegal UTF-8 encoding"},
		{name: "line after a header on the same line", text: "[a]\n[b] k = \"open\n", err: "line 2: string not terminated"},
		{name: "line after a continuation", text: "[a]\nk = a\\\n b\n\nk = \\q\n", err: "line 5: unknown escape sequence"},
		{name: "first error wins", text: "[a]\nk = \"open\nké = 1\n", err: "line 2: string not terminated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			entries, err := parseConfig(tc.text)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want one containing %q (entries %q)", err, tc.err, flatConfig(entries))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := flatConfig(entries); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestGitConfigGet(t *testing.T) {
	entries, err := parseConfig("[core]\nfilemode = true\n[Remote \"Origin\"]\nurl = a\n" +
		"[core]\nFileMode = false\n[remote \"origin\"]\nurl = b\n")
	if err != nil {
		t.Fatal(err)
	}
	c := &gitConfig{entries: entries}
	tests := []struct {
		section, sub, key string
		want              string
		ok                bool
	}{
		{"core", "", "filemode", "false", true}, // the last value wins
		{"CORE", "", "FILEMODE", "false", true}, // section and key: any case
		{"remote", "Origin", "url", "a", true},  // subsection: exact case
		{"remote", "origin", "url", "b", true},
		{"remote", "ORIGIN", "url", "", false},
		{"core", "", "missing", "", false},
	}
	for _, tc := range tests {
		if got, ok := c.get(tc.section, tc.sub, tc.key); got != tc.want || ok != tc.ok {
			t.Errorf("get(%q, %q, %q) = %q, %v; want %q, %v", tc.section, tc.sub, tc.key, got, ok, tc.want, tc.ok)
		}
	}
}

func TestGitConfigGetBool(t *testing.T) {
	tests := []struct {
		line string // under [core]; "" for no such key
		def  bool
		want bool
	}{
		{"k", false, true}, // no "=": true
		{"k = true", false, true},
		{"k = TRUE", false, true},
		{"k = yes", false, true},
		{"k = On", false, true},
		{"k = 1", false, true},
		{"k = false", true, false},
		{"k = no", true, false},
		{"k = off", true, false},
		{"k = 0", true, false},
		{"k =", true, false}, // empty: false
		{"k = \"\"", true, false},
		{"k = maybe", true, true}, // not a boolean: the default
		{"k = maybe", false, false},
		{"", true, true}, // unset: the default
		{"", false, false},
		{"k = false\nk = yes", false, true}, // the last value wins
	}
	for _, tc := range tests {
		entries, err := parseConfig("[core]\n" + tc.line + "\n")
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		c := &gitConfig{entries: entries}
		if got := c.getBool("Core", "K", tc.def); got != tc.want {
			t.Errorf("%q with default %v: getBool = %v, want %v", tc.line, tc.def, got, tc.want)
		}
	}
}

// configFiles writes files (path relative to root -> content) and returns
// root; "$ROOT" in contents stands for it.
func configFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for rel, content := range files {
		writeFile(t, root, rel, strings.ReplaceAll(content, "$ROOT", root))
	}
	return root
}

func TestLoadConfigPrecedence(t *testing.T) {
	files := map[string]string{
		"system":             "[k]\nsys = system\nxdg = system\nglobal = system\nrepo = system\n",
		"xdg/git/config":     "[k]\nxdg = xdg\nglobal = xdg\nrepo = xdg\n",
		"home/.gitconfig":    "[k]\nglobal = global\nrepo = global\n",
		"repo/.git/config":   "[k]\nrepo = repo\n",
		"custom/global.conf": "[k]\nglobal = custom\n",
	}
	tests := []struct {
		name string
		env  map[string]string
		want map[string]string // key below [k] -> value, "" for unset
	}{
		{
			name: "system < XDG < global < repository",
			env:  map[string]string{"GIT_CONFIG_SYSTEM": "$ROOT/system", "XDG_CONFIG_HOME": "$ROOT/xdg"},
			want: map[string]string{"sys": "system", "xdg": "xdg", "global": "global", "repo": "repo"},
		},
		{
			name: "GIT_CONFIG_NOSYSTEM",
			env:  map[string]string{"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_SYSTEM": "$ROOT/system", "XDG_CONFIG_HOME": "$ROOT/xdg"},
			want: map[string]string{"sys": "", "xdg": "xdg"},
		},
		{
			name: "GIT_CONFIG_GLOBAL replaces XDG and ~/.gitconfig",
			env:  map[string]string{"GIT_CONFIG_SYSTEM": "$ROOT/system", "XDG_CONFIG_HOME": "$ROOT/xdg", "GIT_CONFIG_GLOBAL": "$ROOT/custom/global.conf"},
			want: map[string]string{"xdg": "system", "global": "custom", "repo": "repo"},
		},
		{
			name: "missing files are skipped",
			env:  map[string]string{"GIT_CONFIG_SYSTEM": "$ROOT/nowhere", "XDG_CONFIG_HOME": "$ROOT/nowhere"},
			want: map[string]string{"sys": "", "xdg": "", "global": "global"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := configFiles(t, files)
			vars := map[string]string{"HOME": filepath.Join(root, "home")}
			for k, v := range tc.env {
				vars[k] = strings.ReplaceAll(v, "$ROOT", root)
			}
			c, err := loadConfig(configEnv{getenv: hermeticEnv(vars), gitDir: filepath.Join(root, "repo", ".git")})
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tc.want {
				if got, _ := c.get("k", "", k); got != want {
					t.Errorf("k.%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestLoadConfigErrorNamesFile(t *testing.T) {
	root := configFiles(t, map[string]string{
		"home/.gitconfig": "[include]\npath = bad.inc\n",
		"home/bad.inc":    "[user]\n\tname = ok\n\temail = \"unterminated\n",
	})
	env := configEnv{getenv: hermeticEnv(map[string]string{"HOME": filepath.Join(root, "home"), "GIT_CONFIG_NOSYSTEM": "1"})}
	_, err := loadConfig(env)
	want := "config " + filepath.Join(root, "home", "bad.inc") + ": line 3: string not terminated"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want one containing %q", err, want)
	}

	// A config path that cannot be read (a directory) is an error too.
	env = configEnv{getenv: hermeticEnv(map[string]string{"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": root})}
	if _, err := loadConfig(env); err == nil || !strings.Contains(err.Error(), "reading config") {
		t.Fatalf("error = %v, want a reading error", err)
	}
}

func TestLoadConfigIncludes(t *testing.T) {
	chain := func(n int) map[string]string {
		files := map[string]string{"repo/.git/config": "[include]\npath = ../../c1\n"}
		for i := 1; i < n; i++ {
			files[fmt.Sprintf("c%d", i)] = fmt.Sprintf("[include]\npath = c%d\n", i+1)
		}
		files[fmt.Sprintf("c%d", n)] = "[user]\nname = deep\n"
		return files
	}
	const incA = "\npath = ../../a.cfg\n" // from the repository's config
	tests := []struct {
		name   string
		repo   string            // the repository's config
		files  map[string]string // more files below root, which holds repo/.git
		aName  string            // when not "", a.cfg sets user.name to it
		gitDir string            // below root; repo/.git when ""
		branch string            // current branch; "" for none
		want   string            // user.name; "" for unset
		email  string            // user.email, when not ""
		err    string
	}{
		{
			name: "relative to the including file",
			repo: "[include]\npath = ../../inc/a.cfg\n",
			files: map[string]string{
				"inc/a.cfg":     "[include]\npath = sub/b.cfg\n",
				"inc/sub/b.cfg": "[user]\nname = nested\n",
			},
			want: "nested",
		},
		{
			name: "~/ and absolute paths",
			files: map[string]string{
				"home/.gitconfig": "[include]\npath = ~/a.cfg\n",
				"home/a.cfg":      "[include]\npath = $ROOT/b.cfg\n",
				"b.cfg":           "[user]\nname = absolute\n",
			},
			want: "absolute",
		},
		{
			name: "at the point of inclusion",
			repo: "[user]\nname = before\n[include]" + incA + "[user]\nname = after\n[include]\npath = ../../b.cfg\n",
			files: map[string]string{
				"a.cfg": "[user]\nname = a\nemail = a@example.com\n",
				"b.cfg": "[user]\nemail = b@example.com\n",
			},
			want:  "after",
			email: "b@example.com",
		},
		{name: "included value wins when it comes last", repo: "[user]\nname = before\n[include]" + incA, aName: "included", want: "included"},
		{
			name:  "missing file, empty path and [include \"x\"] are skipped",
			repo:  "[user]\nname = base\n[include]\npath = ../../missing.cfg\npath =\n[include \"x\"]" + incA,
			aName: "not included",
			want:  "base",
		},
		{name: "10 nested includes", files: chain(10), want: "deep"},
		{name: "11 nested includes", files: chain(11), err: "includes nested more than 10 deep"},
		{name: "include cycle", repo: "[include]\npath = config\n", err: "includes nested more than 10 deep"},
		{name: "gitdir: prefix with trailing slash", repo: "[includeIf \"gitdir:$ROOT/repo/\"]" + incA, aName: "prefix", want: "prefix"},
		{name: "gitdir: exact path", repo: "[includeIf \"gitdir:$ROOT/repo/.git\"]" + incA, aName: "exact", want: "exact"},
		{
			name:  "gitdir: no match",
			repo:  "[user]\nname = base\n[includeIf \"gitdir:$ROOT/other/\"]" + incA + "[includeIf \"gitdir:$ROOT/rep\"]" + incA,
			aName: "wrong",
			want:  "base",
		},
		{name: "gitdir: without leading slash matches anywhere", repo: "[includeIf \"gitdir:repo/\"]" + incA, aName: "anywhere", want: "anywhere"},
		{
			name: "gitdir: ~/ pattern",
			files: map[string]string{
				"home/.gitconfig": "[includeIf \"gitdir:~/work/\"]\npath = a.cfg\n",
				"home/a.cfg":      "[user]\nname = home pattern\n",
			},
			gitDir: "home/work/repo/.git",
			want:   "home pattern",
		},
		{
			name: "gitdir: ./ is relative to the including file",
			repo: "[include]" + incA,
			files: map[string]string{
				"a.cfg": "[includeIf \"gitdir:./repo/\"]\npath = b.cfg\n",
				"b.cfg": "[user]\nname = dot\n",
			},
			want: "dot",
		},
		{
			name:   "gitdir: is case-sensitive",
			repo:   "[user]\nname = base\n[includeIf \"gitdir:$ROOT/repo/\"]" + incA,
			aName:  "wrong",
			gitDir: "REPO/.git",
			want:   "base",
		},
		{name: "gitdir/i: is not", repo: "[includeIf \"gitdir/i:$ROOT/repo/\"]" + incA, aName: "folded", gitDir: "REPO/.git", want: "folded"},
		{name: "onbranch: glob", repo: "[includeIf \"onbranch:feature/*\"]" + incA, aName: "glob", branch: "feature/x", want: "glob"},
		{name: "onbranch: trailing slash", repo: "[includeIf \"onbranch:feature/\"]" + incA, aName: "below", branch: "feature/x/y", want: "below"},
		{
			name: "onbranch: other branch, unknown conditions",
			repo: "[user]\nname = base\n[includeIf \"onbranch:main\"]" + incA +
				"[includeIf \"hasconfig:remote.*.url:*\"]" + incA + "[includeIf \"gitdir\"]" + incA,
			aName:  "wrong",
			branch: "mainline",
			want:   "base",
		},
		{
			name: "conditions are case-sensitive, the section name is not",
			repo: "[user]\nname = base\n[IncludeIF \"ONBRANCH:main\"]" + incA +
				"[INCLUDEIF \"onbranch:main\"]\nPATH = ../../b.cfg\n",
			aName:  "wrong",
			files:  map[string]string{"b.cfg": "[user]\nemail = b@example.com\n"},
			branch: "main",
			want:   "base",
			email:  "b@example.com",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.gitDir == "" {
				tc.gitDir = "repo/.git"
			}
			files := maps.Clone(tc.files)
			if files == nil {
				files = map[string]string{}
			}
			if _, ok := files[tc.gitDir+"/config"]; !ok {
				files[tc.gitDir+"/config"] = tc.repo
			}
			if tc.aName != "" {
				files["a.cfg"] = "[user]\nname = " + tc.aName + "\n"
			}
			root := configFiles(t, files)
			env := configEnv{
				getenv: hermeticEnv(map[string]string{"HOME": filepath.Join(root, "home"), "GIT_CONFIG_NOSYSTEM": "1"}),
				gitDir: filepath.Join(root, filepath.FromSlash(tc.gitDir)),
				branch: tc.branch,
			}
			c, err := loadConfig(env)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := c.get("user", "", "name"); got != tc.want {
				t.Errorf("user.name = %q, want %q", got, tc.want)
			}
			if got, _ := c.get("user", "", "email"); tc.email != "" && got != tc.email {
				t.Errorf("user.email = %q, want %q", got, tc.email)
			}
		})
	}
}

func TestIncludeIfOutsideRepository(t *testing.T) {
	root := configFiles(t, map[string]string{
		".gitconfig": "[user]\nname = base\n[includeIf \"gitdir:**\"]\npath = a.cfg\n[includeIf \"onbranch:**\"]\npath = a.cfg\n",
		"a.cfg":      "[user]\nname = wrong\n",
	})
	c, err := loadConfig(configEnv{getenv: hermeticEnv(map[string]string{"HOME": root, "GIT_CONFIG_NOSYSTEM": "1"})})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := c.get("user", "", "name"); got != "base" {
		t.Errorf("user.name = %q", got)
	}
}

func TestIncludeIfSymlinkedGitDir(t *testing.T) {
	root := configFiles(t, map[string]string{
		"real/.git/config": "[includeIf \"gitdir:$ROOT/real/\"]\npath = ../../a.cfg\n",
		"a.cfg":            "[user]\nname = resolved\n",
	})
	if err := os.Symlink(filepath.Join(root, "real"), filepath.Join(root, "link")); err != nil {
		t.Skip(err)
	}
	env := configEnv{getenv: hermeticEnv(map[string]string{"GIT_CONFIG_NOSYSTEM": "1"}), gitDir: filepath.Join(root, "link", ".git")}
	c, err := loadConfig(env)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := c.get("user", "", "name"); got != "resolved" {
		t.Errorf("user.name = %q", got)
	}
}

// gitConfigGet runs `git config --file file [--includes] --get key` in dir
// and returns the value, whether the key is set, and whether git read the
// file without error.
func gitConfigGet(t *testing.T, dir, file, key string, includes bool) (value string, found, valid bool) {
	t.Helper()
	args := []string{"config", "--null", "--file", file}
	if includes {
		args = append(args, "--includes")
	}
	out, err := gitTry(dir, append(args, "--get", key)...)
	var exit *exec.ExitError
	switch {
	case err == nil && out == "\x00":
		// A key without "=" or with an empty value: only --type=bool
		// tells them apart.
		if b, _ := gitTry(dir, append(args, "--type=bool", "--get", key)...); b == "true\x00" {
			return "true", true, true
		}
		return "", true, true
	case err == nil:
		return strings.TrimSuffix(out, "\x00"), true, true
	case errors.As(err, &exit) && exit.ExitCode() == 1: // not set
		return "", false, true
	case errors.As(err, &exit):
		return "", false, false
	}
	t.Fatalf("git config: %v\n%s", err, out)
	return "", false, false
}

func TestConfigMatchesGit(t *testing.T) {
	configGit(t)
	tests := []struct {
		name string
		text string
		keys []string // section[.subsection].key
	}{
		{
			name: "quoting and comments",
			text: "[a]\n\tk1 = \"  x ; y # z  \" ; c\n\tk2 = a\" b \"c # c\n\tk3 = \"\" x\n\tk4 = a \t b\n\tk5 = \"a\tb\"\n",
			keys: []string{"a.k1", "a.k2", "a.k3", "a.k4", "a.k5"},
		},
		{
			name: "escapes and continuations",
			text: "[a]\nk1 = one \\\n   two\nk2 = \"in \\\n quotes\"\nk3 = tab\\there\\nnl\\\\ \\\"q\\\"\nk4 = x \\\n\nk5 = 1\\\n\\\n2\r\nk6 = end \\",
			keys: []string{"a.k1", "a.k2", "a.k3", "a.k4", "a.k5", "a.k6"},
		},
		{
			name: "headers",
			text: "[Section.SubSec]\n\tk = dotted\n[Remote \"Ori\\gin \\\"x\\\"\"] url = same line\n[a.B \"C\"]\nk = mixed\n" +
				"[core] bare\n[a][b] k = 2\n[x \"\"]\nk = unreachable\n[x]\nk = reachable\n",
			keys: []string{"section.subsec.k", "remote.Origin \"x\".url", "a.b.C.k", "core.bare", "b.k", "a.k", "x.k"},
		},
		{
			name: "last value wins, case rules",
			text: "[CORE]\nFileMode = true\n[remote \"Up\"]\nurl = 1\n[remote \"up\"]\nurl = 2\n[core]\nfilemode = no\n",
			keys: []string{"core.filemode", "remote.Up.url", "remote.up.url", "remote.UP.url"},
		},
		{name: "malformed: bare key with comment", text: "[a]\nk # c\n", keys: []string{"a.k"}},
		{name: "malformed: header spacing", text: "[ a ]\nk = 1\n", keys: []string{"a.k"}},
		{name: "malformed: unknown escape", text: "[a]\nk = \\x\n", keys: []string{"a.k"}},
		{name: "malformed: open quote", text: "[a]\nk = \"x\n", keys: []string{"a.k"}},
		{name: "malformed: non-ASCII key", text: "[a]\nké = 1\n", keys: []string{"a.k"}},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, "config")
			if err := os.WriteFile(file, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			entries, err := parseConfig(tc.text)
			c := &gitConfig{entries: entries}
			for _, key := range tc.keys {
				want, wantOK, valid := gitConfigGet(t, dir, file, key, false)
				if !valid {
					if err == nil {
						t.Errorf("git rejects the file, we read it: %q", flatConfig(entries))
					}
					continue
				}
				if err != nil {
					t.Fatalf("git reads the file, we fail: %v", err)
				}
				first, last := strings.Index(key, "."), strings.LastIndex(key, ".")
				sub := ""
				if last > first {
					sub = key[first+1 : last]
				}
				if got, ok := c.get(key[:first], sub, key[last+1:]); got != want || ok != wantOK {
					t.Errorf("%s = %q (set: %v), git says %q (set: %v)", key, got, ok, want, wantOK)
				}
			}
		})
	}
}

func TestConfigIncludesMatchGit(t *testing.T) {
	configGit(t)
	repo := t.TempDir()
	if out, err := gitTry(repo, "init", "-q", "-b", "feature/x"); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	gitDir, err := filepath.EvalSymlinks(filepath.Join(repo, ".git"))
	if err != nil {
		t.Fatal(err)
	}
	root := configFiles(t, map[string]string{
		"top.cfg": "[k]\na = top\nb = top\nc = top\nd = top\ne = top\n" +
			"[include]\npath = inc/one.cfg\n" +
			"[k]\nb = after include\n" +
			"[includeIf \"gitdir:" + filepath.ToSlash(filepath.Dir(gitDir)) + "/\"]\npath = gitdir.cfg\n" +
			"[includeIf \"gitdir:/no/such/\"]\npath = never.cfg\n" +
			"[includeIf \"onbranch:feature/\"]\npath = branch.cfg\n" +
			"[includeIf \"onbranch:main\"]\npath = never.cfg\n" +
			"[include]\npath = missing.cfg\n",
		"inc/one.cfg": "[k]\na = one\nb = one\n[include]\npath = two.cfg\n",
		"inc/two.cfg": "[k]\nf = two\n",
		"gitdir.cfg":  "[k]\nc = gitdir\n",
		"branch.cfg":  "[k]\nd = branch\n",
		"never.cfg":   "[k]\ne = never\n",
	})
	file := filepath.Join(root, "top.cfg")
	c := &gitConfig{}
	env := configEnv{getenv: hermeticEnv(nil), gitDir: gitDir, branch: "feature/x"}
	if err := c.loadFile(env, file, 0); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"a", "b", "c", "d", "e", "f"} {
		want, wantOK, valid := gitConfigGet(t, repo, file, "k."+key, true)
		if !valid {
			t.Fatalf("git rejects %s", file)
		}
		if got, ok := c.get("k", "", key); got != want || ok != wantOK {
			t.Errorf("k.%s = %q (set: %v), git says %q (set: %v)", key, got, ok, want, wantOK)
		}
	}
}

// configFragments are pieces of config lines, valid and not, from which
// TestConfigRandomMatchesGit builds files.
var configFragments = []string{
	"[a]", "[A]", "[a.B]", "[a \"X\"]", "[a \"x\\\\y\"]", "[a \"q\\z\"]", "[a \"\"]", "[a.]", "[ a ]", "[a]  k = 1",
	"[b]", "[a][b]", "[a \"b\" ]", "[a\t\"b\"]", "[a.b \"C\"]", "[-x]", "[é]", "[a \"b\"] k", "[a \"b\"]x=1", "  [a]",
	"k", "K", "k =", "k = v", "k=v", "k = \"v\"", "k = \" v \"", "k = a\\", "k = \"a\\", "k = a \\", "\\", "k = a\tb",
	"k = \"a\tb\"", "k = a # c", "k = a ; c", "k = \"a#b\"", "k = a\\nb", "k = a\\tb", "k = a\\\\", "k = a\\\"",
	"k = a\\q", "k = \"\" x", "k = \"a\" \"b\"", "k = \"a\" \\", "k = \"\" \\", "kk = a  \\", "k = \\ ", "k = a\\\rb",
	"# c", "; c", "", "  ", "\t", "x-1 = 2", "1x = 2", "k x", "=v", "k\t", "k ;c", "\"", "k = \"", "k = a\r",
	"k = a \r b", "k = é", "ké = 1", "k=\"a\\\"b\"", "k = a;b", "[a]k=1", "[a] # c", "k = \\\\\\",
}

// gitConfigList returns the entries `git config --file file --list` shows,
// without those under an empty section or subsection name (which parseConfig
// leaves out), or false when git rejects the file.
func gitConfigList(t *testing.T, dir, file string) ([]string, bool) {
	t.Helper()
	out, err := gitTry(dir, "config", "--null", "--file", file, "--list")
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 128 {
			return nil, false
		}
		t.Fatalf("git config --list: %v\n%s", err, out)
	}
	list := []string{}
	for _, rec := range strings.Split(out, "\x00") {
		if rec == "" {
			continue
		}
		key, value, hasValue := strings.Cut(rec, "\n")
		if !hasValue {
			value = "true"
		}
		if strings.HasPrefix(key, ".") || strings.Contains(key, "..") {
			continue
		}
		list = append(list, key+"="+value)
	}
	return list, true
}

// TestConfigRandomMatchesGit compares parseConfig with git on files made of
// random fragments. Line numbers of errors are compared too, but for
// multi-line values, where git names the line it stopped at and
// parseConfig the one the value starts on.
func TestConfigRandomMatchesGit(t *testing.T) {
	configGit(t)
	n := 150
	if testing.Short() {
		n = 30
	}
	rng := rand.New(rand.NewSource(1))
	dir := t.TempDir()
	file := filepath.Join(dir, "config")
	for range n {
		var b strings.Builder
		b.WriteString("[s]\n")
		for range 1 + rng.Intn(5) {
			b.WriteString(configFragments[rng.Intn(len(configFragments))])
			if rng.Intn(8) == 0 {
				b.WriteString("\r")
			}
			b.WriteString("\n")
		}
		text := b.String()
		if rng.Intn(4) == 0 {
			text = strings.TrimSuffix(text, "\n")
		}
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		want, valid := gitConfigList(t, dir, file)
		entries, err := parseConfig(text)
		switch {
		case !valid && err == nil:
			t.Errorf("%q: git rejects it, we read %q", text, flatConfig(entries))
		case valid && err != nil:
			t.Errorf("%q: git reads %q, we fail: %v", text, want, err)
		case valid && !slices.Equal(flatConfig(entries), want):
			t.Errorf("%q:\nwe read  %q\ngit reads %q", text, flatConfig(entries), want)
		case !valid && !strings.Contains(text, "\\\n") && !strings.Contains(text, "\\\r\n") && !strings.HasSuffix(text, "\\"):
			out, _ := gitTry(dir, "config", "--file", file, "--list")
			var line int
			if i := strings.Index(out, "bad config line "); i >= 0 {
				fmt.Sscanf(out[i:], "bad config line %d", &line)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("line %d: ", line)) {
				t.Errorf("%q: we say %v, git says %s", text, err, out)
			}
		}
	}
}

// formatConfig writes entries back as config text, quoting every value.
func formatConfig(entries []configEntry) string {
	var b strings.Builder
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`, "\b", `\b`)
	for i, e := range entries {
		if i == 0 || e.section != entries[i-1].section || e.subsection != entries[i-1].subsection {
			if e.subsection == "" {
				fmt.Fprintf(&b, "[%s]\n", e.section)
			} else {
				fmt.Fprintf(&b, "[%s \"%s\"]\n", e.section, strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(e.subsection))
			}
		}
		fmt.Fprintf(&b, "\t%s = \"%s\"\n", e.key, esc.Replace(e.value))
	}
	return b.String()
}

// FuzzConfig checks that reading any config file neither panics nor yields
// entries that do not read back the same, and that loading it, includes
// and conditions evaluated, does not panic either.
func FuzzConfig(f *testing.F) {
	for _, seed := range []string{
		"[core]\n\tfilemode = false\n\tbare\n[user] name = x\n",
		"[remote \"Origin \\\"x\\\"\"]\n\turl = \"a;b#c\" ; c\n[section.Sub]\n\tkey = one \\\n  two\n",
		"[esc]\n\tv = tab\\there\\nnew \"  kept  \"\r\n",
		"[include]\npath = a.cfg\n[includeIf \"gitdir:~/w/**\"]\npath = b\n[includeIf \"onbranch:f/\"]\npath = c\n",
		"[includeIf \"gitdir/i:[a-z]?x\\\\*\"]\npath = x\n[includeIf \"gitdir:./r[!q]/\"]\npath=y\n",
		"[a \"\"]\nk = 1\n[a][b] k = \"\" x \\",
		"[a]\nk = \"open\n", "k = v\n", "[ a ]\n", "[a]\nk # c\n", "[a]\nk = \\q\n", "\uFEFF[a]\r\nk=\xff\n",
	} {
		f.Add(seed)
	}
	for _, frag := range configFragments {
		f.Add("[s]\n" + frag + "\n")
	}
	f.Fuzz(func(t *testing.T, text string) {
		entries, err := parseConfig(text)
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.section == "" || e.section != strings.ToLower(e.section) || e.key == "" || e.key != strings.ToLower(e.key) {
				t.Fatalf("bad entry %+v", e)
			}
		}
		again, err := parseConfig(formatConfig(entries))
		if err != nil {
			t.Fatalf("reading back %q: %v", formatConfig(entries), err)
		}
		if !slices.Equal(again, entries) {
			t.Fatalf("read back %q, want %q", flatConfig(again), flatConfig(entries))
		}

		// Load the text as a repository's config, every condition evaluated.
		// Include paths are the fuzzer's: they are replaced by one that stays
		// in the temporary directory (and includes itself).
		root := t.TempDir()
		gitDir := filepath.Join(root, "repo", ".git")
		env := configEnv{getenv: hermeticEnv(map[string]string{"HOME": root, "GIT_CONFIG_NOSYSTEM": "1"}), gitDir: gitDir, branch: "main"}
		safe := slices.Clone(entries)
		includes := false
		for i, e := range safe {
			if e.section == "includeif" {
				includeConditionHolds(env, filepath.Join(gitDir, "config"), e.subsection)
			}
			if e.key == "path" && (e.section == "include" || e.section == "includeif") {
				safe[i].value, includes = "c.cfg", true
			}
		}
		config := text
		if includes {
			config = formatConfig(safe)
		}
		writeFile(t, gitDir, "config", config)
		writeFile(t, gitDir, "c.cfg", "[include]\npath = c.cfg\n")
		if _, err := loadConfig(env); err != nil && !includes {
			t.Fatalf("loadConfig: %v", err)
		}
	})
}
