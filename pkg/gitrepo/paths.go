package gitrepo

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// cleanPath normalises a repository-relative slash path. The whole
// repository ("" or ".") becomes "".
func cleanPath(p string) (string, error) {
	if strings.IndexByte(p, 0) >= 0 {
		return "", fmt.Errorf("gitrepo: path %q contains a NUL byte", p)
	}
	if p == "" {
		return "", nil
	}
	c := path.Clean(p)
	switch {
	case strings.HasPrefix(c, "/") || filepath.IsAbs(p):
		return "", fmt.Errorf("gitrepo: path %q must be relative to the repository root", p)
	case c == ".." || strings.HasPrefix(c, "../"):
		return "", fmt.Errorf("gitrepo: path %q is outside the repository", p)
	case c == ".":
		return "", nil
	}
	for _, part := range strings.Split(c, "/") {
		if strings.EqualFold(part, ".git") {
			return "", fmt.Errorf("gitrepo: path %q is inside a .git directory", p)
		}
	}
	return c, nil
}

// cleanPaths normalises paths and drops duplicates and paths that lie below
// another given path. The result is sorted.
func cleanPaths(paths []string) ([]string, error) {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		c, err := cleanPath(p)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	// After sorting, a path below another one comes after it, though not
	// necessarily right after it ("a", "a-b", "a/c"), so compare against
	// every kept path.
	kept := out[:0]
	for _, p := range out {
		covered := false
		for _, k := range kept {
			if under(p, k) {
				covered = true
				break
			}
		}
		if !covered {
			kept = append(kept, p)
		}
	}
	return kept, nil
}

// under reports whether the repository path p is prefix or lies below it.
func under(p, prefix string) bool {
	if prefix == "" {
		return true
	}
	return p == prefix || (len(p) > len(prefix) && p[len(prefix)] == '/' && strings.HasPrefix(p, prefix))
}

// parentDir returns the directory part of a repository path ("" for a
// top-level name).
func parentDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// joinPath joins a repository directory path and a name.
func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// osPath returns the file system path of a repository path.
func (r *Repo) osPath(p string) string {
	if p == "" {
		return r.root
	}
	return filepath.Join(r.root, filepath.FromSlash(p))
}

// beyondSymlink reports whether one of the directories leading to the
// repository path p (not p itself) is a symbolic link or not a directory
// at all, in which case git does not consider p part of the working tree.
func (r *Repo) beyondSymlink(p string) (bool, error) {
	dir := parentDir(p)
	if dir == "" {
		return false, nil
	}
	cur := ""
	for _, part := range strings.Split(dir, "/") {
		cur = joinPath(cur, part)
		fi, err := os.Lstat(r.osPath(cur))
		if err != nil {
			if os.IsNotExist(err) {
				return true, nil
			}
			return false, err
		}
		if !fi.IsDir() {
			return true, nil
		}
	}
	return false, nil
}

// displayPaths quotes cleaned paths for messages, showing the top level as ".".
func displayPaths(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		if p == "" {
			p = "."
		}
		q[i] = fmt.Sprintf("%q", p)
	}
	return strings.Join(q, ", ")
}
