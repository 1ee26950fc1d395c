package change

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// journalVersion changes when the journal's shape does. A write of several branches (ApplyBranches)
// writes journalBranchesVersion, so that a fleetctl that does not know Branches refuses to repair it
// rather than leave the branches behind.
const (
	journalVersion         = 1
	journalBranchesVersion = 2
)

// Journal records a write in progress, before any of it is done, so that it can be undone after the
// process died in the middle: what HEAD was, the branch and commit being created, and every file of
// the working tree (and its index entry) about to change, as it was.
type Journal struct {
	Version int       `json:"version"`
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Started time.Time `json:"started"`
	// Head is where HEAD pointed before.
	Head gitrepo.HeadState `json:"head"`
	// Branch and Commit are the branch being created and its commit ("" when the write does not
	// commit).
	Branch string `json:"branch,omitempty"`
	Commit string `json:"commit,omitempty"`
	// Branches are the branches a multi-branch write creates (none of them checked out).
	Branches []JournalBranch `json:"branches,omitempty"`
	// Files are the working tree files about to change, with what they held.
	Files []JournalFile `json:"files"`
	// Index is true when the index entries of Files are about to change.
	Index bool `json:"index,omitempty"`
	// Locks are git lock files the write takes for a moment; after a crash they are stale.
	Locks []string `json:"locks,omitempty"`
}

// JournalBranch is one branch a write creates and the commit it points at.
type JournalBranch struct {
	Branch string `json:"branch"`
	Commit string `json:"commit"`
}

// JournalFile is one working tree file as it was before the write.
type JournalFile struct {
	Path string `json:"path"`
	// Exists is false for a file the write creates.
	Exists bool   `json:"exists"`
	Data   []byte `json:"data,omitempty"`
	Mode   uint32 `json:"mode,omitempty"`
	// Entry is the file's index entry before (nil: none), when Index is set.
	Entry *gitrepo.IndexEntry `json:"entry,omitempty"`
}

// Describe names the interrupted write for messages.
func (j *Journal) Describe() string {
	cmd := j.Command
	if cmd == "" {
		cmd = "a write"
	}
	return fmt.Sprintf("fleetctl %s (pid %d, started %s)", cmd, j.PID, j.Started.Local().Format("2006-01-02 15:04:05"))
}

// InterruptedWriteError says a previous write did not finish: its journal is still there.
type InterruptedWriteError struct {
	Path    string
	Journal *Journal
}

func (e *InterruptedWriteError) Error() string {
	return fmt.Sprintf("an interrupted %s left the repo half-changed (journal %s): run fleetctl repair to restore it as it was before",
		e.Journal.Describe(), e.Path)
}

// JournalPath is where the journal lives in a repository.
func JournalPath(repo *gitrepo.Repo) string {
	return filepath.Join(repo.GitDir(), "fleetctl", "journal.json")
}

// LockPath is where the repo lock lives.
func LockPath(repo *gitrepo.Repo) string {
	return filepath.Join(repo.GitDir(), "fleetctl", "lock")
}

// ReadJournal returns the journal of an unfinished write, or nil when there is none.
func ReadJournal(repo *gitrepo.Repo) (*Journal, error) {
	p := JournalPath(repo)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var j Journal
	if err := json.Unmarshal(data, &j); err != nil || (j.Version != journalVersion && j.Version != journalBranchesVersion) {
		// A journal is written whole (renamed into place), so this is not ours, or of another version.
		return nil, fmt.Errorf("%s: not a journal this fleetctl can read; move it away if no fleetctl write is in progress", p)
	}
	return &j, nil
}

// CheckInterrupted is what a command that does not take the repo lock (a read, a dry run) checks
// first: a journal of an interrupted write (an *InterruptedWriteError), told apart from a write in
// progress (the *LockedError of its holder), which also has a journal while it runs.
func CheckInterrupted(repo *gitrepo.Repo) error {
	j, err := ReadJournal(repo)
	if err != nil || j == nil {
		return err
	}
	lock, err := AcquireLock(LockPath(repo), "check")
	if err != nil {
		return err // the writer is alive: wait for it
	}
	defer lock.Release()
	// Read again under the lock: the writer may have finished between the two reads.
	if j, err = ReadJournal(repo); err != nil || j == nil {
		return err
	}
	return &InterruptedWriteError{Path: JournalPath(repo), Journal: j}
}

// write stores the journal atomically and durably.
func (j *Journal) write(repo *gitrepo.Repo) error {
	p := JournalPath(repo)
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := fsx.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("writing the journal %s: %w", p, err)
	}
	return nil
}

func removeJournal(repo *gitrepo.Repo) error {
	err := os.Remove(JournalPath(repo))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// undo restores what the journal says, in the reverse order of the write: HEAD, the index, the
// working tree files, the branch, then stale lock files. Each step is idempotent, so undoing twice,
// or an undo interrupted and run again, ends in the same state. stale says the writer is gone, so
// lock files it may have left are removed.
func (j *Journal) undo(repo *gitrepo.Repo, stale bool) error {
	var errs []error
	if stale {
		// The writer died holding a git lock: nobody else takes those while our repo lock is held by
		// someone else, and a git process that started since would have created it after the crash.
		for _, l := range j.Locks {
			if fi, err := os.Stat(l); err == nil && !fi.ModTime().Before(j.Started.Add(-time.Second)) {
				if err := os.Remove(l); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	if j.Branch != "" {
		if h, err := repo.Head(); err != nil {
			errs = append(errs, err)
		} else if h.Branch == j.Branch || (h.Detached() && h.Commit == j.Commit && j.Commit != "") {
			// HEAD is where the write put it: back to where it was. (Moved elsewhere since: left alone.)
			if err := repo.SetHead(j.Head); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if j.Index {
		updates := make([]gitrepo.IndexUpdate, len(j.Files))
		for i, f := range j.Files {
			updates[i] = gitrepo.IndexUpdate{Path: f.Path, Entry: f.Entry}
		}
		if err := repo.UpdateIndex(updates); err != nil {
			errs = append(errs, err)
		}
	}
	changes := make([]fsx.Change, 0, len(j.Files))
	for _, f := range j.Files {
		if !f.Exists {
			changes = append(changes, fsx.Change{Path: f.Path, Delete: true})
			continue
		}
		if cur, err := os.ReadFile(filepath.Join(repo.Root(), filepath.FromSlash(f.Path))); err == nil && string(cur) == string(f.Data) {
			continue
		}
		changes = append(changes, fsx.Change{Path: f.Path, Content: f.Data})
	}
	if _, err := fsx.Apply(repo.Root(), changes); err != nil {
		errs = append(errs, err)
	}
	for _, f := range j.Files {
		if f.Exists && f.Mode != 0 {
			_ = os.Chmod(filepath.Join(repo.Root(), filepath.FromSlash(f.Path)), fs.FileMode(f.Mode).Perm())
		}
	}
	if j.Branch != "" && j.Head.Branch != j.Branch {
		if err := repo.DeleteBranch(j.Branch, j.Commit); err != nil {
			errs = append(errs, err)
		}
	}
	for _, b := range j.Branches {
		if err := repo.DeleteBranch(b.Branch, b.Commit); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("restoring the repo as it was before %s: %w", j.Describe(), errors.Join(errs...))
	}
	return nil
}

// RepairResult says what Repair did.
type RepairResult struct {
	// Journal is the interrupted write that was undone; nil when there was none.
	Journal *Journal
	// Files are the working tree files restored.
	Files []string
}

// Repair undoes an interrupted write: it takes the repo lock (so the writer is surely gone), reads
// the journal, restores everything it records, and removes it. Without a journal it does nothing.
func Repair(repo *gitrepo.Repo) (RepairResult, error) {
	lock, err := AcquireLock(LockPath(repo), "repair")
	if err != nil {
		return RepairResult{}, err
	}
	defer lock.Release()
	j, err := ReadJournal(repo)
	if err != nil || j == nil {
		return RepairResult{}, err
	}
	if err := j.undo(repo, true); err != nil {
		return RepairResult{Journal: j}, err
	}
	res := RepairResult{Journal: j}
	for _, f := range j.Files {
		res.Files = append(res.Files, f.Path)
	}
	return res, removeJournal(repo)
}

// describeFiles lists paths for messages, at most n of them.
func describeFiles(paths []string, n int) string {
	if len(paths) <= n {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(paths[:n], ", "), len(paths)-n)
}
