package gitrepo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// emptyBlob is the hash of the empty blob.
var emptyBlob = plumbing.ComputeHash(plumbing.BlobObject, nil)

// Dirty reports which of the given repository-relative slash paths have
// uncommitted changes: a difference between HEAD and the index (staged), a
// difference between the index and the working tree (unstaged, including
// deleted files and mode changes), an unmerged entry, or an untracked file
// that is not ignored. A directory path is dirty when any file below it is.
// The result holds the given strings themselves, without duplicates, sorted;
// it is empty when nothing is dirty.
//
// Only the given paths are looked at: their HEAD subtrees, their index
// entries and their files in the working tree. A file whose size and
// modification time match its index entry is taken as unchanged without
// being read (unless the entry is "racily clean"), as git does.
func (r *Repo) Dirty(paths []string) ([]string, error) {
	s, err := r.newScanner(nil)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		c, err := cleanPath(p)
		if err != nil {
			return nil, err
		}
		st, err := s.scanPrefix(c)
		if err != nil {
			return nil, err
		}
		files, err := s.dirtyFiles(st, true)
		if err != nil {
			return nil, err
		}
		if len(files) > 0 {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}

// DirtyFiles is like Dirty but returns the individual files (repository
// paths, sorted) that make the given paths dirty, e.g. for an error message.
// An untracked nested repository is reported as its directory.
func (r *Repo) DirtyFiles(paths []string) ([]string, error) {
	clean, err := cleanPaths(paths)
	if err != nil {
		return nil, err
	}
	s, err := r.newScanner(nil)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range clean {
		st, err := s.scanPrefix(p)
		if err != nil {
			return nil, err
		}
		files, err := s.dirtyFiles(st, false)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// scanner holds what comparing paths needs: the index, the HEAD tree, the
// ignore rules and the core.* settings that change comparisons.
type scanner struct {
	r        *Repo
	idx      *index.Index
	head     *object.Tree // nil when HEAD is unborn
	headHash plumbing.Hash
	ig       *ignorer
	fileMode bool // core.fileMode: the executable bit is tracked
	symlinks bool // core.symlinks: symbolic links are checked out as links
}

// newScanner prepares a scanner; idx is read from disk when nil.
func (r *Repo) newScanner(idx *index.Index) (*scanner, error) {
	var err error
	if idx == nil {
		if idx, err = r.readIndex(); err != nil {
			return nil, err
		}
	}
	env := configEnv{getenv: r.getenv, gitDir: r.gitDir}
	env.branch, _ = r.CurrentBranch()
	cfg, err := loadConfig(env)
	if err != nil {
		return nil, err
	}
	ig, err := r.newIgnorer(cfg, env)
	if err != nil {
		return nil, err
	}
	head, headHash, err := r.headTree()
	if err != nil {
		return nil, err
	}
	return &scanner{
		r:        r,
		idx:      idx,
		head:     head,
		headHash: headHash,
		ig:       ig,
		fileMode: cfg.getBool("core", "filemode", true),
		symlinks: cfg.getBool("core", "symlinks", true),
	}, nil
}

// readIndex reads .git/index; a missing index is an empty one.
func (r *Repo) readIndex() (*index.Index, error) {
	idx := &index.Index{Version: 2}
	f, err := os.Open(filepath.Join(r.gitDir, "index"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return idx, nil
		}
		return nil, fmt.Errorf("gitrepo: reading index: %w", err)
	}
	defer f.Close()
	// A fast codec for versions 2 and 3 (go-git's decoder for the rest),
	// and a copy of the index last read while the file is unchanged; see
	// indexcodec.go and indexmemo.go.
	idx, err = r.loadIndex(f)
	if err != nil {
		return nil, fmt.Errorf("gitrepo: reading index %s: %w", f.Name(), err)
	}
	return idx, nil
}

// wtFile is a file found in the working tree.
type wtFile struct {
	info   fs.FileInfo // from Lstat
	nested bool        // a directory holding another repository
}

// prefixState is everything known about the paths below one prefix.
type prefixState struct {
	prefix string
	head   map[string]object.TreeEntry // full path -> HEAD tree entry
	index  map[string][]*index.Entry   // full path -> index entries (all stages)
	wt     map[string]*wtFile          // full path -> working tree file
}

// paths returns every path known below the prefix, sorted.
func (st *prefixState) paths() []string {
	seen := make(map[string]struct{}, len(st.head)+len(st.index)+len(st.wt))
	for p := range st.head {
		seen[p] = struct{}{}
	}
	for p := range st.index {
		seen[p] = struct{}{}
	}
	for p := range st.wt {
		seen[p] = struct{}{}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// scanPrefix collects the HEAD entries, index entries and working tree
// files below prefix.
func (s *scanner) scanPrefix(prefix string) (*prefixState, error) {
	st := &prefixState{
		prefix: prefix,
		head:   map[string]object.TreeEntry{},
		index:  map[string][]*index.Entry{},
		wt:     map[string]*wtFile{},
	}
	if err := s.headEntries(prefix, st.head); err != nil {
		return nil, err
	}
	trackedDirs := map[string]bool{}
	for _, e := range s.idx.Entries {
		if !under(e.Name, prefix) {
			continue
		}
		st.index[e.Name] = append(st.index[e.Name], e)
		for d := parentDir(e.Name); d != "" && !trackedDirs[d]; d = parentDir(d) {
			trackedDirs[d] = true
		}
	}
	if err := s.walk(prefix, trackedDirs, st.wt); err != nil {
		return nil, err
	}
	return st, nil
}

// headEntries adds the HEAD tree entries (files, symlinks, submodules) below
// prefix to out.
func (s *scanner) headEntries(prefix string, out map[string]object.TreeEntry) error {
	if s.head == nil {
		return nil
	}
	if prefix == "" {
		return s.walkTree(s.head, "", out)
	}
	t := s.head
	parts := strings.Split(prefix, "/")
	for i, name := range parts {
		var found *object.TreeEntry
		for j := range t.Entries {
			if t.Entries[j].Name == name {
				found = &t.Entries[j]
				break
			}
		}
		if found == nil {
			return nil
		}
		if found.Mode != filemode.Dir {
			if i == len(parts)-1 {
				out[prefix] = *found
			}
			return nil
		}
		sub, err := object.GetTree(s.r.store, found.Hash)
		if err != nil {
			return fmt.Errorf("gitrepo: reading tree %s: %w", found.Hash, err)
		}
		t = sub
	}
	return s.walkTree(t, prefix, out)
}

func (s *scanner) walkTree(t *object.Tree, base string, out map[string]object.TreeEntry) error {
	for _, e := range t.Entries {
		p := joinPath(base, e.Name)
		if e.Mode != filemode.Dir {
			out[p] = e
			continue
		}
		sub, err := object.GetTree(s.r.store, e.Hash)
		if err != nil {
			return fmt.Errorf("gitrepo: reading tree %s: %w", e.Hash, err)
		}
		if err := s.walkTree(sub, p, out); err != nil {
			return err
		}
	}
	return nil
}

// walk adds the files of the working tree below prefix to out. Directories
// that are ignored and hold no tracked file are skipped; so are special
// files (sockets, devices, FIFOs), which git does not track either.
func (s *scanner) walk(prefix string, trackedDirs map[string]bool, out map[string]*wtFile) error {
	if beyond, err := s.r.beyondSymlink(prefix); err != nil || beyond {
		return err
	}
	fi, err := os.Lstat(s.r.osPath(prefix))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || isNotDir(err) {
			return nil
		}
		return fmt.Errorf("gitrepo: %w", err)
	}
	if !fi.IsDir() {
		if fi.Mode().IsRegular() || fi.Mode()&fs.ModeSymlink != 0 {
			out[prefix] = &wtFile{info: fi}
		}
		return nil
	}
	if prefix != "" && !trackedDirs[prefix] {
		ign, err := s.ig.dirIgnored(prefix)
		if err != nil {
			return err
		}
		if _, tracked := s.idxHas(prefix); ign && !tracked {
			return nil
		}
	}
	return s.walkDir(prefix, fi, trackedDirs, out)
}

// idxHas reports whether the index has an entry at exactly p.
func (s *scanner) idxHas(p string) (*index.Entry, bool) {
	for _, e := range s.idx.Entries {
		if e.Name == p {
			return e, true
		}
	}
	return nil, false
}

func (s *scanner) walkDir(dir string, info fs.FileInfo, trackedDirs map[string]bool, out map[string]*wtFile) error {
	osDir := s.r.osPath(dir)
	if dir != "" {
		// A directory with its own .git is another repository (a submodule
		// or an embedded clone); git does not look inside it.
		if _, err := os.Lstat(filepath.Join(osDir, ".git")); err == nil {
			out[dir] = &wtFile{info: info, nested: true}
			return nil
		}
	}
	entries, err := os.ReadDir(osDir)
	if err != nil {
		return fmt.Errorf("gitrepo: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if name == ".git" {
			continue
		}
		p := joinPath(dir, name)
		if e.IsDir() {
			if !trackedDirs[p] {
				ign, err := s.ig.dirIgnored(p)
				if err != nil {
					return err
				}
				if ign {
					if _, tracked := s.idxHas(p); !tracked {
						continue
					}
				}
			}
			fi, err := e.Info()
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				return fmt.Errorf("gitrepo: %w", err)
			}
			if err := s.walkDir(p, fi, trackedDirs, out); err != nil {
				return err
			}
			continue
		}
		if t := e.Type(); !t.IsRegular() && t&fs.ModeSymlink == 0 {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // removed while we were looking
			}
			return fmt.Errorf("gitrepo: %w", err)
		}
		out[p] = &wtFile{info: fi}
	}
	return nil
}

// dirtyFiles lists the dirty paths of st; with firstOnly it stops at the
// first one.
func (s *scanner) dirtyFiles(st *prefixState, firstOnly bool) ([]string, error) {
	var out []string
	for _, p := range st.paths() {
		d, err := s.pathDirty(st, p)
		if err != nil {
			return nil, err
		}
		if d {
			out = append(out, p)
			if firstOnly {
				break
			}
		}
	}
	return out, nil
}

// stage0 returns the merged index entry of p, or nil; unmerged reports
// whether p has conflict stages.
func stage0(entries []*index.Entry) (e *index.Entry, unmerged bool) {
	for _, x := range entries {
		if x.Stage != 0 {
			unmerged = true
		} else {
			e = x
		}
	}
	return e, unmerged
}

// pathDirty reports whether path p of st has an uncommitted change.
func (s *scanner) pathDirty(st *prefixState, p string) (bool, error) {
	ie, unmerged := stage0(st.index[p])
	if unmerged || (ie != nil && ie.IntentToAdd) {
		return true, nil
	}
	he, inHead := st.head[p]
	if inHead != (ie != nil) {
		return true, nil
	}
	if inHead && (he.Hash != ie.Hash || he.Mode != ie.Mode) {
		return true, nil
	}
	wf := st.wt[p]
	switch {
	case ie == nil && wf == nil:
		return false, nil
	case ie == nil:
		ign, err := s.ig.ignored(p, wf.nested)
		return !ign, err
	case ie.SkipWorktree:
		return false, nil
	case wf == nil:
		return true, nil
	}
	return s.differs(p, ie, wf)
}

// differs reports whether the working tree file wf differs from its index
// entry ie.
func (s *scanner) differs(p string, ie *index.Entry, wf *wtFile) (bool, error) {
	if ie.Mode == filemode.Submodule {
		// The commit checked out in a submodule is not compared.
		return !wf.info.IsDir(), nil
	}
	if wf.nested {
		return true, nil
	}
	if s.wtMode(wf.info, ie.Mode) != ie.Mode {
		return true, nil
	}
	if s.statClean(ie, wf.info) {
		return false, nil
	}
	data, err := s.r.readWorktreeFile(p, wf.info)
	if err != nil {
		return false, err
	}
	return plumbing.ComputeHash(plumbing.BlobObject, data) != ie.Hash, nil
}

// wtMode returns the git mode a working tree file would be recorded with,
// given the mode of its index entry (0 when it has none).
func (s *scanner) wtMode(info fs.FileInfo, indexMode filemode.FileMode) filemode.FileMode {
	m := info.Mode()
	switch {
	case m&fs.ModeSymlink != 0:
		return filemode.Symlink
	case info.IsDir():
		return filemode.Submodule
	}
	regular := indexMode == filemode.Regular || indexMode == filemode.Executable
	if !s.fileMode && regular {
		return indexMode
	}
	if !s.symlinks && indexMode == filemode.Symlink {
		// With core.symlinks=false a link is checked out as a plain file
		// holding the target.
		return filemode.Symlink
	}
	if m&0o111 != 0 {
		return filemode.Executable
	}
	return filemode.Regular
}

// statClean reports whether the index entry's recorded size and mtime show
// the file unchanged without reading it. An entry written in the same
// instant as the index ("racily clean"), or one git smudged, is not trusted.
func (s *scanner) statClean(ie *index.Entry, info fs.FileInfo) bool {
	if ie.ModifiedAt.IsZero() || !ie.ModifiedAt.Equal(info.ModTime()) || int64(ie.Size) != info.Size()&0xffffffff {
		return false
	}
	if ie.Size == 0 && ie.Hash != emptyBlob {
		return false
	}
	if !sysStatMatches(ie, info) {
		return false
	}
	return !s.idx.ModTime.IsZero() && ie.ModifiedAt.Before(s.idx.ModTime)
}

// readWorktreeFile returns what git would store as the blob of a working
// tree file: its bytes, unchanged, or a symbolic link's target.
func (r *Repo) readWorktreeFile(p string, info fs.FileInfo) ([]byte, error) {
	if info.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(r.osPath(p))
		if err != nil {
			return nil, fmt.Errorf("gitrepo: %w", err)
		}
		return []byte(filepath.ToSlash(target)), nil
	}
	data, err := os.ReadFile(r.osPath(p))
	if err != nil {
		return nil, fmt.Errorf("gitrepo: %w", err)
	}
	return data, nil
}
