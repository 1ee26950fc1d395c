package gitrepo

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Commit records the current working tree state of exactly the given paths
// (files or directories; additions, modifications, mode changes and
// deletions below them) in a new commit, and returns the commit's hash.
//
// Like `git commit --only -- <paths>`, the commit's tree is HEAD's tree with
// only those paths replaced, and the index is updated for only those paths:
// any other change in the working tree or the index, staged or not, is left
// exactly as it was and is not part of the commit. Untracked files that are
// ignored are skipped below a directory path; naming one directly is an
// error. An untracked nested repository is skipped. A path that matches
// nothing in the working tree, the index or HEAD is an error.
//
// If branch is not "", refs/heads/<branch> is created (ErrBranchExists if
// it already exists) and HEAD is switched to it without touching the working
// tree, and the commit is made there with HEAD's commit as its parent; on an
// unborn HEAD it is the new branch's root commit. If branch is "", the
// commit goes onto the current branch (its first commit when unborn;
// ErrDetachedHead when HEAD is detached).
//
// The message is cleaned up as `git commit --cleanup=whitespace` does:
// trailing whitespace and leading/trailing blank lines are removed, runs of
// blank lines are collapsed and a final newline is added; use a blank line
// between subject and body. Lines starting with "#" are kept. An empty
// message is an error.
//
// A zero committer means the author; a zero When means now. If the commit
// would not change HEAD's tree, ErrNothingToCommit is returned and nothing
// is changed. If any step fails, the branch, HEAD and the index are left as
// they were.
func (r *Repo) Commit(branch string, paths []string, message string, author, committer Signature) (string, error) {
	if len(paths) == 0 {
		return "", errors.New("gitrepo: commit: no paths given")
	}
	prefixes, err := cleanPaths(paths)
	if err != nil {
		return "", err
	}
	msg := cleanMessage(message)
	if msg == "" {
		return "", errors.New("gitrepo: commit: empty commit message")
	}
	if committer.Name == "" && committer.Email == "" {
		committer = Signature{Name: author.Name, Email: author.Email, When: committer.When}
		if committer.When.IsZero() {
			committer.When = author.When
		}
	}
	now := time.Now()
	for _, s := range []*Signature{&author, &committer} {
		if err := s.validate(); err != nil {
			return "", err
		}
		if s.When.IsZero() {
			s.When = now
		}
	}

	head, err := r.store.Reference(plumbing.HEAD)
	if err != nil {
		return "", fmt.Errorf("gitrepo: reading HEAD: %w", err)
	}
	var branchRef plumbing.ReferenceName
	if branch != "" {
		if err := ValidateBranchName(branch); err != nil {
			return "", err
		}
		branchRef = plumbing.NewBranchReferenceName(branch)
		if exists, err := r.BranchExists(branch); err != nil {
			return "", err
		} else if exists {
			return "", fmt.Errorf("gitrepo: cannot create branch %q: %w", branch, ErrBranchExists)
		}
	} else if head.Type() != plumbing.SymbolicReference {
		return "", fmt.Errorf("gitrepo: commit: %w; name a branch to create", ErrDetachedHead)
	}

	lock, idx, err := r.lockedIndex()
	if err != nil {
		return "", err
	}
	defer lock.release()
	s, err := r.newScanner(idx)
	if err != nil {
		return "", err
	}

	staged, err := s.stage(prefixes)
	if err != nil {
		return "", err
	}
	updateIndex(idx, prefixes, staged)
	if names := unmergedPaths(idx); len(names) > 0 {
		return "", fmt.Errorf("gitrepo: commit: the index has unmerged paths (%s); resolve the conflicts first",
			strings.Join(names, ", "))
	}

	treeHash, err := r.buildTree(s.head, prefixes, staged)
	if err != nil {
		return "", err
	}
	if (s.head == nil && treeHash == emptyTree) || (s.head != nil && treeHash == s.head.Hash) {
		return "", fmt.Errorf("gitrepo: commit %s: %w (no change relative to HEAD)", displayPaths(prefixes), ErrNothingToCommit)
	}

	c := &object.Commit{
		Author:    object.Signature{Name: author.Name, Email: author.Email, When: author.When},
		Committer: object.Signature{Name: committer.Name, Email: committer.Email, When: committer.When},
		Message:   msg,
		TreeHash:  treeHash,
	}
	if !s.headHash.IsZero() {
		c.ParentHashes = []plumbing.Hash{s.headHash}
	}
	obj := &plumbing.MemoryObject{}
	if err := c.Encode(obj); err != nil {
		return "", fmt.Errorf("gitrepo: encoding commit: %w", err)
	}
	commitHash, err := r.writeObject(obj)
	if err != nil {
		return "", err
	}

	rollback, err := r.moveRefs(head, branchRef, s.headHash, commitHash)
	if err != nil {
		return "", err
	}
	if err := lock.commit(idx); err != nil {
		if rerr := rollback(); rerr != nil {
			return "", fmt.Errorf("%w (and restoring HEAD failed: %v)", err, rerr)
		}
		return "", err
	}
	return commitHash.String(), nil
}

// stage computes, for every file below the prefixes, the index entry that
// records its working tree state; files absent from the result are deleted.
// New and changed file contents are written to the object database.
func (s *scanner) stage(prefixes []string) (map[string]*index.Entry, error) {
	staged := map[string]*index.Entry{}
	for _, prefix := range prefixes {
		st, err := s.scanPrefix(prefix)
		if err != nil {
			return nil, err
		}
		matched := false
		for _, p := range st.paths() {
			ie, _ := stage0(st.index[p])
			_, inHead := st.head[p]
			wf := st.wt[p]
			if ie != nil || inHead {
				matched = true
			}
			switch {
			case wf == nil:
				if ie != nil && ie.SkipWorktree {
					staged[p] = ie // not checked out (sparse): keep as is
				}
			case wf.nested:
				if ie != nil && ie.Mode == filemode.Submodule {
					staged[p] = ie
				}
			default:
				if ie == nil {
					ign, err := s.ig.ignored(p, false)
					if err != nil {
						return nil, err
					}
					if ign {
						if p == prefix && !inHead {
							return nil, fmt.Errorf("gitrepo: commit: path %q is ignored (by a .gitignore or exclude file)", p)
						}
						continue
					}
				}
				matched = true
				e, err := s.entryFor(p, wf, ie)
				if err != nil {
					return nil, err
				}
				staged[p] = e
			}
		}
		if !matched {
			return nil, fmt.Errorf("gitrepo: commit: path %s matched no file in the working tree, the index or HEAD", displayPaths([]string{prefix}))
		}
	}
	return staged, nil
}

// entryFor returns the index entry for working tree file p, reusing the
// existing entry's hash when the file is unchanged according to its stat
// data, and otherwise hashing the file and storing its blob.
func (s *scanner) entryFor(p string, wf *wtFile, old *index.Entry) (*index.Entry, error) {
	var oldMode filemode.FileMode
	if old != nil && !old.IntentToAdd {
		oldMode = old.Mode
	}
	mode := s.wtMode(wf.info, oldMode)
	if old != nil && !old.IntentToAdd && (old.Mode == filemode.Symlink) == (mode == filemode.Symlink) && s.statClean(old, wf.info) {
		e := *old
		e.Mode = mode
		return &e, nil
	}
	data, err := s.r.readWorktreeFile(p, wf.info)
	if err != nil {
		return nil, err
	}
	h, err := s.r.writeBlob(data)
	if err != nil {
		return nil, err
	}
	e := &index.Entry{Name: p, Hash: h, Mode: mode}
	fillStat(e, wf.info)
	return e, nil
}

// fillStat records a file's stat data in its index entry so that git (and
// statClean) can later tell it is unchanged without reading it.
func fillStat(e *index.Entry, info fs.FileInfo) {
	e.ModifiedAt = info.ModTime()
	e.Size = uint32(info.Size())
	fillSysStat(e, info) // ctime, dev, inode, uid, gid where the OS has them
}

// updateIndex replaces all index entries below the prefixes with staged,
// dropping entries that a staged file turns into one of its directories.
func updateIndex(idx *index.Index, prefixes []string, staged map[string]*index.Entry) {
	dirs := map[string]bool{}
	for p := range staged {
		for d := parentDir(p); d != "" && !dirs[d]; d = parentDir(d) {
			dirs[d] = true
		}
	}
	entries := idx.Entries[:0:0]
	for _, e := range idx.Entries {
		if dirs[e.Name] || slices.ContainsFunc(prefixes, func(pre string) bool { return under(e.Name, pre) }) {
			continue
		}
		entries = append(entries, e)
	}
	for _, e := range staged {
		entries = append(entries, e)
	}
	slices.SortStableFunc(entries, func(a, b *index.Entry) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return int(a.Stage) - int(b.Stage)
	})
	idx.Entries = entries
	// The cached trees no longer match; the encoder does not write them
	// anyway, and git rebuilds them when needed.
	idx.Cache = nil
	if idx.Version < 2 {
		idx.Version = 2
	}
	if idx.Version == 2 && slices.ContainsFunc(entries, func(e *index.Entry) bool { return e.IntentToAdd || e.SkipWorktree }) {
		idx.Version = 3 // extended entry flags need index version 3
	}
}

func unmergedPaths(idx *index.Index) []string {
	var out []string
	for _, e := range idx.Entries {
		if e.Stage != 0 && !slices.Contains(out, e.Name) {
			out = append(out, e.Name)
		}
	}
	return out
}

// moveRefs points the new or current branch at the new commit, switching
// HEAD to a new branch. It returns a function that undoes what it did.
func (r *Repo) moveRefs(head *plumbing.Reference, branchRef plumbing.ReferenceName, parent, commit plumbing.Hash) (func() error, error) {
	if branchRef != "" {
		if _, err := r.store.Reference(branchRef); err == nil {
			return nil, fmt.Errorf("gitrepo: cannot create branch %q: %w", branchRef.Short(), ErrBranchExists)
		}
		if err := r.store.SetReference(plumbing.NewHashReference(branchRef, commit)); err != nil {
			return nil, fmt.Errorf("gitrepo: creating branch %q: %w", branchRef.Short(), err)
		}
		if err := r.store.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, branchRef)); err != nil {
			_ = r.store.RemoveReference(branchRef)
			return nil, fmt.Errorf("gitrepo: switching HEAD to %q: %w", branchRef.Short(), err)
		}
		return func() error {
			if err := r.store.SetReference(head); err != nil {
				return err
			}
			return r.store.RemoveReference(branchRef)
		}, nil
	}

	target := head.Target()
	newRef := plumbing.NewHashReference(target, commit)
	if parent.IsZero() {
		if _, err := r.store.Reference(target); err == nil {
			return nil, fmt.Errorf("gitrepo: branch %q was created by someone else meanwhile", target.Short())
		}
		if err := r.store.SetReference(newRef); err != nil {
			return nil, fmt.Errorf("gitrepo: updating branch %q: %w", target.Short(), err)
		}
		return func() error { return r.store.RemoveReference(target) }, nil
	}
	oldRef := plumbing.NewHashReference(target, parent)
	if err := r.store.CheckAndSetReference(newRef, oldRef); err != nil {
		return nil, fmt.Errorf("gitrepo: updating branch %q: %w", target.Short(), err)
	}
	return func() error { return r.store.SetReference(oldRef) }, nil
}

// SwitchBack undoes a Commit that created createdBranch while HEAD was on
// previousBranch, e.g. when pushing the new branch failed: HEAD is pointed
// back at refs/heads/<previousBranch> (which may be unborn) and
// refs/heads/<createdBranch> is deleted. The working tree is not touched, so
// the committed files stay as they were written; index entries the commit
// had recorded, and that nobody changed since, are reset to previousBranch's
// tree, so those files show up as unstaged changes again, as before Commit.
//
// It refuses to act unless HEAD is on createdBranch (or already on
// previousBranch, in which case only the branch is deleted).
func (r *Repo) SwitchBack(previousBranch, createdBranch string) error {
	for _, b := range []string{previousBranch, createdBranch} {
		if err := ValidateBranchName(b); err != nil {
			return err
		}
	}
	if previousBranch == createdBranch {
		return fmt.Errorf("gitrepo: switch back: previous and created branch are both %q", previousBranch)
	}
	prevRef := plumbing.NewBranchReferenceName(previousBranch)
	createdRef := plumbing.NewBranchReferenceName(createdBranch)

	head, err := r.store.Reference(plumbing.HEAD)
	if err != nil {
		return fmt.Errorf("gitrepo: reading HEAD: %w", err)
	}
	onCreated := head.Type() == plumbing.SymbolicReference && head.Target() == createdRef
	onPrev := head.Type() == plumbing.SymbolicReference && head.Target() == prevRef
	if !onCreated && !onPrev {
		return fmt.Errorf("gitrepo: switch back: HEAD is not on branch %q (it is %s); refusing to move it",
			createdBranch, describeHead(head))
	}
	created, err := r.store.Reference(createdRef)
	if err != nil && !errors.Is(err, plumbing.ErrReferenceNotFound) {
		return fmt.Errorf("gitrepo: reading branch %q: %w", createdBranch, err)
	}

	lock, idx, err := r.lockedIndex()
	if err != nil {
		return err
	}
	defer lock.release()
	indexChanged := false
	if onCreated && created != nil {
		if indexChanged, err = r.unstageCommit(idx, created.Hash(), prevRef); err != nil {
			return err
		}
	}

	if onCreated {
		if err := r.store.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, prevRef)); err != nil {
			return fmt.Errorf("gitrepo: switching HEAD back to %q: %w", previousBranch, err)
		}
	}
	if created != nil {
		if err := r.store.RemoveReference(createdRef); err != nil {
			return fmt.Errorf("gitrepo: deleting branch %q: %w", createdBranch, err)
		}
	}
	if indexChanged {
		if err := lock.commit(idx); err != nil {
			return err
		}
	}
	return nil
}

func describeHead(head *plumbing.Reference) string {
	if head.Type() == plumbing.SymbolicReference {
		return fmt.Sprintf("on %q", head.Target().Short())
	}
	return "detached at " + head.Hash().String()
}

// unstageCommit resets the index entries that differ between the tip of
// the created branch and the previous branch back to the previous branch's
// tree, for entries still recording what the tip recorded. It reports
// whether it changed idx.
func (r *Repo) unstageCommit(idx *index.Index, tip plumbing.Hash, prevRef plumbing.ReferenceName) (bool, error) {
	tipTree, err := commitTree(r, tip)
	if err != nil {
		return false, err
	}
	var prevTree *object.Tree
	if ref, err := r.store.Reference(prevRef); err == nil {
		if prevTree, err = commitTree(r, ref.Hash()); err != nil {
			return false, err
		}
	} else if !errors.Is(err, plumbing.ErrReferenceNotFound) {
		return false, err
	}
	tipFiles, prevFiles := map[string]object.TreeEntry{}, map[string]object.TreeEntry{}
	if err := diffTrees(r, tipTree, prevTree, "", tipFiles, prevFiles); err != nil {
		return false, err
	}
	changed := false
	entries := idx.Entries[:0:0]
	byName := map[string]bool{}
	for _, e := range idx.Entries {
		te, inTip := tipFiles[e.Name]
		if inTip && e.Stage == 0 && e.Hash == te.Hash && e.Mode == te.Mode {
			changed = true
			byName[e.Name] = true
			if pe, ok := prevFiles[e.Name]; ok {
				// No stat data: git and statClean must re-read the file.
				entries = append(entries, &index.Entry{Name: e.Name, Hash: pe.Hash, Mode: pe.Mode})
			}
			continue
		}
		entries = append(entries, e)
	}
	// Files the commit deleted come back into the index (they stay deleted
	// in the working tree), unless something else took their place.
	for name, pe := range prevFiles {
		if _, inTip := tipFiles[name]; inTip || byName[name] {
			continue
		}
		if slices.ContainsFunc(entries, func(e *index.Entry) bool { return under(e.Name, name) || under(name, e.Name) }) {
			continue
		}
		entries = append(entries, &index.Entry{Name: name, Hash: pe.Hash, Mode: pe.Mode})
		changed = true
	}
	if changed {
		idx.Entries = entries
		slices.SortStableFunc(idx.Entries, func(a, b *index.Entry) int {
			if c := strings.Compare(a.Name, b.Name); c != 0 {
				return c
			}
			return int(a.Stage) - int(b.Stage)
		})
		idx.Cache = nil
	}
	return changed, nil
}

func commitTree(r *Repo, h plumbing.Hash) (*object.Tree, error) {
	c, err := object.GetCommit(r.store, h)
	if err != nil {
		return nil, fmt.Errorf("gitrepo: reading commit %s: %w", h, err)
	}
	t, err := object.GetTree(r.store, c.TreeHash)
	if err != nil {
		return nil, fmt.Errorf("gitrepo: reading tree %s: %w", c.TreeHash, err)
	}
	return t, nil
}

// diffTrees collects the non-directory entries that differ between trees a
// and b (either may be nil) into aOut and bOut, descending only into
// subtrees whose hashes differ.
func diffTrees(r *Repo, a, b *object.Tree, base string, aOut, bOut map[string]object.TreeEntry) error {
	var aEntries, bEntries []object.TreeEntry
	if a != nil {
		aEntries = a.Entries
	}
	if b != nil {
		bEntries = b.Entries
	}
	bByName := make(map[string]object.TreeEntry, len(bEntries))
	for _, e := range bEntries {
		bByName[e.Name] = e
	}
	seen := map[string]bool{}
	sub := func(e object.TreeEntry, ok bool) (*object.Tree, error) {
		if !ok || e.Mode != filemode.Dir {
			return nil, nil
		}
		return object.GetTree(r.store, e.Hash)
	}
	visit := func(name string, ae object.TreeEntry, aok bool, be object.TreeEntry, bok bool) error {
		if aok && bok && ae.Hash == be.Hash && ae.Mode == be.Mode {
			return nil
		}
		p := joinPath(base, name)
		if aok && ae.Mode != filemode.Dir {
			aOut[p] = ae
		}
		if bok && be.Mode != filemode.Dir {
			bOut[p] = be
		}
		at, err := sub(ae, aok)
		if err != nil {
			return err
		}
		bt, err := sub(be, bok)
		if err != nil {
			return err
		}
		if at != nil || bt != nil {
			return diffTrees(r, at, bt, p, aOut, bOut)
		}
		return nil
	}
	for _, ae := range aEntries {
		seen[ae.Name] = true
		be, bok := bByName[ae.Name]
		if err := visit(ae.Name, ae, true, be, bok); err != nil {
			return err
		}
	}
	for _, be := range bEntries {
		if !seen[be.Name] {
			if err := visit(be.Name, object.TreeEntry{}, false, be, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// cleanMessage normalises a commit message like git's "whitespace" cleanup.
func cleanMessage(msg string) string {
	lines := strings.Split(strings.ReplaceAll(msg, "\r\n", "\n"), "\n")
	var out []string
	blank := false
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\r\v\f")
		if l == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

// indexLock is git's index lock file, .git/index.lock: holding it keeps
// other git processes from writing the index, and renaming it over
// .git/index installs a new index atomically.
type indexLock struct {
	r *Repo
	*lockFile
}

func (r *Repo) lockIndex() (*indexLock, error) {
	l, err := createLock(filepath.Join(r.gitDir, "index"))
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("gitrepo: %s exists: another git process seems to be running in this repository; "+
				"if not, remove that file and try again", l.path)
		}
		return nil, fmt.Errorf("gitrepo: locking the index: %w", err)
	}
	return &indexLock{r: r, lockFile: l}, nil
}

// lockedIndex takes the index lock and reads the index under it.
func (r *Repo) lockedIndex() (*indexLock, *index.Index, error) {
	lock, err := r.lockIndex()
	if err != nil {
		return nil, nil, err
	}
	idx, err := r.readIndex()
	if err != nil {
		lock.release()
		return nil, nil, err
	}
	return lock, idx, nil
}

// commit writes idx to the lock file and renames it over the index.
func (l *indexLock) commit(idx *index.Index) error {
	// Whatever happens, a memoized copy of the index is not used again
	// (readIndex checks the file's stat data and checksum anyway).
	defer l.r.setIndexMemo(nil)
	err := l.lockFile.commit(func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		if err := encodeIndex(bw, idx); err != nil { // go-git's bytes, faster; see indexcodec.go
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("gitrepo: writing the index: %w", err)
	}
	return nil
}

// lockFile is git's lock-file protocol for replacing a file: create FILE.lock exclusively (it
// fails if another process holds it), write and sync it, rename it over FILE.
type lockFile struct {
	path, target string
	f            *os.File
	done         bool
}

// createLock creates target's lock file; the returned lockFile always names it, also with an
// error (fs.ErrExist when another process holds it).
func createLock(target string) (*lockFile, error) {
	l := &lockFile{path: target + ".lock", target: target}
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return l, err
	}
	l.f = f
	return l, nil
}

// commit writes the new content with write, syncs it and renames the lock file over the target;
// on an error the lock file is removed and the target left as it was.
func (l *lockFile) commit(write func(io.Writer) error) error {
	err := write(l.f)
	if err == nil {
		err = l.f.Sync()
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(l.path, l.target)
	}
	l.done = true
	if err != nil {
		_ = os.Remove(l.path)
	}
	return err
}

// release removes the lock file unless commit installed it.
func (l *lockFile) release() {
	if l.done {
		return
	}
	l.done = true
	_ = l.f.Close()
	_ = os.Remove(l.path)
}
