package gitrepo

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// dirtyBase creates the repository the Dirty cases start from.
func dirtyBase(t *testing.T) *Repo {
	r := newRepoWithGit(t, map[string]string{
		".gitignore":           "*.log\ntmp/\n!keep.log\n",
		"apps/web/deploy.yaml": "image: web:1\n",
		"apps/web/svc.yaml":    "port: 80\n",
		"apps/api/deploy.yaml": "image: api:1\n",
		"apps-extra/x.yaml":    "x\n",
		"clusters/prod.yaml":   "prod\n",
	})
	writeFile(t, r.Root(), "logs/tracked.log", "tracked despite *.log\n")
	gitRun(t, r.Root(), "add", "-f", "logs/tracked.log")
	gitRun(t, r.Root(), "commit", "-q", "-m", "tracked log")
	return r
}

func TestDirty(t *testing.T) {
	queries := []string{
		".", "apps", "apps/", "apps/web", "apps/web/deploy.yaml", "apps/web/svc.yaml",
		"apps/api", "apps-extra", "clusters", "logs", "nope", "apps/web/tmp", "apps/web/debug.log",
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, root string)
		want  []string // which of queries are dirty
	}{
		{
			name:  "clean",
			setup: func(t *testing.T, root string) {},
			want:  nil,
		},
		{
			name: "unstaged modification",
			setup: func(t *testing.T, root string) {
				writeFile(t, root, "apps/web/deploy.yaml", "image: web:2\n")
			},
			want: []string{".", "apps", "apps/", "apps/web", "apps/web/deploy.yaml"},
		},
		{
			name: "same size modification",
			setup: func(t *testing.T, root string) {
				writeFile(t, root, "apps/web/svc.yaml", "port: 81\n")
			},
			want: []string{".", "apps", "apps/", "apps/web", "apps/web/svc.yaml"},
		},
		{
			name: "same size modification with the old mtime",
			setup: func(t *testing.T, root string) {
				p := filepath.Join(root, "apps/web/svc.yaml")
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, root, "apps/web/svc.yaml", "port: 81\n")
				if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{".", "apps", "apps/", "apps/web", "apps/web/svc.yaml"},
		},
		{
			name: "staged modification",
			setup: func(t *testing.T, root string) {
				writeFile(t, root, "apps/web/deploy.yaml", "image: web:2\n")
				gitRun(t, root, "add", "apps/web/deploy.yaml")
			},
			want: []string{".", "apps", "apps/", "apps/web", "apps/web/deploy.yaml"},
		},
		{
			name: "staged modification reverted in the worktree",
			setup: func(t *testing.T, root string) {
				writeFile(t, root, "apps/api/deploy.yaml", "image: api:2\n")
				gitRun(t, root, "add", "apps/api/deploy.yaml")
				writeFile(t, root, "apps/api/deploy.yaml", "image: api:1\n")
			},
			want: []string{".", "apps", "apps/", "apps/api"},
		},
		{
			name: "touched but unchanged",
			setup: func(t *testing.T, root string) {
				future := time.Now().Add(time.Hour)
				if err := os.Chtimes(filepath.Join(root, "apps/web/deploy.yaml"), future, future); err != nil {
					t.Fatal(err)
				}
				writeFile(t, root, "clusters/prod.yaml", "prod\n") // rewritten, same bytes
			},
			want: nil,
		},
		{
			name: "untracked file",
			setup: func(t *testing.T, root string) {
				writeFile(t, root, "apps/web/new.yaml", "new\n")
			},
			want: []string{".", "apps", "apps/", "apps/web"},
		},
		{
			name: "untracked file in a new directory",
			setup: func(t *testing.T, root string) {
				writeFile(t, root, "apps/new/deep/new.yaml", "new\n")
			},
			want: []string{".", "apps", "apps/"},
		},
		{
			name: "ignored files",
			setup: func(t *testing.T, root string) {
				writeFile(t, root, "apps/web/debug.log", "log\n")
				writeFile(t, root, "apps/web/tmp/cache.yaml", "cache\n")
				writeFile(t, root, "tmp/x", "x\n")
			},
			want: nil,
		},
		{
			name: "negated ignore pattern",
			setup: func(t *testing.T, root string) {
				writeFile(t, root, "apps/api/keep.log", "kept\n")
			},
			want: []string{".", "apps", "apps/", "apps/api"},
		},
		{
			name: "nested .gitignore",
			setup: func(t *testing.T, root string) {
				writeFile(t, root, "clusters/.gitignore", "*.bak\n")
				gitRun(t, root, "add", "clusters/.gitignore")
				gitRun(t, root, "commit", "-q", "-m", "nested ignore")
				writeFile(t, root, "clusters/prod.yaml.bak", "backup\n")
				writeFile(t, root, "apps/web/x.bak", "not ignored here\n")
			},
			want: []string{".", "apps", "apps/", "apps/web"},
		},
		{
			name: "info/exclude and core.excludesFile",
			setup: func(t *testing.T, root string) {
				writeFile(t, root, ".git/info/exclude", "secret.yaml\n")
				excludes := filepath.Join(root, ".git", "my-excludes")
				writeFile(t, root, ".git/my-excludes", "*.swp\n")
				gitRun(t, root, "config", "core.excludesFile", excludes)
				writeFile(t, root, "apps/web/secret.yaml", "s\n")
				writeFile(t, root, "apps/web/.deploy.yaml.swp", "s\n")
			},
			want: nil,
		},
		{
			name: "deleted in the worktree",
			setup: func(t *testing.T, root string) {
				removePath(t, root, "apps/web/svc.yaml")
			},
			want: []string{".", "apps", "apps/", "apps/web", "apps/web/svc.yaml"},
		},
		{
			name: "whole directory deleted",
			setup: func(t *testing.T, root string) {
				removePath(t, root, "apps/web")
			},
			want: []string{".", "apps", "apps/", "apps/web", "apps/web/deploy.yaml", "apps/web/svc.yaml"},
		},
		{
			name: "staged deletion",
			setup: func(t *testing.T, root string) {
				gitRun(t, root, "rm", "-q", "--cached", "clusters/prod.yaml")
			},
			want: []string{".", "clusters"},
		},
		{
			name: "intent to add",
			setup: func(t *testing.T, root string) {
				writeFile(t, root, "clusters/ita.yaml", "x\n")
				gitRun(t, root, "add", "-N", "clusters/ita.yaml")
			},
			want: []string{".", "clusters"},
		},
		{
			name: "tracked file matching an ignore pattern",
			setup: func(t *testing.T, root string) {
				writeFile(t, root, "logs/tracked.log", "changed\n")
			},
			want: []string{".", "logs"},
		},
		{
			name: "empty directory",
			setup: func(t *testing.T, root string) {
				if err := os.MkdirAll(filepath.Join(root, "apps/web/empty/deeper"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			want: nil,
		},
		{
			name: "file replaced by a directory",
			setup: func(t *testing.T, root string) {
				removePath(t, root, "clusters/prod.yaml")
				writeFile(t, root, "clusters/prod.yaml/inner", "x\n")
			},
			want: []string{".", "clusters"},
		},
		{
			name: "unmerged",
			setup: func(t *testing.T, root string) {
				gitRun(t, root, "checkout", "-q", "-b", "other")
				writeFile(t, root, "clusters/prod.yaml", "other\n")
				gitRun(t, root, "commit", "-q", "-am", "other")
				gitRun(t, root, "checkout", "-q", "main")
				writeFile(t, root, "clusters/prod.yaml", "mine\n")
				gitRun(t, root, "commit", "-q", "-am", "mine")
				if _, err := gitTry(root, "merge", "other"); err == nil {
					t.Fatal("merge unexpectedly succeeded")
				}
				// Resolve the worktree content to what HEAD has: still
				// dirty, since the index holds conflict stages.
				writeFile(t, root, "clusters/prod.yaml", "mine\n")
			},
			want: []string{".", "clusters"},
		},
	}
	if runtime.GOOS != "windows" {
		tests = append(tests, struct {
			name  string
			setup func(t *testing.T, root string)
			want  []string
		}{
			name: "mode change",
			setup: func(t *testing.T, root string) {
				if err := os.Chmod(filepath.Join(root, "apps-extra/x.yaml"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{".", "apps-extra"},
		}, struct {
			name  string
			setup func(t *testing.T, root string)
			want  []string
		}{
			name: "file replaced by a symlink",
			setup: func(t *testing.T, root string) {
				removePath(t, root, "apps-extra/x.yaml")
				if err := os.Symlink("../clusters/prod.yaml", filepath.Join(root, "apps-extra/x.yaml")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{".", "apps-extra"},
		})
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := dirtyBase(t)
			root := r.Root()
			tc.setup(t, root)

			got, err := r.Dirty(queries)
			if err != nil {
				t.Fatalf("Dirty: %v", err)
			}
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("Dirty = %q\nwant    %q", got, want)
			}
			// git itself agrees on every query.
			status := gitRun(t, root, "status", "--porcelain", "--untracked-files=all", "--no-renames")
			var changed []string
			for _, l := range lines(status) {
				changed = append(changed, strings.TrimSuffix(l[3:], "/"))
			}
			for _, q := range queries {
				c, err := cleanPath(q)
				if err != nil {
					t.Fatal(err)
				}
				gitDirty := slices.ContainsFunc(changed, func(p string) bool { return under(p, c) })
				if gitDirty != slices.Contains(got, q) {
					t.Errorf("%q: Dirty says %v, git status says:\n%s", q, !gitDirty, status)
				}
			}
		})
	}
}

func TestDirtyFilesAndEdgeCases(t *testing.T) {
	r := dirtyBase(t)
	root := r.Root()
	writeFile(t, root, "apps/web/deploy.yaml", "image: web:2\n")
	writeFile(t, root, "apps/web/new.yaml", "n\n")
	writeFile(t, root, "apps/web/debug.log", "ignored\n")
	removePath(t, root, "apps/api/deploy.yaml")

	files, err := r.DirtyFiles([]string{"apps", "apps/web", "clusters"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"apps/api/deploy.yaml", "apps/web/deploy.yaml", "apps/web/new.yaml"}
	if !slices.Equal(files, want) {
		t.Errorf("DirtyFiles = %q, want %q", files, want)
	}

	// Duplicates collapse; the given spelling is returned.
	got, err := r.Dirty([]string{"apps/web/", "apps/web/", "./clusters", "apps/web"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"apps/web", "apps/web/"}) {
		t.Errorf("Dirty = %q", got)
	}
	if got, err := r.Dirty(nil); err != nil || len(got) != 0 {
		t.Errorf("Dirty(nil) = %q, %v", got, err)
	}
	for _, bad := range []string{"../x", "/abs", ".git", "a/.git/config"} {
		if _, err := r.Dirty([]string{bad}); err == nil {
			t.Errorf("Dirty(%q) accepted a bad path", bad)
		}
	}

	// A path below a symlinked directory is not part of the worktree.
	if runtime.GOOS != "windows" {
		if err := os.Symlink("apps", filepath.Join(root, "link")); err != nil {
			t.Fatal(err)
		}
		got, err := r.Dirty([]string{"link/web/new.yaml", "link"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []string{"link"}) { // the link itself is untracked
			t.Errorf("Dirty(beyond symlink) = %q", got)
		}
	}
}

func TestDirtyNestedRepository(t *testing.T) {
	r := dirtyBase(t)
	root := r.Root()
	nested := filepath.Join(root, "vendor", "lib")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	gitRun(t, nested, "init", "-q")
	writeFile(t, nested, "file.txt", "x\n")

	got, err := r.DirtyFiles([]string{"vendor"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"vendor/lib"}) {
		t.Errorf("DirtyFiles(vendor) = %q, want the nested repository itself", got)
	}
	if out := gitRun(t, root, "status", "--porcelain", "--untracked-files=all", "--", "vendor"); out != "?? vendor/lib/" {
		t.Errorf("git status = %q", out)
	}
}
