package fsx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// tree describes files to create: "dir/" for a directory, "name -> target"
// for a symlink, anything else for a regular file with that content.
type tree map[string]string

func build(t *testing.T, root string, tr tree) {
	t.Helper()
	names := make([]string, 0, len(tr))
	for n := range tr {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := tr[n]
		p := filepath.Join(root, filepath.FromSlash(strings.TrimSuffix(n, "/")))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(n, "/"):
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(v, "-> "):
			if err := os.Symlink(strings.TrimPrefix(v, "-> "), p); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// snap records the whole tree below root: type, mode, content or target.
func snap(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = "link " + l
		case fi.IsDir():
			out[rel] = fmt.Sprintf("dir %v", fi.Mode().Perm())
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = fmt.Sprintf("file %v %q", fi.Mode().Perm(), b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func diffSnaps(a, b map[string]string) string {
	var lines []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			lines = append(lines, fmt.Sprintf("- %s: %s", k, v))
		} else if v != w {
			lines = append(lines, fmt.Sprintf("~ %s: %s => %s", k, v, w))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			lines = append(lines, fmt.Sprintf("+ %s: %s", k, v))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func setHook(t *testing.T, h func(point, rel string) error) {
	t.Helper()
	testHook = h
	t.Cleanup(func() { testHook = nil })
}

func TestSecureJoin(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	build(t, root, tree{
		"a/b.txt":       "x",
		"file":          "f",
		"in-link":       "-> a",
		"out-link":      "-> " + outside,
		"out-rel":       "-> ../../../../../../../../..",
		"dangling-in":   "-> nowhere",
		"dangling-out":  "-> ../nowhere",
		"a/deep-out":    "-> ../../",
		"a/up-but-in":   "-> ../a",
		"loop":          "-> loop",
		"abs-to-inside": "-> " + filepath.Join(root, "a"),
	})
	tests := []struct {
		rel     string
		want    string // relative to root, slash-separated; "" when an error is expected
		errPart string
	}{
		{rel: "a/b.txt", want: "a/b.txt"},
		{rel: "new/dir/file.yaml", want: "new/dir/file.yaml"},
		{rel: "./a//b.txt", want: "a/b.txt"},
		{rel: "a/./c/", want: "a/c"},
		{rel: "in-link/b.txt", want: "in-link/b.txt"},
		{rel: "in-link/new", want: "in-link/new"},
		{rel: "a/up-but-in/b.txt", want: "a/up-but-in/b.txt"},
		{rel: "abs-to-inside/x", want: "abs-to-inside/x"},
		{rel: "dangling-in", want: "dangling-in"},
		{rel: "file/below", want: "file/below"}, // safe; Apply reports the file parent
		{rel: "../x", errPart: `".." elements`},
		{rel: "a/../../x", errPart: `".." elements`},
		{rel: "a/../b.txt", errPart: `".." elements`},
		{rel: "..", errPart: `".." elements`},
		{rel: "/etc/x", errPart: "absolute"},
		{rel: "", errPart: "empty path"},
		{rel: ".", errPart: "root directory itself"},
		{rel: "a/..x/../..", errPart: `".." elements`},
		{rel: `a\b`, errPart: "backslash"},
		{rel: "a\x00b", errPart: "NUL"},
		{rel: "out-link/x", errPart: `symlink "out-link" points outside`},
		{rel: "out-link", errPart: `symlink "out-link" points outside`},
		{rel: "out-rel/etc/passwd", errPart: `symlink "out-rel" points outside`},
		{rel: "a/deep-out/x", errPart: `symlink "a/deep-out" points outside`},
		{rel: "dangling-out", errPart: `symlink "dangling-out" points outside`},
		{rel: "dangling-in/x", errPart: "cannot be resolved"},
		{rel: "loop/x", errPart: "cannot be resolved"},
	}
	for _, tc := range tests {
		t.Run(tc.rel, func(t *testing.T) {
			got, err := SecureJoin(root, tc.rel)
			if tc.errPart != "" {
				if err == nil {
					t.Fatalf("SecureJoin(%q) = %q, want error containing %q", tc.rel, got, tc.errPart)
				}
				if !strings.Contains(err.Error(), tc.errPart) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %q: want one line containing %q", err, tc.errPart)
				}
				if !errors.Is(err, ErrUnsafePath) {
					t.Fatalf("error %q does not wrap ErrUnsafePath", err)
				}
				if tc.rel != "" && !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.rel)) {
					t.Fatalf("error %q does not name the path", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("SecureJoin(%q): %v", tc.rel, err)
			}
			if want := filepath.Join(root, filepath.FromSlash(tc.want)); got != want {
				t.Fatalf("SecureJoin(%q) = %q, want %q", tc.rel, got, want)
			}
		})
	}
}

func TestSecureJoinRootErrors(t *testing.T) {
	root := t.TempDir()
	build(t, root, tree{"f": "x"})
	if _, err := SecureJoin(filepath.Join(root, "missing"), "a"); err == nil {
		t.Error("missing root accepted")
	}
	if _, err := SecureJoin(filepath.Join(root, "f"), "a"); err == nil {
		t.Error("file root accepted")
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		before  tree
		changes []Change
		want    tree // expected tree after success; nil when an error is expected
		errPart string
	}{
		{
			name:   "write new files and dirs",
			before: tree{"keep.txt": "k"},
			changes: []Change{
				{Path: "capi/clusters/a/kustomization.yaml", Content: []byte("resources: []\n")},
				{Path: "top.txt", Content: []byte("t")},
			},
			want: tree{
				"keep.txt":                           "k",
				"capi/clusters/a/kustomization.yaml": "resources: []\n",
				"top.txt":                            "t",
			},
		},
		{
			name:    "overwrite and empty content",
			before:  tree{"a.txt": "old", "b.txt": "old"},
			changes: []Change{{Path: "a.txt", Content: []byte("new")}, {Path: "b.txt"}},
			want:    tree{"a.txt": "new", "b.txt": ""},
		},
		{
			name:    "delete file prunes empty parents",
			before:  tree{"x/y/z.txt": "z", "keep/k": "k"},
			changes: []Change{{Path: "x/y/z.txt", Delete: true}},
			want:    tree{"keep/k": "k"},
		},
		{
			name:    "delete keeps non-empty parent",
			before:  tree{"x/y/z.txt": "z", "x/other": "o"},
			changes: []Change{{Path: "x/y/z.txt", Delete: true}},
			want:    tree{"x/other": "o"},
		},
		{
			name:    "delete directory tree",
			before:  tree{"clusters/a/k.yaml": "a", "clusters/a/sub/v.yaml": "v", "clusters/a/l": "-> k.yaml", "clusters/b/k.yaml": "b"},
			changes: []Change{{Path: "clusters/a", Delete: true}, {Path: "clusters/kustomization.yaml", Content: []byte("resources:\n- b\n")}},
			want:    tree{"clusters/b/k.yaml": "b", "clusters/kustomization.yaml": "resources:\n- b\n"},
		},
		{
			name:    "delete missing is a no-op",
			before:  tree{"a": "a"},
			changes: []Change{{Path: "nope/x", Delete: true}},
			want:    tree{"a": "a"},
		},
		{
			name:    "write then delete same path",
			before:  tree{"a": "a"},
			changes: []Change{{Path: "d/n", Content: []byte("n")}, {Path: "d/n", Delete: true}},
			want:    tree{"a": "a"},
		},
		{
			name:    "write through symlinked dir inside root",
			before:  tree{"real/x": "x", "alias": "-> real"},
			changes: []Change{{Path: "alias/y", Content: []byte("y")}},
			want:    tree{"real/x": "x", "real/y": "y", "alias": "-> real"},
		},
		{
			name:    "symlink at target is replaced by a file",
			before:  tree{"real": "r", "l": "-> real"},
			changes: []Change{{Path: "l", Content: []byte("now a file")}},
			want:    tree{"real": "r", "l": "now a file"},
		},
		{
			name:    "reject traversal",
			before:  tree{"a": "a"},
			changes: []Change{{Path: "ok", Content: []byte("x")}, {Path: "../x", Content: []byte("x")}},
			errPart: `".." elements`,
		},
		{
			name:    "reject absolute",
			before:  tree{"a": "a"},
			changes: []Change{{Path: "/etc/x", Content: []byte("x")}},
			errPart: "absolute",
		},
		{
			name:    "reject write over directory",
			before:  tree{"d/f": "f"},
			changes: []Change{{Path: "d", Content: []byte("x")}},
			errPart: "target is a directory",
		},
		{
			name:    "reject existing file parent",
			before:  tree{"f": "f"},
			changes: []Change{{Path: "new", Content: []byte("x")}, {Path: "f/x", Content: []byte("x")}},
			errPart: `parent "f" is not a directory`,
		},
		{
			name:    "reject delete with content",
			before:  tree{"f": "f"},
			changes: []Change{{Path: "f", Delete: true, Content: []byte("x")}},
			errPart: "Delete is set",
		},
		{
			name:   "fail midway: parent becomes a file",
			before: tree{"keep/k": "k", "a.txt": "old", "gone.txt": "g"},
			changes: []Change{
				{Path: "new/deep/file", Content: []byte("n")},
				{Path: "a.txt", Content: []byte("new")},
				{Path: "gone.txt", Delete: true},
				{Path: "p", Content: []byte("p is a file")},
				{Path: "p/child", Content: []byte("boom")},
			},
			errPart: `parent "p" is not a directory`,
		},
		{
			name:   "fail midway: write over a directory created earlier",
			before: tree{"a.txt": "old"},
			changes: []Change{
				{Path: "a.txt", Content: []byte("new")},
				{Path: "d/x", Content: []byte("x")},
				{Path: "d", Content: []byte("x")},
			},
			errPart: "target is a directory",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			build(t, root, tc.before)
			before := snap(t, root)
			undo, err := Apply(root, tc.changes)
			if tc.errPart != "" {
				if err == nil {
					t.Fatalf("Apply succeeded, want error containing %q", tc.errPart)
				}
				if !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("error %q, want it to contain %q", err, tc.errPart)
				}
				if undo != nil {
					t.Error("undo returned with error")
				}
				if d := diffSnaps(before, snap(t, root)); d != "" {
					t.Fatalf("tree changed after failed Apply:\n%s", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			wantRoot := t.TempDir()
			build(t, wantRoot, tc.want)
			if d := diffSnaps(snap(t, wantRoot), snap(t, root)); d != "" {
				t.Fatalf("tree after Apply differs from want:\n%s", d)
			}
			if err := undo(); err != nil {
				t.Fatalf("undo: %v", err)
			}
			if d := diffSnaps(before, snap(t, root)); d != "" {
				t.Fatalf("tree after undo differs from before:\n%s", d)
			}
			if err := undo(); err == nil {
				t.Error("second undo did not fail")
			}
		})
	}
}

// TestApplyInjectedFailure fails every change and point in turn and checks
// that the tree is byte-identical afterwards.
func TestApplyInjectedFailure(t *testing.T) {
	before := tree{
		"kustomization.yaml":       "resources:\n- clusters\n",
		"clusters/a/k.yaml":        "a",
		"clusters/a/sub/v.yaml":    "v",
		"clusters/b/k.yaml":        "b",
		"exec.sh":                  "#!/bin/sh\n",
		"clusters/kustomization.y": "resources:\n- a\n- b\n",
	}
	changes := []Change{
		{Path: "clusters/c/k.yaml", Content: []byte("c")},
		{Path: "clusters/a", Delete: true},
		{Path: "exec.sh", Content: []byte("#!/bin/sh\necho\n")},
		{Path: "clusters/b/k.yaml", Delete: true},
		{Path: "clusters/kustomization.y", Content: []byte("resources:\n- c\n")},
	}
	for _, point := range []string{"change", "rename"} {
		for i := range changes {
			c := changes[i]
			if point == "rename" && c.Delete {
				continue
			}
			t.Run(fmt.Sprintf("%s-%d-%s", point, i, c.Path), func(t *testing.T) {
				root := t.TempDir()
				build(t, root, before)
				if err := os.Chmod(filepath.Join(root, "exec.sh"), 0o755); err != nil {
					t.Fatal(err)
				}
				want := snap(t, root)
				injected := errors.New("injected")
				setHook(t, func(p, rel string) error {
					if p == point && rel == c.Path {
						return injected
					}
					return nil
				})
				undo, err := Apply(root, changes)
				if !errors.Is(err, injected) || undo != nil {
					t.Fatalf("Apply = %v, %v; want the injected error", undo != nil, err)
				}
				if d := diffSnaps(want, snap(t, root)); d != "" {
					t.Fatalf("tree changed:\n%s", d)
				}
			})
		}
	}
}

func TestApplyModes(t *testing.T) {
	root := t.TempDir()
	build(t, root, tree{"exec.sh": "old"})
	if err := os.Chmod(filepath.Join(root, "exec.sh"), 0o750); err != nil {
		t.Fatal(err)
	}
	undo, err := Apply(root, []Change{
		{Path: "exec.sh", Content: []byte("new")},
		{Path: "n/new.txt", Content: []byte("x")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]fs.FileMode{"exec.sh": 0o750, "n/new.txt": 0o644, "n": 0o755 | fs.ModeDir} {
		fi, err := os.Stat(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode() & (fs.ModePerm | fs.ModeDir); got != want {
			t.Errorf("%s: mode %v, want %v", p, got, want)
		}
	}
	if err := undo(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(root, "exec.sh"))
	if err != nil || fi.Mode().Perm() != 0o750 {
		t.Fatalf("exec.sh after undo: %v %v", fi.Mode(), err)
	}
}

// TestApplyDeleteDirRollback deletes a directory tree (with a read-only
// subdirectory and a symlink), then fails, and checks the tree is back.
func TestApplyDeleteDirRollback(t *testing.T) {
	root := t.TempDir()
	build(t, root, tree{
		"clusters/atlantic/kustomization.yaml": "kind: Kustomization\n",
		"clusters/atlantic/values/v.yaml":      "a: 1\n",
		"clusters/atlantic/empty/":             "",
		"clusters/atlantic/link":               "-> values/v.yaml",
		"clusters/kustomization.yaml":          "resources:\n- atlantic\n",
	})
	if err := os.Chmod(filepath.Join(root, "clusters/atlantic/values"), 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(filepath.Join(root, "clusters/atlantic/values"), 0o755) })
	want := snap(t, root)
	setHook(t, func(p, rel string) error {
		if rel == "clusters/kustomization.yaml" && p == "rename" {
			return errors.New("injected")
		}
		return nil
	})
	_, err := Apply(root, []Change{
		{Path: "clusters/atlantic", Delete: true},
		{Path: "clusters/kustomization.yaml", Content: []byte("resources: []\n")},
	})
	if err == nil {
		t.Fatal("Apply succeeded despite injected failure")
	}
	if d := diffSnaps(want, snap(t, root)); d != "" {
		t.Fatalf("tree changed:\n%s", d)
	}
}

func TestApplyEmpty(t *testing.T) {
	root := t.TempDir()
	undo, err := Apply(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := undo(); err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(filepath.Join(root, "missing"), nil); err == nil {
		t.Fatal("missing root accepted")
	}
}
