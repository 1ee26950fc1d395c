package gitrepo

import (
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// emptyTree is the hash of the tree with no entries.
var emptyTree = func() plumbing.Hash {
	obj := &plumbing.MemoryObject{}
	obj.SetType(plumbing.TreeObject)
	return obj.Hash()
}()

// treeNode is a directory of the tree being built. A node that was never
// loaded stands for its original subtree, which is reused by hash; only the
// directories on the way to a changed path are read and written again.
type treeNode struct {
	hash     plumbing.Hash // original tree; zero for a new directory
	loaded   bool
	children map[string]*treeChild
}

type treeChild struct {
	mode filemode.FileMode
	hash plumbing.Hash // for files, symlinks and submodules
	dir  *treeNode     // for directories
}

func (r *Repo) load(n *treeNode) error {
	if n.loaded {
		return nil
	}
	n.loaded = true
	n.children = map[string]*treeChild{}
	if n.hash.IsZero() {
		return nil
	}
	t, err := object.GetTree(r.store, n.hash)
	if err != nil {
		return fmt.Errorf("gitrepo: reading tree %s: %w", n.hash, err)
	}
	for _, e := range t.Entries {
		c := &treeChild{mode: e.Mode, hash: e.Hash}
		if e.Mode == filemode.Dir {
			c.dir = &treeNode{hash: e.Hash}
		}
		n.children[e.Name] = c
	}
	return nil
}

// remove deletes whatever is at path p (a file or a whole directory).
func (r *Repo) remove(root *treeNode, p string) error {
	if p == "" {
		*root = treeNode{loaded: true, children: map[string]*treeChild{}}
		return nil
	}
	parts := strings.Split(p, "/")
	n := root
	for _, name := range parts[:len(parts)-1] {
		if err := r.load(n); err != nil {
			return err
		}
		c := n.children[name]
		if c == nil || c.dir == nil {
			return nil // nothing there
		}
		n = c.dir
	}
	if err := r.load(n); err != nil {
		return err
	}
	delete(n.children, parts[len(parts)-1])
	return nil
}

// insert puts a file entry at path p, creating directories on the way and
// replacing files that stand where a directory is needed.
func (r *Repo) insert(root *treeNode, p string, mode filemode.FileMode, h plumbing.Hash) error {
	parts := strings.Split(p, "/")
	n := root
	for _, name := range parts[:len(parts)-1] {
		if err := r.load(n); err != nil {
			return err
		}
		c := n.children[name]
		if c == nil || c.dir == nil {
			c = &treeChild{mode: filemode.Dir, dir: &treeNode{loaded: true, children: map[string]*treeChild{}}}
			n.children[name] = c
		}
		n = c.dir
	}
	if err := r.load(n); err != nil {
		return err
	}
	n.children[parts[len(parts)-1]] = &treeChild{mode: mode, hash: h}
	return nil
}

// write stores the tree objects of all loaded nodes below n and returns n's
// hash; empty reports a tree without entries, which git omits.
func (r *Repo) write(n *treeNode) (h plumbing.Hash, empty bool, err error) {
	if !n.loaded {
		return n.hash, false, nil
	}
	entries := make([]object.TreeEntry, 0, len(n.children))
	for name, c := range n.children {
		if c.dir == nil {
			entries = append(entries, object.TreeEntry{Name: name, Mode: c.mode, Hash: c.hash})
			continue
		}
		sub, subEmpty, err := r.write(c.dir)
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		if !subEmpty {
			entries = append(entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: sub})
		}
	}
	sort.Sort(object.TreeEntrySorter(entries))
	t := &object.Tree{Entries: entries}
	obj := &plumbing.MemoryObject{}
	if err := t.Encode(obj); err != nil {
		return plumbing.ZeroHash, false, fmt.Errorf("gitrepo: encoding tree: %w", err)
	}
	h, err = r.writeObject(obj)
	return h, len(entries) == 0, err
}

// buildTree returns the hash of head's tree (empty when head is nil) with
// everything below the prefixes replaced by the staged entries, writing the
// new tree objects.
func (r *Repo) buildTree(head *object.Tree, prefixes []string, staged map[string]*index.Entry) (plumbing.Hash, error) {
	root := &treeNode{}
	if head != nil {
		root.hash = head.Hash
	}
	for _, p := range prefixes {
		if err := r.remove(root, p); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	names := make([]string, 0, len(staged))
	for p := range staged {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		e := staged[p]
		if err := r.insert(root, p, e.Mode, e.Hash); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	h, _, err := r.write(root)
	return h, err
}
