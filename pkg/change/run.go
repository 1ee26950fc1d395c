package change

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// Options say how a session writes.
type Options struct {
	// Command names the command in the repo lock and the journal, e.g. "cluster add atlantic-aks".
	Command string
	// DryRun checks everything a real run checks and writes nothing.
	DryRun bool
	// NoCommit writes the working tree only: no branch, no commit (uncommitted changes are kept).
	NoCommit bool
	// From is the revision the new branch starts from: "" for the base branch, "HEAD" for the
	// current commit, or any revision.
	From string
	// BaseBranch is the configured base branch (git.baseBranch); "" to find it (see ResolveBase).
	BaseBranch string
	// Branch, when set, is the branch to create instead of the plan's.
	Branch string
	// FirstCommit lets a committing write run in a repository without a commit: its commit is the
	// first one, on the unborn current branch (init). Other writes refuse there.
	FirstCommit bool
	// Exit ends the process for SIGINT or SIGTERM outside a write (written: after a completed one).
	// Nil: the process exits with 128+signal after the lock is released.
	Exit func(sig os.Signal, written bool)
}

// Base is the commit a new branch starts from.
type Base struct {
	// Ref is the revision as resolved: "main", "origin/main", "HEAD", a hash.
	Ref string
	// Commit is its hash; "" when the repo has no commit yet (the first commit).
	Commit string
}

// String describes the base for output: "main (1a2b3c4d5e6f)".
func (b Base) String() string {
	if b.Commit == "" {
		return b.Ref + " (no commit yet)"
	}
	return fmt.Sprintf("%s (%s)", b.Ref, b.Commit[:12])
}

// ResolveBase finds the commit a new branch starts from: from, else the configured base branch,
// else the remote's default branch (origin/HEAD), else main, else master. In a repository without a
// commit, it is the unborn current branch. A repo with none of these needs --from or git.baseBranch.
func ResolveBase(repo *gitrepo.Repo, from, configured string) (Base, error) {
	head, err := repo.Head()
	if err != nil {
		return Base{}, err
	}
	rev := from
	if rev == "" {
		rev = configured
	}
	if rev == "" {
		rev = repo.DefaultBranch()
	}
	if rev == "" || (rev == "HEAD" && head.Commit == "") {
		if head.Commit == "" {
			return Base{Ref: head.String()}, nil
		}
		return Base{}, fmt.Errorf("no base branch to start the new branch from: the repo has no origin/HEAD, main or master; pass --from REF (--from HEAD for the current commit) or set git.baseBranch in .fleetctl.yaml")
	}
	commit, err := repo.ResolveCommit(rev)
	if err != nil {
		what := "base branch"
		switch {
		case from != "":
			what = "--from"
		case configured != "":
			what = "git.baseBranch"
		}
		return Base{}, fmt.Errorf("%s %q: no such branch, tag or commit in this repo", what, rev)
	}
	return Base{Ref: rev, Commit: commit}, nil
}

// Session is one write command's hold on a repo: the lock, the base, and the view plans are
// computed on.
type Session struct {
	Repo *gitrepo.Repo
	// Head is where HEAD pointed when the session opened.
	Head gitrepo.HeadState
	// Base is where the new branch starts (zero with NoCommit).
	Base Base
	// View is the tree plans are computed on: the base commit's tree for a committing write, the
	// working tree with NoCommit or before the repo's first commit.
	View fs.FS

	opts  Options
	lock  *Lock
	guard *guard
}

// Open starts a session: it refuses when an interrupted write left a journal, takes the repo lock
// (not for a dry run, which writes nothing), and resolves the base.
func Open(repo *gitrepo.Repo, o Options) (*Session, error) {
	s := &Session{Repo: repo, opts: o}
	if o.DryRun {
		if err := CheckInterrupted(repo); err != nil {
			return nil, err
		}
	} else {
		// The lock first: a journal found while holding it is surely a dead write's, not one in
		// progress.
		lock, err := AcquireLock(LockPath(repo), o.Command)
		if err != nil {
			return nil, err
		}
		if j, err := ReadJournal(repo); err != nil || j != nil {
			lock.Release()
			if err == nil {
				err = &InterruptedWriteError{Path: JournalPath(repo), Journal: j}
			}
			return nil, err
		}
		s.lock = lock
		exit := o.Exit
		if exit == nil {
			exit = func(sig os.Signal, _ bool) { lock.Release(); os.Exit(exitCode(sig)) }
		}
		s.guard = newGuard(func(sig os.Signal, written bool) { lock.Release(); exit(sig, written) })
	}
	var err error
	if s.Head, err = repo.Head(); err != nil {
		s.Close()
		return nil, err
	}
	s.pause("open")
	if o.NoCommit {
		s.View = repo.Worktree()
		return s, nil
	}
	if s.Base, err = ResolveBase(repo, o.From, o.BaseBranch); err != nil {
		s.Close()
		return nil, err
	}
	if s.Base.Commit == "" {
		if !o.FirstCommit {
			s.Close()
			return nil, fmt.Errorf("the repo has no commit yet, so there is no base branch to start from: commit the fleet skeleton first (fleetctl init does), or pass --no-commit")
		}
		// No commit yet: the first commit holds the plan's files, computed on what the folder has.
		s.View = repo.Worktree()
	} else if s.View, err = repo.SnapshotAt(s.Base.Commit); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the lock and stops catching signals.
func (s *Session) Close() {
	if s.guard != nil {
		s.guard.stop()
		s.guard = nil
	}
	s.lock.Release()
}

// DirtyError reports uncommitted changes in paths a write would overwrite.
type DirtyError struct {
	Paths []string
	// Switch is set when the paths are ones switching to a branch from the base changes.
	Switch string
}

func (e *DirtyError) Error() string {
	if e.Switch != "" {
		return fmt.Sprintf("uncommitted changes in %s, which the new branch from %s changes: commit or stash them first, or pass --from HEAD to start the branch from the current commit",
			describeFiles(e.Paths, 5), e.Switch)
	}
	return fmt.Sprintf("uncommitted changes in %s: commit or stash them first, so fleetctl's commit holds only its own change", describeFiles(e.Paths, 5))
}

// BranchExistsError says the branch to create exists.
type BranchExistsError struct{ Branch string }

func (e *BranchExistsError) Error() string {
	return fmt.Sprintf("branch %q already exists: delete it (git branch -D %s) or pass --branch with another name", e.Branch, e.Branch)
}

// FileResult is one file of a plan as applied (or, in a dry run, as it would be).
type FileResult struct {
	Path string
	// Verb is "wrote" (new), "changed" or "deleted".
	Verb     string
	Old, New []byte
}

// Result says what a write did.
type Result struct {
	// NoOp is set (and nothing was done) when the plan changes nothing.
	NoOp   string
	DryRun bool
	Files  []FileResult
	Base   Base
	// Branch and Commit are set when the write committed.
	Branch string
	Commit string
	// Existing is the branch that already holds the change when the command ran again (NoOp).
	Existing string
	// Head is where HEAD was before the write.
	Head gitrepo.HeadState
	// Switched are the other working tree files that moving to the new branch changed (it starts
	// from the base, not from where HEAD was).
	Switched []string
	// Warnings are what the plan's check found that does not refuse it.
	Warnings []string
}

// Apply carries out the plan: the dirty check, then "nothing to change", then the plan's Check on
// the tree as it will be; a dry run stops there. Otherwise the write: with NoCommit the working
// tree files; else a commit on a new branch from the base, the branch, the working tree, the index
// and HEAD, in that order, journalled first. An error or a signal at any step undoes the steps
// done.
func (s *Session) Apply(p *Plan, author, committer gitrepo.Signature) (*Result, error) {
	res := &Result{Base: s.Base, DryRun: s.opts.DryRun, Head: s.Head}
	branch := s.opts.Branch
	if branch == "" {
		branch = p.Branch
	}
	commit := !s.opts.NoCommit
	var headToBase []gitrepo.TreeChange
	if commit {
		if err := gitrepo.ValidateBranchName(branch); err != nil {
			return nil, err
		}
		var err error
		if s.Head.Commit != s.Base.Commit {
			if headToBase, err = s.Repo.DiffCommits(s.Head.Commit, s.Base.Commit); err != nil {
				return nil, err
			}
		}
		if err := s.checkDirty(p, headToBase); err != nil {
			return nil, err
		}
	}
	changes, files, err := s.effective(p)
	if err != nil {
		return nil, err
	}
	if len(changes) == 0 {
		res.NoOp = p.NoOp
		if res.NoOp == "" {
			res.NoOp = "the files already hold this change"
		}
		return res, nil
	}
	if commit {
		if exists, err := s.Repo.BranchExists(branch); err != nil {
			return nil, err
		} else if exists {
			// The same command run again: its branch already holds exactly this change.
			if same, err := s.Repo.BranchHolds(branch, s.Base.Commit, toFileChanges(changes)); err != nil {
				return nil, err
			} else if same {
				res.NoOp = fmt.Sprintf("branch %s already holds this change on %s", branch, s.Base)
				res.Existing = branch
				return res, nil
			}
			return nil, &BranchExistsError{Branch: branch}
		}
	}
	res.Files = files
	s.pause("planned")
	if p.Check != nil {
		if res.Warnings, err = p.Check(Overlay(s.View, &Plan{Changes: changes})); err != nil {
			return nil, err
		}
	}
	s.pause("checked")
	if s.opts.DryRun {
		return res, nil
	}
	if !commit {
		return res, s.writeWorktree(changes)
	}
	res.Branch = branch
	res.Commit, res.Switched, err = s.commit(changes, branch, p.Message, author, committer)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// checkDirty refuses a committing write when the plan's paths, or the files the switch to a branch
// from the base changes, have uncommitted changes. It runs before the "nothing to change" check, so
// an edit already lying uncommitted in the working tree is never taken as done.
func (s *Session) checkDirty(p *Plan, headToBase []gitrepo.TreeChange) error {
	dirty, err := s.Repo.DirtyFiles(p.touched())
	if err != nil {
		return err
	}
	if len(dirty) > 0 {
		return &DirtyError{Paths: dirty}
	}
	if len(headToBase) == 0 {
		return nil
	}
	paths := make([]string, len(headToBase))
	for i, c := range headToBase {
		paths[i] = c.Path
	}
	if dirty, err = s.Repo.DirtyFiles(paths); err != nil {
		return err
	}
	if len(dirty) > 0 {
		return &DirtyError{Paths: dirty, Switch: s.Base.Ref}
	}
	return nil
}

// effective drops the changes that change nothing in the view and describes the others.
func (s *Session) effective(p *Plan) ([]fsx.Change, []FileResult, error) {
	var changes []fsx.Change
	var files []FileResult
	for _, c := range p.Changes {
		old, err := fs.ReadFile(s.View, c.Path)
		exists := err == nil
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
		switch {
		case c.Delete && !exists, !c.Delete && exists && bytes.Equal(old, c.Content):
			continue
		}
		verb := "changed"
		switch {
		case c.Delete:
			verb = "deleted"
		case !exists:
			verb = "wrote"
		}
		changes = append(changes, c)
		files = append(files, FileResult{Path: c.Path, Verb: verb, Old: old, New: c.Content})
	}
	return changes, files, nil
}

// before records the working tree files at paths as they are.
func (s *Session) before(paths []string, index bool) ([]JournalFile, error) {
	var entries map[string]gitrepo.IndexEntry
	if index {
		var err error
		if entries, err = s.Repo.IndexEntries(paths); err != nil {
			return nil, err
		}
	}
	out := make([]JournalFile, len(paths))
	for i, p := range paths {
		jf := JournalFile{Path: p}
		full := filepath.Join(s.Repo.Root(), filepath.FromSlash(p))
		if fi, err := os.Lstat(full); err == nil && fi.Mode().IsRegular() {
			data, err := os.ReadFile(full)
			if err != nil {
				return nil, err
			}
			jf.Exists, jf.Data, jf.Mode = true, data, uint32(fi.Mode().Perm())
		} else if err == nil {
			return nil, fmt.Errorf("%s is not a regular file: fleetctl writes only regular files", p)
		}
		if e, ok := entries[p]; ok {
			jf.Entry = &e
		}
		out[i] = jf
	}
	return out, nil
}

// crashAfterStep, set by tests, makes the write stop after that step as a killed process would.
var crashAfterStep int

var errCrash = errors.New("simulated crash")

// step runs the write's steps in order, checking for a signal before each; on an error or a
// signal it undoes what was done (undo: what the journal records) and removes the journal.
func (s *Session) step(undo func() error, steps ...func() error) error {
	s.pause("journal")
	for i, st := range steps {
		s.pause(fmt.Sprintf("step-%d", i+1))
		if sig := s.guard.interrupted(); sig != nil {
			err := undo()
			if err == nil {
				err = removeJournal(s.Repo)
			}
			return &InterruptedError{Signal: sig, Err: err}
		}
		err := st()
		if i+1 == crashAfterStep {
			return errCrash // as if the process died here: no undo, the journal stays
		}
		if err != nil {
			if uerr := undo(); uerr != nil {
				return errors.Join(err, uerr, errors.New("run fleetctl repair"))
			}
			return errors.Join(err, removeJournal(s.Repo))
		}
	}
	if err := removeJournal(s.Repo); err != nil {
		return fmt.Errorf("the change is written but its journal %s could not be removed (%v): delete that file; do not run fleetctl repair", JournalPath(s.Repo), err)
	}
	s.pause("done")
	return nil
}

func (s *Session) journal() *Journal {
	return &Journal{Version: journalVersion, PID: os.Getpid(), Command: s.opts.Command, Started: time.Now(), Head: s.Head}
}

// writeWorktree writes the files only (NoCommit).
func (s *Session) writeWorktree(changes []fsx.Change) error {
	s.guard.enter()
	done := false
	defer func() { s.guard.leave(done) }()
	paths := make([]string, len(changes))
	for i, c := range changes {
		paths[i] = c.Path
	}
	j := s.journal()
	var err error
	if j.Files, err = s.before(paths, false); err != nil {
		return err
	}
	if err := j.write(s.Repo); err != nil {
		return err
	}
	err = s.step(func() error { return j.undo(s.Repo, false) }, func() error { _, err := fsx.Apply(s.Repo.Root(), changes); return err })
	done = err == nil
	return err
}

// commit builds the commit on the base, creates the branch and brings the working tree, the index
// and HEAD to it.
func (s *Session) commit(changes []fsx.Change, branch, message string, author, committer gitrepo.Signature) (string, []string, error) {
	s.guard.enter()
	done := false
	defer func() { s.guard.leave(done) }()
	content := map[string][]byte{}
	planned := map[string]bool{}
	for _, c := range changes {
		planned[c.Path] = true
		if !c.Delete {
			content[c.Path] = c.Content
		}
	}
	hash, err := s.Repo.BuildCommit(s.Base.Commit, toFileChanges(changes), message, author, committer)
	if err != nil {
		return "", nil, err
	}
	// What the working tree must get: everything that differs between HEAD and the new commit (the
	// plan's files, and, when HEAD is not at the base, what the switch changes).
	diff, err := s.Repo.DiffCommits(s.Head.Commit, hash)
	if err != nil {
		return "", nil, err
	}
	paths := make([]string, len(diff))
	var wt []fsx.Change
	var updates []gitrepo.IndexUpdate
	var switched []string
	for i, d := range diff {
		paths[i] = d.Path
		if !planned[d.Path] {
			switched = append(switched, d.Path)
		}
		if d.To == nil {
			wt = append(wt, fsx.Change{Path: d.Path, Delete: true})
			updates = append(updates, gitrepo.IndexUpdate{Path: d.Path})
			continue
		}
		if d.To.Mode != filemode.Regular && d.To.Mode != filemode.Executable {
			return "", nil, fmt.Errorf("the new branch from %s has %s as a symbolic link or submodule, which fleetctl does not check out: check out %s yourself first, or pass --from HEAD", s.Base.Ref, d.Path, s.Base.Ref)
		}
		data, ok := content[d.Path]
		if !ok {
			if data, err = s.Repo.ReadBlob(d.To.Hash); err != nil {
				return "", nil, err
			}
		}
		wt = append(wt, fsx.Change{Path: d.Path, Content: data})
		updates = append(updates, gitrepo.IndexUpdate{Path: d.Path, Entry: &gitrepo.IndexEntry{Hash: d.To.Hash, Mode: d.To.Mode}, Stat: true})
	}
	j := s.journal()
	j.Branch, j.Commit, j.Index, j.Locks = branch, hash, true, s.Repo.LockPaths(branch)
	if j.Files, err = s.before(paths, true); err != nil {
		return "", nil, err
	}
	if err := j.write(s.Repo); err != nil {
		return "", nil, err
	}
	indexDone := false
	steps := []func() error{
		func() error { return s.Repo.CreateBranch(branch, hash) },
		func() error {
			if _, err := fsx.Apply(s.Repo.Root(), wt); err != nil {
				return err
			}
			for _, d := range diff {
				if d.To != nil && d.To.Mode == filemode.Executable {
					if err := os.Chmod(filepath.Join(s.Repo.Root(), filepath.FromSlash(d.Path)), 0o755); err != nil {
						return err
					}
				}
			}
			return nil
		},
		func() error {
			err := s.Repo.UpdateIndex(updates)
			indexDone = err == nil // the update is atomic: done or not at all
			return err
		},
	}
	if s.Head.Branch != branch {
		steps = append(steps, func() error { return s.Repo.SetHead(gitrepo.HeadState{Branch: branch}) })
	}
	// In this process the index is put back only if its update happened; after a crash, Repair
	// cannot know, and restores it either way.
	undo := func() error {
		k := *j
		k.Index = indexDone
		return k.undo(s.Repo, false)
	}
	if err := s.step(undo, steps...); err != nil {
		return "", nil, err
	}
	done = true
	slices.Sort(switched)
	return hash, switched, nil
}

func toFileChanges(changes []fsx.Change) []gitrepo.FileChange {
	fc := make([]gitrepo.FileChange, len(changes))
	for i, c := range changes {
		fc[i] = gitrepo.FileChange{Path: c.Path, Content: c.Content, Delete: c.Delete}
	}
	return fc
}
