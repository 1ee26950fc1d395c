package gitrepo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestResolveAuthor(t *testing.T) {
	requireGit(t)
	type want struct {
		author, committer string // "Name <email>"
		authorWhen        string // RFC 3339, "" for "about now"
		committerWhen     string // RFC 3339, "" for "same as author"
		errContains       string
	}
	tests := []struct {
		name       string
		env        map[string]string // HOME and XDG_CONFIG_HOME are set to temp dirs unless given
		repoConfig string            // .git/config additions
		home       map[string]string // files below HOME
		xdg        map[string]string // files below XDG_CONFIG_HOME
		want       want
	}{
		{
			name: "nothing configured",
			want: want{errContains: `git config --global user.name "Your Name"`},
		},
		{
			name: "email missing",
			env:  map[string]string{"GIT_AUTHOR_NAME": "Only Name"},
			want: want{errContains: "email"},
		},
		{
			name: "environment only",
			env:  map[string]string{"GIT_AUTHOR_NAME": "Env A", "GIT_AUTHOR_EMAIL": "env-a@example.com"},
			want: want{author: "Env A <env-a@example.com>", committer: "Env A <env-a@example.com>"},
		},
		{
			name:       "repository config",
			repoConfig: "[user]\n\tname = Repo User\n\temail = repo@example.com\n",
			home:       map[string]string{".gitconfig": "[user]\n\tname = Home User\n\temail = home@example.com\n"},
			want:       want{author: "Repo User <repo@example.com>", committer: "Repo User <repo@example.com>"},
		},
		{
			name:       "environment beats repository config, per field",
			env:        map[string]string{"GIT_AUTHOR_NAME": "Env A"},
			repoConfig: "[user]\n\tname = Repo User\n\temail = repo@example.com\n",
			want:       want{author: "Env A <repo@example.com>", committer: "Env A <repo@example.com>"},
		},
		{
			name: "~/.gitconfig",
			home: map[string]string{".gitconfig": "[user]\n  name = \"Home User\" ; comment\n  email = home@example.com # comment\n"},
			want: want{author: "Home User <home@example.com>", committer: "Home User <home@example.com>"},
		},
		{
			name: "XDG config, overridden by ~/.gitconfig",
			xdg:  map[string]string{"git/config": "[user]\nname = Xdg User\nemail = xdg@example.com\n"},
			home: map[string]string{".gitconfig": "[user]\nemail = home@example.com\n"},
			want: want{author: "Xdg User <home@example.com>", committer: "Xdg User <home@example.com>"},
		},
		{
			name: "~/.config/git/config without XDG_CONFIG_HOME",
			env:  map[string]string{"XDG_CONFIG_HOME": ""},
			home: map[string]string{".config/git/config": "[user]\nname = Dot Config\nemail = dot@example.com\n"},
			want: want{author: "Dot Config <dot@example.com>", committer: "Dot Config <dot@example.com>"},
		},
		{
			name: "GIT_CONFIG_GLOBAL replaces the per-user files",
			env:  map[string]string{"GIT_CONFIG_GLOBAL": "$HOME/custom.cfg"},
			home: map[string]string{
				".gitconfig": "[user]\nname = Ignored\nemail = ignored@example.com\n",
				"custom.cfg": "[User]\nNAME = Custom\nEmail = custom@example.com\n",
			},
			want: want{author: "Custom <custom@example.com>", committer: "Custom <custom@example.com>"},
		},
		{
			name: "author.* and committer.* settings",
			home: map[string]string{".gitconfig": "[user]\nname = U\nemail = u@example.com\n" +
				"[author]\nname = A\n[committer]\nemail = c@example.com\n"},
			want: want{author: "A <u@example.com>", committer: "A <c@example.com>"},
		},
		{
			name: "include and includeIf gitdir",
			home: map[string]string{
				".gitconfig": "[user]\nname = Base\nemail = base@example.com\n" +
					"[include]\npath = ~/inc.cfg\n" +
					"[includeIf \"gitdir:$ROOT/\"]\npath = work.cfg\n" +
					"[includeIf \"gitdir:/nowhere/\"]\npath = never.cfg\n",
				"inc.cfg":   "[user]\nname = Included\n",
				"work.cfg":  "[user]\nemail = work@example.com\n",
				"never.cfg": "[user]\nname = Never\n",
			},
			want: want{author: "Included <work@example.com>", committer: "Included <work@example.com>"},
		},
		{
			name: "includeIf onbranch",
			home: map[string]string{
				".gitconfig": "[user]\nname = Base\nemail = base@example.com\n" +
					"[includeIf \"onbranch:ma*\"]\npath = main.cfg\n",
				"main.cfg": "[user]\nemail = on-main@example.com\n",
			},
			want: want{author: "Base <on-main@example.com>", committer: "Base <on-main@example.com>"},
		},
		{
			name: "system config unless GIT_CONFIG_NOSYSTEM",
			env:  map[string]string{"GIT_CONFIG_NOSYSTEM": "", "GIT_CONFIG_SYSTEM": "$HOME/system.cfg"},
			home: map[string]string{"system.cfg": "[user]\nname = Sys\nemail = sys@example.com\n"},
			want: want{author: "Sys <sys@example.com>", committer: "Sys <sys@example.com>"},
		},
		{
			name: "committer environment and dates",
			env: map[string]string{
				"GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.com",
				"GIT_AUTHOR_DATE":     "2024-05-01T12:00:00+02:00",
				"GIT_COMMITTER_NAME":  "C",
				"GIT_COMMITTER_EMAIL": "c@example.com",
				"GIT_COMMITTER_DATE":  "@1714600000 -0700",
			},
			want: want{
				author: "A <a@example.com>", committer: "C <c@example.com>",
				authorWhen: "2024-05-01T12:00:00+02:00", committerWhen: "2024-05-01T14:46:40-07:00",
			},
		},
		{
			name: "author date only: committer takes it too",
			env: map[string]string{
				"GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.com",
				"GIT_AUTHOR_DATE": "Wed, 01 May 2024 12:00:00 +0200",
			},
			want: want{author: "A <a@example.com>", committer: "A <a@example.com>", authorWhen: "2024-05-01T12:00:00+02:00"},
		},
		{
			name: "bad date",
			env:  map[string]string{"GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.com", "GIT_AUTHOR_DATE": "yesterday-ish"},
			want: want{errContains: "GIT_AUTHOR_DATE"},
		},
		{
			name: "bad identity characters",
			env:  map[string]string{"GIT_AUTHOR_NAME": "A <evil>", "GIT_AUTHOR_EMAIL": "a@example.com"},
			want: want{errContains: "must not contain"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRepo(t)
			home, xdg := t.TempDir(), t.TempDir()
			subst := strings.NewReplacer("$HOME", home, "$ROOT", r.Root())
			env := map[string]string{"HOME": home, "XDG_CONFIG_HOME": xdg, "GIT_CONFIG_NOSYSTEM": "1"}
			for k, v := range tc.env {
				env[k] = subst.Replace(v)
			}
			for rel, content := range tc.home {
				writeFile(t, home, rel, subst.Replace(content))
			}
			for rel, content := range tc.xdg {
				writeFile(t, xdg, rel, subst.Replace(content))
			}
			if tc.repoConfig != "" {
				f, err := os.OpenFile(filepath.Join(r.Root(), ".git", "config"), os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = f.WriteString(tc.repoConfig)
				_ = f.Close()
			}

			before := time.Now().Add(-time.Second)
			a, c, err := ResolveAuthor(r, hermeticEnv(env))
			if tc.want.errContains != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want.errContains) {
					t.Fatalf("error = %v, want one containing %q", err, tc.want.errContains)
				}
				return
			}
			if err != nil {
				t.Fatalf("ResolveAuthor: %v", err)
			}
			if a.String() != tc.want.author || c.String() != tc.want.committer {
				t.Errorf("got author %q committer %q, want %q and %q", a, c, tc.want.author, tc.want.committer)
			}
			if tc.want.authorWhen == "" {
				if a.When.Before(before) || a.When.After(time.Now().Add(time.Second)) {
					t.Errorf("author time %v is not now", a.When)
				}
			} else if got := a.When.Format(time.RFC3339); got != tc.want.authorWhen {
				t.Errorf("author time %s, want %s", got, tc.want.authorWhen)
			}
			wantCW := tc.want.committerWhen
			if wantCW == "" {
				wantCW = a.When.Format(time.RFC3339)
			}
			if got := c.When.Format(time.RFC3339); got != wantCW {
				t.Errorf("committer time %s, want %s", got, wantCW)
			}
		})
	}
}

func TestResolveAuthorWithoutRepo(t *testing.T) {
	home := t.TempDir()
	writeFile(t, home, ".gitconfig", "[user]\nname = Home\nemail = home@example.com\n")
	a, _, err := ResolveAuthor(nil, hermeticEnv(map[string]string{"HOME": home, "GIT_CONFIG_NOSYSTEM": "1"}))
	if err != nil || a.String() != "Home <home@example.com>" {
		t.Errorf("ResolveAuthor(nil) = %v, %v", a, err)
	}
}

func TestResolveAuthorMatchesGit(t *testing.T) {
	// The identity git itself uses for the same configuration.
	r := newRepoWithGit(t, map[string]string{"f": "x\n"})
	root := r.Root()
	gitRun(t, root, "config", "user.name", "Config Name")
	gitRun(t, root, "config", "user.email", "config@example.com")
	a, _, err := ResolveAuthor(r, hermeticEnv(map[string]string{"GIT_CONFIG_NOSYSTEM": "1", "HOME": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, root, "f", "y\n")
	if _, err := r.Commit("", []string{"f"}, "mine", a, Signature{}); err != nil {
		t.Fatal(err)
	}
	if got := gitRun(t, root, "log", "-1", "--format=%an <%ae>"); got != "Config Name <config@example.com>" {
		t.Errorf("author = %q", got)
	}
}

func TestParseDate(t *testing.T) {
	utc := func(s string) string { return s }
	tests := map[string]string{
		"2024-05-01T12:00:00Z":            utc("2024-05-01T12:00:00Z"),
		"2024-05-01T12:00:00+02:00":       "2024-05-01T12:00:00+02:00",
		"2024-05-01T12:00:00.123-05:30":   "2024-05-01T12:00:00-05:30",
		"2024-05-01T12:00:00+0200":        "2024-05-01T12:00:00+02:00",
		"2024-05-01 12:00:00 +0200":       "2024-05-01T12:00:00+02:00",
		"2024-05-01 12:00:00+02:00":       "2024-05-01T12:00:00+02:00",
		"@1714557600 +0200":               "2024-05-01T12:00:00+02:00",
		"1714557600 -0100":                "2024-05-01T09:00:00-01:00",
		"@1714557600":                     "2024-05-01T10:00:00Z",
		"Wed, 01 May 2024 12:00:00 +0200": "2024-05-01T12:00:00+02:00",
		"Wed, 1 May 2024 12:00:00 +0200":  "2024-05-01T12:00:00+02:00",
		"1 May 2024 12:00:00 -0000":       "2024-05-01T12:00:00Z",
		"Wed May 1 12:00:00 2024 +0200":   "2024-05-01T12:00:00+02:00",
	}
	for in, want := range tests {
		got, err := ParseDate(in)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", in, err)
			continue
		}
		if s := got.Format(time.RFC3339); s != want {
			t.Errorf("ParseDate(%q) = %s, want %s", in, s, want)
		}
	}
	// Without a zone: local time.
	got, err := ParseDate("2024-05-01 12:00:00")
	if err != nil || got.Location() != time.Local || got.Hour() != 12 {
		t.Errorf("ParseDate(local) = %v, %v", got, err)
	}
	for _, bad := range []string{"", "tomorrow", "2024-13-01T00:00:00Z", "@12 +99", "@1714557600 +02"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) succeeded", bad)
		}
	}
}

func TestParseConfig(t *testing.T) {
	text := "# comment\n" +
		"[core]\n\tfilemode = false\n\tbare\n" +
		"[user] name = Inline  Spaces  \n" +
		"[remote \"Origin \\\"x\\\"\"]\n\turl = \"a;b#c\" ; trailing comment\n" +
		"[section.Sub]\n\tkey = one \\\n  continued\n" +
		"[esc]\n\tv = tab\\there\\nnew \"  kept  \"\r\n"
	entries, err := parseConfig(text)
	if err != nil {
		t.Fatal(err)
	}
	c := &gitConfig{entries: entries}
	checks := []struct{ section, sub, key, want string }{
		{"core", "", "filemode", "false"},
		{"core", "", "bare", "true"},
		{"user", "", "name", "Inline  Spaces"},
		{"remote", `Origin "x"`, "url", "a;b#c"},
		{"section", "sub", "key", "one   continued"},
		{"esc", "", "v", "tab\there\nnew   kept  "},
	}
	for _, ck := range checks {
		if got, ok := c.get(ck.section, ck.sub, ck.key); !ok || got != ck.want {
			t.Errorf("%s.%s.%s = %q (%v), want %q", ck.section, ck.sub, ck.key, got, ok, ck.want)
		}
	}
	if c.getBool("core", "filemode", true) || !c.getBool("core", "bare", false) || !c.getBool("core", "missing", true) {
		t.Error("getBool")
	}
	for _, bad := range []string{"key = outside", "[unterminated\n", "[s]\nk = \"open\n", "[s]\n=v\n"} {
		if _, err := parseConfig(bad); err == nil {
			t.Errorf("parseConfig(%q) succeeded", bad)
		}
	}
}

func TestWildmatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		fold, want    bool
	}{
		{"**/work/**", "/home/me/work/repo/.git", false, true},
		{"/home/me/work/**", "/home/me/work/a/b/.git", false, true},
		{"/home/me/work/*", "/home/me/work/a/b/.git", false, false},
		{"**/Work/**", "/home/me/work/x/.git", true, true},
		{"**/Work/**", "/home/me/work/x/.git", false, false},
		{"ma*", "main", false, true},
		{"feature/**", "feature/a/b", false, true},
		{"r[a-c]po", "rbpo", false, true},
		{"r[!a-c]po", "rbpo", false, false},
	}
	for _, tc := range tests {
		if got := wildmatch(tc.pattern, tc.name, tc.fold); got != tc.want {
			t.Errorf("wildmatch(%q, %q, %v) = %v", tc.pattern, tc.name, tc.fold, got)
		}
	}
}
