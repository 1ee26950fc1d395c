// Package fsx applies sets of file changes to a directory tree atomically:
// either every change is applied or the tree is left exactly as it was.
package fsx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrUnsafePath is wrapped by every error SecureJoin returns for a path that
// is malformed or would resolve outside the root.
var ErrUnsafePath = errors.New("unsafe path")

func unsafePath(rel, rule string) error {
	return fmt.Errorf("%w %q: %s", ErrUnsafePath, rel, rule)
}

// SecureJoin joins root and rel, a slash-separated path relative to root.
//
// It rejects empty, absolute and backslash-containing paths, any ".."
// element (even one that would stay inside root lexically), a path naming
// root itself, and any path that resolves outside root through a symbolic
// link that exists at call time. The returned path is filepath.Join(root,
// rel) with rel cleaned; it is not resolved through symlinks.
//
// root must exist and be a directory. Errors are one line and name the
// offending path and the rule it broke.
func SecureJoin(root, rel string) (string, error) {
	clean, err := cleanRel(rel)
	if err != nil {
		return "", err
	}
	realRoot, err := resolveRoot(root)
	if err != nil {
		return "", err
	}
	if err := checkSymlinks(realRoot, rel, clean); err != nil {
		return "", err
	}
	return filepath.Join(root, filepath.FromSlash(clean)), nil
}

// cleanRel validates the lexical form of rel and returns it cleaned.
func cleanRel(rel string) (string, error) {
	switch {
	case rel == "":
		return "", unsafePath(rel, "empty path")
	case strings.IndexByte(rel, 0) >= 0:
		return "", unsafePath(rel, "contains a NUL byte")
	case strings.Contains(rel, `\`):
		return "", unsafePath(rel, "contains a backslash (paths must be slash-separated)")
	case path.IsAbs(rel) || filepath.IsAbs(rel) || filepath.VolumeName(rel) != "":
		return "", unsafePath(rel, "absolute paths are not allowed")
	}
	for _, elem := range strings.Split(rel, "/") {
		if elem == ".." {
			return "", unsafePath(rel, `".." elements are not allowed`)
		}
	}
	clean := path.Clean(rel)
	if clean == "." {
		return "", unsafePath(rel, "refers to the root directory itself")
	}
	return clean, nil
}

func resolveRoot(root string) (string, error) {
	if root == "" {
		return "", errors.New("fsx: empty root directory")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("fsx: root %q: %w", root, err)
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("fsx: root %q: %w", root, err)
	}
	fi, err := os.Stat(resolved)
	if err != nil {
		return "", fmt.Errorf("fsx: root %q: %w", root, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("fsx: root %q is not a directory", root)
	}
	return resolved, nil
}

// checkSymlinks walks the existing prefix of clean below realRoot and
// rejects any symlink whose target lies outside realRoot. Components that
// do not exist yet end the walk: they cannot be links.
func checkSymlinks(realRoot, rel, clean string) error {
	parts := strings.Split(clean, "/")
	cur := realRoot
	for i, part := range parts {
		next := filepath.Join(cur, part)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			// The rest does not exist (or a parent is a regular file,
			// which Apply reports when it gets there).
			return nil
		}
		if err != nil {
			return fmt.Errorf("fsx: path %q: %w", rel, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		linkName := path.Join(parts[:i+1]...)
		target, err := filepath.EvalSymlinks(next)
		if err != nil {
			// Dangling or looping link: judge it by its lexical target.
			link, lerr := os.Readlink(next)
			if lerr != nil {
				return fmt.Errorf("fsx: path %q: %w", rel, lerr)
			}
			if !filepath.IsAbs(link) {
				link = filepath.Join(cur, link)
			}
			if !within(realRoot, filepath.Clean(link)) {
				return unsafePath(rel, fmt.Sprintf("symlink %q points outside the root", linkName))
			}
			if i < len(parts)-1 {
				return unsafePath(rel, fmt.Sprintf("symlink %q cannot be resolved", linkName))
			}
			return nil
		}
		if !within(realRoot, target) {
			return unsafePath(rel, fmt.Sprintf("symlink %q points outside the root", linkName))
		}
		cur = target
	}
	return nil
}

// within reports whether p is root or lies below it. Both must be clean
// absolute paths.
func within(root, p string) bool {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return false
	}
	return r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r)
}
