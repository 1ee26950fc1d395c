package diff

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var cases = []struct {
	name string
	a, b string
}{
	{"one line changed", "a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nd\nE\nf\ng\nh\n"},
	{"first line", "a\nb\nc\n", "A\nb\nc\n"},
	{"last line", "a\nb\nc\n", "a\nb\nC\n"},
	{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n", "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\nY\n16\n"},
	{"merged hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\nX\n3\n4\n5\n6\n7\nY\n9\n"},
	{"insert block", "a\nb\nc\n", "a\nb\nx\ny\nc\n"},
	{"delete block", "a\nb\nx\ny\nc\n", "a\nb\nc\n"},
	{"no final newline", "a\nb", "a\nc"},
	{"add final newline", "a\nb", "a\nb\n"},
	{"empty to content", "", "a\nb\n"},
	{"content to empty", "a\nb\n", ""},
}

func TestUnifiedMatchesGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			if err := os.WriteFile(a, []byte(tc.a), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(b, []byte(tc.b), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("git", "diff", "--no-index", "--no-color", "-U3", "a", "b")
			cmd.Dir = dir
			out, _ := cmd.Output() // exit 1 means "differs"
			var want []string
			for _, l := range strings.SplitAfter(string(out), "\n") {
				if strings.HasPrefix(l, "diff --git") || strings.HasPrefix(l, "index ") || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "+++ ") {
					continue
				}
				if i := strings.Index(l, " @@"); strings.HasPrefix(l, "@@") && i > 0 {
					l = l[:i+3] + "\n" // drop git's function context
				}
				want = append(want, l)
			}
			got := Unified("f", []byte(tc.a), []byte(tc.b))
			got = strings.TrimPrefix(got, "--- a/f\n+++ b/f\n")
			if got != strings.Join(want, "") {
				t.Errorf("diff differs from git's\n--- got\n%s--- git\n%s", got, strings.Join(want, ""))
			}
		})
	}
}

func TestUnifiedHeaders(t *testing.T) {
	if got := Unified("x", []byte("a\n"), []byte("a\n")); got != "" {
		t.Errorf("equal contents: got %q", got)
	}
	if got := Unified("x", nil, []byte("a\n")); !strings.HasPrefix(got, "--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+a\n") {
		t.Errorf("new file: got %q", got)
	}
	if got := Unified("x", []byte("a\n"), nil); !strings.HasPrefix(got, "--- a/x\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n") {
		t.Errorf("deleted file: got %q", got)
	}
}
