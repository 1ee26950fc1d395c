package gitrepo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage"
)

var (
	// ErrNotRepo is returned by Open when neither the given path nor any of
	// its parent directories is inside a git working tree.
	ErrNotRepo = errors.New("not a git repository")

	// ErrDetachedHead is returned by CurrentBranch, and by Commit when asked
	// to commit to the current branch, while HEAD points at a commit rather
	// than at a branch.
	ErrDetachedHead = errors.New("HEAD is detached (not on a branch)")

	// ErrBranchExists is returned by Commit when the branch it was asked to
	// create already exists.
	ErrBranchExists = errors.New("branch already exists")

	// ErrNothingToCommit is returned by Commit when the given paths hold no
	// change relative to HEAD, so the commit would be empty. Nothing is
	// changed in the repository in that case.
	ErrNothingToCommit = errors.New("nothing to commit")
)

// Signature identifies the author or committer of a commit and when the
// change was made.
type Signature struct {
	Name  string
	Email string
	// When is the time of the change; its location's offset is recorded in
	// the commit. A zero When means "now" for Commit.
	When time.Time
}

// String formats the signature as git does: "Name <email>".
func (s Signature) String() string {
	return fmt.Sprintf("%s <%s>", s.Name, s.Email)
}

// Repo is a non-bare git repository with a working tree.
//
// A Repo is not safe for concurrent use by several goroutines. Concurrent git
// processes are guarded against the way git does it: Commit and SwitchBack
// take the index lock (.git/index.lock) and fail if another process holds it.
type Repo struct {
	root   string // absolute path of the working tree's top level
	gitDir string // absolute path of the repository's git directory
	repo   *git.Repository
	store  storage.Storer

	// getenv looks up environment variables for the configuration the
	// package reads on its own (global excludes file, core.* settings).
	// Tests replace it to stay independent of the machine.
	getenv func(string) string

	// memo keeps the index last read (see readIndex).
	memo indexMemoSlot
}

// Init creates a new repository with a working tree at dir (created if
// missing) whose HEAD points at refs/heads/<defaultBranch>, like
// `git init -b <defaultBranch>`. The branch is unborn until the first Commit.
// It fails if dir already holds a repository.
func Init(dir, defaultBranch string) (*Repo, error) {
	if err := ValidateBranchName(defaultBranch); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("gitrepo: init %s: %w", dir, err)
	}
	if _, err := os.Lstat(filepath.Join(abs, ".git")); err == nil {
		return nil, fmt.Errorf("gitrepo: init %s: a repository already exists there", abs)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("gitrepo: init %s: %w", abs, err)
	}
	_, err = git.PlainInitWithOptions(abs, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName(defaultBranch)},
	})
	if err != nil {
		return nil, fmt.Errorf("gitrepo: init %s: %w", abs, err)
	}
	return Open(abs)
}

// Open returns the repository whose working tree contains path, which may be
// the top level, any directory below it, or a file in it. Like
// `git rev-parse --show-toplevel` it walks up from path until it finds a
// directory holding a .git directory (or a .git file pointing at one). It
// returns an error wrapping ErrNotRepo when there is none.
func Open(path string) (*Repo, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("gitrepo: open %s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("gitrepo: open %s: %w", path, err)
	}
	dir := abs
	if !fi.IsDir() {
		dir = filepath.Dir(abs)
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	for {
		gitDir, ok, err := findGitDir(dir)
		if err != nil {
			return nil, fmt.Errorf("gitrepo: open %s: %w", path, err)
		}
		if ok {
			return openAt(dir, gitDir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, fmt.Errorf("gitrepo: %s: %w (nor any of its parent directories)", path, ErrNotRepo)
		}
		dir = parent
	}
}

// findGitDir reports the git directory of the working tree whose top level
// would be dir, if dir has a valid .git directory or .git file.
func findGitDir(dir string) (string, bool, error) {
	dotGit := filepath.Join(dir, ".git")
	fi, err := os.Stat(dotGit)
	if err != nil {
		if os.IsNotExist(err) || errors.Is(err, os.ErrNotExist) {
			return "", false, nil
		}
		return "", false, err
	}
	gitDir := dotGit
	if !fi.IsDir() {
		data, err := os.ReadFile(dotGit)
		if err != nil {
			return "", false, err
		}
		line, _, _ := strings.Cut(string(data), "\n")
		target, ok := strings.CutPrefix(strings.TrimSpace(line), "gitdir:")
		if !ok {
			return "", false, nil
		}
		target = strings.TrimSpace(target)
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target)
		}
		gitDir = filepath.Clean(target)
	}
	// Like git, only accept something that looks like a git directory.
	if _, err := os.Stat(filepath.Join(gitDir, "HEAD")); err != nil {
		return "", false, nil
	}
	return gitDir, true, nil
}

func openAt(root, gitDir string) (*Repo, error) {
	repo, err := git.PlainOpenWithOptions(root, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return nil, fmt.Errorf("gitrepo: open %s: %w", root, err)
	}
	return &Repo{root: root, gitDir: gitDir, repo: repo, store: repo.Storer, getenv: os.Getenv}, nil
}

// Root returns the absolute path of the working tree's top level, with
// symbolic links resolved (as `git rev-parse --show-toplevel` prints it).
func (r *Repo) Root() string { return r.root }

// HasCommits reports whether HEAD points at a commit. It is false for a
// freshly initialised repository, whose current branch is unborn.
func (r *Repo) HasCommits() (bool, error) {
	h, err := r.headCommit()
	if err != nil {
		return false, err
	}
	return !h.IsZero(), nil
}

// CurrentBranch returns the short name of the branch HEAD points at ("main"),
// also when that branch is unborn. It returns ErrDetachedHead when HEAD
// points directly at a commit.
func (r *Repo) CurrentBranch() (string, error) {
	head, err := r.store.Reference(plumbing.HEAD)
	if err != nil {
		return "", fmt.Errorf("gitrepo: reading HEAD: %w", err)
	}
	if head.Type() != plumbing.SymbolicReference || !head.Target().IsBranch() {
		return "", fmt.Errorf("gitrepo: %w", ErrDetachedHead)
	}
	return strings.TrimPrefix(head.Target().String(), "refs/heads/"), nil
}

// BranchExists reports whether refs/heads/<name> exists, loose or packed.
func (r *Repo) BranchExists(name string) (bool, error) {
	if err := ValidateBranchName(name); err != nil {
		return false, err
	}
	_, err := r.store.Reference(plumbing.NewBranchReferenceName(name))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		return false, nil
	default:
		return false, fmt.Errorf("gitrepo: reading branch %q: %w", name, err)
	}
}

// headCommit returns the commit HEAD resolves to, or the zero hash when the
// current branch is unborn.
func (r *Repo) headCommit() (plumbing.Hash, error) {
	ref, err := r.repo.Reference(plumbing.HEAD, true)
	if err != nil {
		if errors.Is(err, plumbing.ErrReferenceNotFound) {
			return plumbing.ZeroHash, nil
		}
		return plumbing.ZeroHash, fmt.Errorf("gitrepo: resolving HEAD: %w", err)
	}
	return ref.Hash(), nil
}

// headTree returns the tree of the HEAD commit, or nil when HEAD is unborn.
func (r *Repo) headTree() (*object.Tree, plumbing.Hash, error) {
	h, err := r.headCommit()
	if err != nil || h.IsZero() {
		return nil, h, err
	}
	c, err := object.GetCommit(r.store, h)
	if err != nil {
		return nil, h, fmt.Errorf("gitrepo: reading HEAD commit %s: %w", h, err)
	}
	t, err := object.GetTree(r.store, c.TreeHash)
	if err != nil {
		return nil, h, fmt.Errorf("gitrepo: reading HEAD tree %s: %w", c.TreeHash, err)
	}
	return t, h, nil
}

// writeObject stores a fully written in-memory object unless the repository
// already has it, and returns its hash.
func (r *Repo) writeObject(obj *plumbing.MemoryObject) (plumbing.Hash, error) {
	h := obj.Hash()
	if r.store.HasEncodedObject(h) == nil {
		return h, nil
	}
	if _, err := r.store.SetEncodedObject(obj); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("gitrepo: writing %s object %s: %w", obj.Type(), h, err)
	}
	return h, nil
}

// writeBlob stores data as a blob and returns its hash.
func (r *Repo) writeBlob(data []byte) (plumbing.Hash, error) {
	obj := &plumbing.MemoryObject{}
	obj.SetType(plumbing.BlobObject)
	if _, err := obj.Write(data); err != nil {
		return plumbing.ZeroHash, err
	}
	return r.writeObject(obj)
}
