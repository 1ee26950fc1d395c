// Package fsview holds the read-only views of a fleet repo that every check reads through: an
// overlay of pending file changes on top of another view (the tree as it will be once a change is
// written), content keys of files and folders in git's own object ids (so a cache keyed by them is
// never stale), and an adapter that lets kustomize build from any view. The views themselves are
// plain fs.FS values: the working tree (os.DirFS), a git revision (gitrepo.Snapshot), or an Overlay
// of either.
package fsview

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fleetctl/fleetctl/pkg/fsx"
)

// Overlay returns base as it will be once changes (fsx.Apply's input) are applied in order: written files read as their
// new content, deleted paths (and everything below a deleted folder) are gone, folders that hold a
// new file exist, and a folder that a delete left empty is gone too (as fsx.Apply prunes it).
// Neither base nor the changes are modified; the result is safe for concurrent use if base is.
func Overlay(base fs.FS, changes []fsx.Change) fs.FS {
	o := &overlay{base: base, written: map[string][]byte{}, dirs: map[string]bool{}}
	for _, c := range changes {
		p := path.Clean(c.Path)
		if c.Delete {
			// A delete removes what earlier changes wrote at or below p.
			for w := range o.written {
				if under(w, p) {
					delete(o.written, w)
				}
			}
			o.deleted = append(o.deleted, p)
			continue
		}
		o.written[p] = c.Content
	}
	for p := range o.written {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			o.dirs[d] = true
		}
	}
	sort.Strings(o.deleted)
	return o
}

type overlay struct {
	base    fs.FS
	written map[string][]byte // path -> new content
	dirs    map[string]bool   // ancestors of written files
	deleted []string          // deleted paths, sorted
}

// under reports whether p is prefix or lies below it ("." is the root, above everything).
func under(p, prefix string) bool {
	if prefix == "." {
		return true
	}
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

// removed reports whether a delete hides p (it, or a folder above it, was deleted).
func (o *overlay) removed(p string) bool {
	for _, d := range o.deleted {
		if under(p, d) {
			return true
		}
	}
	return false
}

// touched reports whether any change is at or below dir.
func (o *overlay) touched(dir string) bool {
	if o.dirs[dir] {
		return true
	}
	if _, ok := o.written[dir]; ok {
		return true
	}
	for _, d := range o.deleted {
		if under(d, dir) || under(dir, d) {
			return true
		}
	}
	return false
}

// What a path of the overlay is.
const (
	absent      = iota
	writtenFile // a file written by the change
	baseFile    // a file (or other non-directory) of the base
	directory
)

// kind reports what is at p and, unless it is absent, its FileInfo.
func (o *overlay) kind(p string) (int, fs.FileInfo, error) {
	if p == "." {
		return directory, dirInfo(p), nil
	}
	if data, ok := o.written[p]; ok {
		return writtenFile, writtenInfo(p, data), nil
	}
	if o.dirs[p] {
		return directory, dirInfo(p), nil
	}
	if o.removed(p) {
		return absent, nil, nil
	}
	fi, err := fs.Stat(o.base, p)
	if errors.Is(err, fs.ErrNotExist) {
		return absent, nil, nil
	}
	if err != nil {
		return absent, nil, err
	}
	if !fi.IsDir() {
		return baseFile, fi, nil
	}
	if o.touched(p) {
		// Deletes below it: it exists only while something is left in it.
		es, err := o.readDir(p)
		if err != nil || len(es) == 0 {
			return absent, nil, err
		}
	}
	return directory, fi, nil
}

func (o *overlay) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	k, fi, err := o.kind(name)
	switch {
	case err != nil:
		return nil, err
	case k == absent:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	case k == writtenFile:
		return File(o.written[name], fi), nil
	case k == baseFile:
		return o.base.Open(name)
	}
	return Dir(name, fi, func() ([]fs.DirEntry, error) { return o.readDir(name) }), nil
}

func (o *overlay) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
	}
	if data, ok := o.written[name]; ok {
		return slices.Clone(data), nil
	}
	if o.removed(name) || o.dirs[name] {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	return fs.ReadFile(o.base, name)
}

func (o *overlay) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	k, fi, err := o.kind(name)
	switch {
	case err != nil:
		return nil, err
	case k == absent:
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return fi, nil
}

func (o *overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	k, _, err := o.kind(name)
	if err != nil {
		return nil, err
	}
	if k != directory {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return o.readDir(name)
}

// readDir merges the base folder's entries with the changes.
func (o *overlay) readDir(name string) ([]fs.DirEntry, error) {
	if !o.touched(name) {
		return fs.ReadDir(o.base, name)
	}
	byName := map[string]fs.DirEntry{}
	if !o.removed(name) || o.dirs[name] || name == "." {
		es, err := fs.ReadDir(o.base, name)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if o.removed(name) {
			es = nil // the folder was deleted and made again: nothing of the old one is left
		}
		for _, e := range es {
			p := join(name, e.Name())
			if _, ok := o.written[p]; ok || o.dirs[p] {
				continue // added below
			}
			if o.removed(p) {
				continue
			}
			if e.IsDir() && o.touched(p) {
				sub, err := o.readDir(p)
				if err != nil {
					return nil, err
				}
				if len(sub) == 0 {
					continue // emptied by deletes
				}
			}
			byName[e.Name()] = e
		}
	}
	for p, data := range o.written {
		if path.Dir(p) == name {
			byName[path.Base(p)] = fs.FileInfoToDirEntry(writtenInfo(p, data))
		}
	}
	for d := range o.dirs {
		if path.Dir(d) == name {
			byName[path.Base(d)] = fs.FileInfoToDirEntry(dirInfo(d))
		}
	}
	out := make([]fs.DirEntry, 0, len(byName))
	for _, e := range byName {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// BlobID is the git blob id of a file: computed for written files, the base's for the others.
func (o *overlay) BlobID(name string) (string, bool) {
	if data, ok := o.written[name]; ok {
		return HashBlob(data), true
	}
	if o.removed(name) || o.dirs[name] {
		return "", false
	}
	return BlobID(o.base, name)
}

// TreeID is the git tree id of a folder: the base's where no change is below it, else computed.
func (o *overlay) TreeID(name string) (string, bool) {
	if !o.touched(name) {
		return TreeID(o.base, name)
	}
	return computeTreeID(o, name)
}

func join(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// writtenInfo describes a file the change wrote.
func writtenInfo(p string, data []byte) memInfo {
	return memInfo{name: path.Base(p), size: int64(len(data)), mode: 0o644}
}

// dirInfo describes a folder the overlay makes (one the base does not have, or the root).
func dirInfo(p string) memInfo { return memInfo{name: path.Base(p), mode: fs.ModeDir | 0o755} }

type memInfo struct {
	name string
	size int64
	mode fs.FileMode
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return i.mode }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.mode.IsDir() }
func (i memInfo) Sys() any           { return nil }
