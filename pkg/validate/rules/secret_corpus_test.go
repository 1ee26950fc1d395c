package rules

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/rogpeppe/go-internal/txtar"
	"go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/validate"
)

// secretCorpus is one archive of testdata/secrets: its files, the findings it must give ("want
// file:line rule" lines of its comment) and the secret values planted in it ("planted value").
type secretCorpus struct {
	name    string
	files   fstest.MapFS
	order   []string
	want    []string // "file:line rule", sorted
	planted []string
}

func loadSecretCorpus(t testing.TB) []secretCorpus {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "secrets", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	var out []secretCorpus
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		c := secretCorpus{name: strings.TrimSuffix(filepath.Base(p), ".txtar"), files: fstest.MapFS{}}
		for _, l := range strings.Split(string(ar.Comment), "\n") {
			switch {
			case strings.HasPrefix(l, "want "):
				c.want = append(c.want, strings.TrimPrefix(l, "want "))
			case strings.HasPrefix(l, "planted "):
				c.planted = append(c.planted, strings.TrimPrefix(l, "planted "))
			}
		}
		slices.Sort(c.want)
		for _, f := range ar.Files {
			c.files[f.Name] = &fstest.MapFile{Data: f.Data}
			c.order = append(c.order, f.Name)
		}
		out = append(out, c)
	}
	return out
}

// scan runs a SecretScanner of the archive's repo over every file of it.
func (c secretCorpus) scan(t testing.TB) []validate.Finding {
	t.Helper()
	sc, err := NewSecretScanner(c.files)
	if err != nil {
		t.Fatal(err)
	}
	var out []validate.Finding
	for _, name := range c.order {
		out = append(out, sc.Scan(name, c.files[name].Data)...)
	}
	return out
}

// leakedValue returns the index of the first planted value the findings' JSON holds, -1 for none.
// Test output names the index, never the value.
func leakedValue(t testing.TB, fs []validate.Finding, planted []string) int {
	b, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range planted {
		if strings.Contains(string(b), p) {
			return i
		}
	}
	return -1
}

func TestSecretCorpus(t *testing.T) {
	for _, c := range loadSecretCorpus(t) {
		t.Run(c.name, func(t *testing.T) {
			got := c.scan(t)
			checkInvariants(t, sortedCopy(got))
			var ids []string
			for _, f := range got {
				ids = append(ids, fmt.Sprintf("%s:%d %s", f.File, f.Line, f.Rule))
			}
			slices.Sort(ids)
			if !slices.Equal(ids, c.want) {
				// Neither list holds a value: positions and rule ids only.
				t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(ids, "\n  "), strings.Join(c.want, "\n  "))
				if leakedValue(t, got, c.planted) < 0 {
					for _, f := range got {
						t.Logf("  %s:%d:%d %s %s: %s", f.File, f.Line, f.Column, f.Rule, f.Field, f.Message)
					}
				}
			}
			if i := leakedValue(t, got, c.planted); i >= 0 {
				t.Errorf("a finding repeats planted value #%d of %s", i+1, c.name)
			}
			for _, f := range got {
				if f.Line < 1 || f.Column < 1 {
					t.Errorf("%s:%d:%d %s: no position", f.File, f.Line, f.Column, f.Rule)
				}
			}
		})
	}
}

func sortedCopy(fs []validate.Finding) []validate.Finding {
	out := slices.Clone(fs)
	validate.Sort(out)
	return out
}

// TestSecretCorpusPlantedCovered checks that every planted value is in the archive, so that the
// leak check above checks something.
func TestSecretCorpusPlantedCovered(t *testing.T) {
	for _, c := range loadSecretCorpus(t) {
		for i, p := range c.planted {
			found := false
			for _, f := range c.files {
				found = found || strings.Contains(string(f.Data), p)
			}
			if !found {
				t.Errorf("%s: planted value #%d is in no file", c.name, i+1)
			}
		}
	}
}

func TestSecretScannerConfig(t *testing.T) {
	for name, sops := range map[string]string{
		"bad yaml":           "creation_rules: [",
		"bad path regex":     "creation_rules:\n- path_regex: '('\n",
		"bad encrypted rgex": "creation_rules:\n- path_regex: x\n  encrypted_regex: '[a'\n",
	} {
		if _, err := NewSecretScanner(fstest.MapFS{".sops.yaml": {Data: []byte(sops)}}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	for _, fsys := range []fstest.MapFS{nil, {}} {
		s, err := NewSecretScanner(fsys)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Scan("a.yaml", []byte("password: hunter2\n")); len(got) != 1 {
			t.Errorf("scanner without .sops.yaml: %d findings, want SecretRules' 1", len(got))
		}
	}
	// An empty path_regex matches every file, and the first matching rule wins.
	s, err := NewSecretScanner(fstest.MapFS{".sops.yaml": {Data: []byte("creation_rules:\n- path_regex: public/\n  encrypted_regex: ^nothing$\n- age: x\n")}})
	if err != nil {
		t.Fatal(err)
	}
	expectRules(t, s.Scan("a/b.yaml", []byte("a: 1\n")), validate.RuleSecretSOPS)
	expectRules(t, s.Scan("public/b.yaml", []byte("a: 1\n")))
	expectRules(t, s.Scan("a/empty.yaml", []byte("# nothing\n---\n")))
}

// TestSecretScannerConcurrent runs one scanner from many goroutines (go test -race checks it).
func TestSecretScannerConcurrent(t *testing.T) {
	c := loadSecretCorpus(t)
	var wg sync.WaitGroup
	for _, cc := range c {
		sc, err := NewSecretScanner(cc.files)
		if err != nil {
			t.Fatal(err)
		}
		want := cc.scan(t)
		for range 4 {
			wg.Go(func() {
				var got []validate.Finding
				for _, name := range cc.order {
					got = append(got, sc.Scan(name, cc.files[name].Data)...)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: concurrent scan differs", cc.name)
				}
			})
		}
	}
	wg.Wait()
}

// TestSecretDescribe pins the way a finding names a value.
func TestSecretDescribe(t *testing.T) {
	for v, want := range map[string]string{
		"hunter2":                  "of 7 characters",
		"ghp_u8jzPde0IgxLd6GncfBA": `"ghp_"… (24 characters)`,
		"pässwörtpässwört":         `"päss"… (16 characters)`,
	} {
		if got := describe(v); got != want {
			t.Errorf("describe(%d chars) = %q, want %q", len(v), got, want)
		}
	}
}

func FuzzSecretRules(f *testing.F) {
	// Seeds: the table cases, every corpus file, and shapes that stress the line scanner.
	for _, tc := range secretCases() {
		f.Add([]byte(tc.content))
	}
	var planted []string
	for _, c := range loadSecretCorpus(f) {
		for _, name := range c.order {
			f.Add(c.files[name].Data)
		}
		planted = append(planted, c.planted...)
	}
	f.Add([]byte("---\n...\n--- !x\nkind: Secret\ndata:\n  a: |\n"))
	f.Add([]byte("kind: Secret\ndata: {a:, :b, {}}\n"))
	f.Add([]byte("clientSecret: |\n"))
	f.Add([]byte("sig=\x00\xff?sv=&sig=" + strings.Repeat("A", 40)))
	f.Add([]byte("- - - password: hunter2hunter2\n-\n- name: X_TOKEN\n  value: |\n"))
	f.Add([]byte("u: a://:@\nu: a://b:c@\"x\": \n'k': 'v\ntoken=\nexport A_TOKEN= \n"))
	f.Add([]byte("password: " + strings.Repeat("é", 20) + "\n"))
	f.Fuzz(func(t *testing.T, content []byte) {
		got := SecretRules("f.yaml", content)
		lines := strings.Count(string(content), "\n") + 1
		for _, fd := range got {
			if fd.Line < 1 || fd.Line > lines || fd.Column < 1 {
				t.Fatalf("finding out of the file (%d lines): %+v", lines, fd)
			}
			if _, ok := validate.Lookup(fd.Rule); !ok {
				t.Fatalf("rule %q not in the registry", fd.Rule)
			}
		}
		// No finding repeats more than 4 characters of a value: for every value of the input
		// after a ':' or '=', no 6-character piece of it may be in the output unless other text
		// findings may show explains it (a key, a path, a host, a fixed word of a message).
		out, _ := json.Marshal(got)
		var text strings.Builder // the findings' text fields, without JSON's quoting
		for _, f := range got {
			for _, s := range []string{f.Rule, f.Message, f.Fix, f.File, f.Object, f.Field} {
				text.WriteString(s + "\x00")
			}
		}
		for _, v := range valueTokens(string(content)) {
			r := []rune(v)
			for i := 0; i+6 <= len(r); i++ {
				piece := string(r[i : i+6])
				if strings.Contains(text.String(), piece) && !explained(piece, got) {
					t.Fatalf("output repeats a piece of an input value (%d-character value, piece at %d)", len(r), i)
				}
			}
		}
		for _, p := range planted {
			if strings.Contains(string(content), p) && strings.Contains(string(out), p) {
				t.Fatal("output repeats a planted value")
			}
		}
	})
}

// valueTokens returns the values of the input's key: value and KEY=value lines, and the passwords
// of URLs, the parts no finding may repeat.
func valueTokens(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, sep := range []string{": ", "=", ":"} {
			if _, v, ok := strings.Cut(l, sep); ok {
				v = strings.Trim(v, " \t\"'{}[],")
				if len(v) >= 8 {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// explained reports a piece of output that is not a value's: it is in a key, a path or a fixed
// word of a message (the rule id, a pattern name, a host, a scheme), all of which findings may
// show.
func explained(piece string, got []validate.Finding) bool {
	for _, f := range got {
		msg := f.Message
		// Remove the 4-character value prefixes, the only value text a message may hold.
		for {
			i := strings.Index(msg, `"…`)
			if i < 0 {
				break
			}
			j := strings.LastIndexByte(msg[:i], '"')
			if j < 0 {
				break
			}
			msg = msg[:j] + msg[i+4:]
		}
		for _, s := range []string{f.Field, f.Object, f.File, f.Rule, f.Fix, msg} {
			if strings.Contains(s, piece) {
				return true
			}
		}
	}
	return false
}

// Benchmarks: SecretRules on a typical cluster values file and a HelmRelease, against yaml.v3
// decoding the same content (every file is parsed anyway) and the SecretRules before this change
// (secretRulesBaseline, a copy kept in secret_baseline_test.go).
func BenchmarkSecretRules(b *testing.B) {
	files := map[string][]byte{}
	for _, c := range loadSecretCorpus(b) {
		if c.name == "lookalikes" {
			files["values"] = c.files["capi/clusters/pacific-aks/values.yaml"].Data
		}
	}
	hr, err := os.ReadFile(filepath.Join("testdata", "secrets", "bench-helmrelease.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	files["helmrelease"] = hr
	for _, name := range []string{"values", "helmrelease"} {
		content := files[name]
		b.Run(name+"/SecretRules", func(b *testing.B) {
			b.SetBytes(int64(len(content)))
			for b.Loop() {
				SecretRules("capi/clusters/x/"+name+".yaml", content)
			}
		})
		b.Run(name+"/baseline-old-SecretRules", func(b *testing.B) {
			b.SetBytes(int64(len(content)))
			for b.Loop() {
				secretRulesBaseline("capi/clusters/x/"+name+".yaml", content)
			}
		})
		b.Run(name+"/baseline-yaml-decode", func(b *testing.B) {
			b.SetBytes(int64(len(content)))
			for b.Loop() {
				var n yaml.Node
				if err := yaml.Unmarshal(content, &n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
