package fsx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
)

// Change is one file to write (Content) or delete (Delete=true). Path is
// relative to the root and slash-separated.
type Change struct {
	Path    string
	Content []byte
	Delete  bool
}

const (
	newFileMode fs.FileMode = 0o644
	newDirMode  fs.FileMode = 0o755
)

// keptModeBits are the mode bits restored or preserved besides the type.
const keptModeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// testHook, when set by tests, is called at named points of Apply and can
// inject a failure. point is "change" (before a change is applied) or
// "rename" (before a temporary file replaces its target); rel is the
// change's path.
var testHook func(point, rel string) error

func hook(point, rel string) error {
	if testHook == nil {
		return nil
	}
	return testHook(point, rel)
}

// Apply applies all changes to the tree below root, or none of them.
//
// Every path is validated with SecureJoin before anything is touched.
// Changes are then applied in order: a write goes to a temporary file in
// the target's directory which is renamed over the target, creating
// missing parent directories (mode 0755); new files get mode 0644 and
// overwritten files keep their mode. A delete of a missing path is a no-op;
// a delete of a directory removes the whole tree; parent directories left
// empty by a delete are removed. Writing to a path that is a directory is
// an error. A symlink at a written path is replaced by a regular file.
//
// Previous contents (including whole deleted trees) are kept in memory.
// If any step fails, every step already done is undone in reverse order
// and the tree is as before; the returned error then says what failed and,
// if it happened, what could not be rolled back.
//
// On success Apply returns undo, which restores the state from before
// Apply (for example when a later git commit fails). undo can be called
// once; it overwrites whatever changed at the touched paths since.
//
// Each file replacement is atomic for readers, but the set as a whole is
// not crash-safe: a process crash in the middle leaves a partial result.
func Apply(root string, changes []Change) (undo func() error, err error) {
	if _, err := resolveRoot(root); err != nil {
		return nil, err
	}
	paths := make([]string, len(changes))
	for i, c := range changes {
		p, err := SecureJoin(root, c.Path)
		if err != nil {
			return nil, err
		}
		if c.Delete && len(c.Content) > 0 {
			return nil, fmt.Errorf("fsx: change %q: Delete is set but Content is not empty", c.Path)
		}
		if err := preflight(root, p, c); err != nil {
			return nil, err
		}
		paths[i] = p
	}

	tx := &txn{root: filepath.Clean(root)}
	for i, c := range changes {
		err := hook("change", c.Path)
		if err == nil {
			if c.Delete {
				err = tx.remove(paths[i])
			} else {
				err = tx.write(paths[i], c.Path, c.Content)
			}
		}
		if err != nil {
			err = fmt.Errorf("fsx: %s %q: %w", verb(c), c.Path, err)
			if rerr := tx.rollback(); rerr != nil {
				return nil, errors.Join(err, fmt.Errorf("fsx: rollback incomplete: %w", rerr))
			}
			return nil, err
		}
	}

	var once sync.Once
	return func() error {
		err := errors.New("fsx: undo already called")
		once.Do(func() { err = tx.rollback() })
		return err
	}, nil
}

func verb(c Change) string {
	if c.Delete {
		return "delete"
	}
	return "write"
}

// preflight catches, before anything is modified, the failures that are
// certain given the tree as it is now: writing over a directory and a
// parent that is not a directory.
func preflight(root, p string, c Change) error {
	if !c.Delete {
		if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
			return fmt.Errorf("fsx: write %q: target is a directory", c.Path)
		}
	}
	rel, err := filepath.Rel(root, filepath.Dir(p))
	if err != nil || rel == "." {
		return nil
	}
	cur := root
	for _, part := range splitPath(rel) {
		cur = filepath.Join(cur, part)
		fi, err := os.Stat(cur)
		if err != nil {
			return nil // missing (created later) or reported when applied
		}
		if !fi.IsDir() {
			r, _ := filepath.Rel(root, cur)
			return fmt.Errorf("fsx: %s %q: parent %q is not a directory", verb(c), c.Path, filepath.ToSlash(r))
		}
	}
	return nil
}

func splitPath(rel string) []string {
	var parts []string
	for rel != "" && rel != "." {
		dir, file := filepath.Split(rel)
		parts = append(parts, file)
		rel = filepath.Clean(dir)
		if dir == "" {
			break
		}
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return parts
}

// entry is the saved state of one path.
type entry struct {
	mode     fs.FileMode // type and kept mode bits
	data     []byte      // regular file content
	link     string      // symlink target
	children map[string]*entry
}

type removedDir struct {
	path string
	mode fs.FileMode
}

// step records what one change did, so that it can be undone.
type step struct {
	path    string
	prev    *entry // nil: the path did not exist
	created []string
	pruned  []removedDir
}

type txn struct {
	root  string
	steps []*step
}

func (t *txn) write(p, rel string, data []byte) error {
	prev, err := snapshot(p, false)
	if err != nil {
		return err
	}
	if prev != nil && prev.mode.IsDir() {
		return errors.New("target is a directory")
	}
	st := &step{path: p, prev: prev}
	t.steps = append(t.steps, st)
	st.created, err = t.mkdirs(filepath.Dir(p))
	if err != nil {
		return err
	}
	mode := newFileMode
	if prev != nil && prev.mode.IsRegular() {
		mode = prev.mode & keptModeBits
	}
	return writeFile(p, rel, data, mode)
}

func (t *txn) remove(p string) error {
	prev, err := snapshot(p, true)
	if err != nil || prev == nil {
		return err
	}
	st := &step{path: p, prev: prev}
	t.steps = append(t.steps, st)
	if prev.mode.IsDir() {
		err = os.RemoveAll(p)
	} else {
		err = os.Remove(p)
	}
	if err != nil {
		return err
	}
	st.pruned = t.pruneEmptyParents(filepath.Dir(p))
	return nil
}

// mkdirs creates the missing directories from root down to dir and returns
// the ones it created, outermost first.
func (t *txn) mkdirs(dir string) ([]string, error) {
	rel, err := filepath.Rel(t.root, dir)
	if err != nil || rel == "." {
		return nil, err
	}
	var created []string
	cur := t.root
	for _, part := range splitPath(rel) {
		cur = filepath.Join(cur, part)
		fi, err := os.Stat(cur)
		switch {
		case err == nil && fi.IsDir():
			continue
		case err == nil:
			r, _ := filepath.Rel(t.root, cur)
			return created, fmt.Errorf("parent %q is not a directory", filepath.ToSlash(r))
		case !errors.Is(err, fs.ErrNotExist):
			return created, err
		}
		if err := os.Mkdir(cur, newDirMode); err != nil {
			return created, err
		}
		created = append(created, cur)
		if err := os.Chmod(cur, newDirMode); err != nil {
			return created, err
		}
	}
	return created, nil
}

// pruneEmptyParents removes dir and its ancestors below root while they
// are empty real directories. It is best effort.
func (t *txn) pruneEmptyParents(dir string) []removedDir {
	var pruned []removedDir
	for {
		dir = filepath.Clean(dir)
		if dir == t.root || !within(t.root, dir) {
			return pruned
		}
		fi, err := os.Lstat(dir)
		if err != nil || !fi.IsDir() {
			return pruned
		}
		ents, err := os.ReadDir(dir)
		if err != nil || len(ents) > 0 {
			return pruned
		}
		if os.Remove(dir) != nil {
			return pruned
		}
		pruned = append(pruned, removedDir{path: dir, mode: fi.Mode() & keptModeBits})
		dir = filepath.Dir(dir)
	}
}

// rollback undoes all recorded steps, last first, and reports every
// failure it meets while carrying on with the rest.
func (t *txn) rollback() error {
	var errs []error
	for i := len(t.steps) - 1; i >= 0; i-- {
		if err := t.steps[i].undo(); err != nil {
			errs = append(errs, err)
		}
	}
	t.steps = nil
	return errors.Join(errs...)
}

func (st *step) undo() error {
	var errs []error
	for i := len(st.pruned) - 1; i >= 0; i-- {
		d := st.pruned[i]
		if err := os.Mkdir(d.path, d.mode); err != nil && !errors.Is(err, fs.ErrExist) {
			errs = append(errs, err)
			continue
		}
		if err := os.Chmod(d.path, d.mode); err != nil {
			errs = append(errs, err)
		}
	}
	if err := restore(st.path, st.prev); err != nil {
		errs = append(errs, err)
	}
	for i := len(st.created) - 1; i >= 0; i-- {
		if err := os.Remove(st.created[i]); err != nil && !notExist(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// notExist reports whether err says that a path does not exist, including
// because one of its parents is not a directory.
func notExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// snapshot saves the state of p; nil means p does not exist. Directories
// are saved (recursively) only when tree is set.
func snapshot(p string, tree bool) (*entry, error) {
	fi, err := os.Lstat(p)
	if notExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e := &entry{mode: fi.Mode().Type() | fi.Mode()&keptModeBits}
	switch {
	case fi.Mode().IsRegular():
		if e.data, err = os.ReadFile(p); err != nil {
			return nil, err
		}
	case fi.Mode()&fs.ModeSymlink != 0:
		if e.link, err = os.Readlink(p); err != nil {
			return nil, err
		}
	case fi.IsDir():
		if !tree {
			return e, nil
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, err
		}
		e.children = make(map[string]*entry, len(ents))
		for _, de := range ents {
			c, err := snapshot(filepath.Join(p, de.Name()), true)
			if err != nil {
				return nil, err
			}
			if c != nil {
				e.children[de.Name()] = c
			}
		}
	default:
		return nil, fmt.Errorf("%s: unsupported file type %v", p, fi.Mode().Type())
	}
	return e, nil
}

// restore puts p back into the saved state prev.
func restore(p string, prev *entry) error {
	if prev != nil && prev.mode.IsRegular() {
		// Replace atomically; the current entry is the file written by
		// Apply, or a remnant of a failed delete.
		if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
			if err := os.RemoveAll(p); err != nil {
				return err
			}
		}
		return writeFile(p, "", prev.data, prev.mode&keptModeBits)
	}
	if prev == nil {
		if err := os.Remove(p); err != nil && !notExist(err) {
			return err
		}
		return nil
	}
	if err := os.RemoveAll(p); err != nil {
		return err
	}
	return create(p, prev)
}

func create(p string, e *entry) error {
	switch {
	case e.mode.IsRegular():
		return writeFile(p, "", e.data, e.mode&keptModeBits)
	case e.mode&fs.ModeSymlink != 0:
		return os.Symlink(e.link, p)
	case e.mode.IsDir():
		if err := os.Mkdir(p, 0o700); err != nil {
			return err
		}
		names := make([]string, 0, len(e.children))
		for name := range e.children {
			names = append(names, name)
		}
		sort.Strings(names)
		var errs []error
		for _, name := range names {
			if err := create(filepath.Join(p, name), e.children[name]); err != nil {
				errs = append(errs, err)
			}
		}
		// Set the mode last, so that read-only directories can be filled.
		if err := os.Chmod(p, e.mode&keptModeBits); err != nil {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}
	return fmt.Errorf("%s: cannot restore file type %v", p, e.mode.Type())
}

// WriteFile replaces the file at path p with data atomically and durably: a reader sees the old
// content or the new one, never part of it, and after a crash the rename is on disk. A new file
// gets mode.
func WriteFile(p string, data []byte, mode fs.FileMode) error {
	if err := writeFile(p, "", data, mode); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(p))
	if err != nil {
		return nil
	}
	defer d.Close()
	_ = d.Sync() // not every system syncs folders; the file itself was synced
	return nil
}

// writeFile writes data to a temporary file next to p and renames it over
// p. rel is passed to the test hook ("" while rolling back).
func writeFile(p, rel string, data []byte, mode fs.FileMode) (err error) {
	f, err := os.CreateTemp(filepath.Dir(p), ".fsx-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if rel != "" {
		if err = hook("rename", rel); err != nil {
			return err
		}
	}
	return os.Rename(tmp, p)
}
