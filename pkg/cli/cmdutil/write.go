package cmdutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/diff"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// WriteFlags are the flags of every command that changes the fleet repo.
type WriteFlags struct {
	DryRun   bool
	NoCommit bool
	Branch   string
}

// AddWriteFlags registers --dry-run, --no-commit and --branch; defaultBranch describes the branch
// name used without --branch.
func AddWriteFlags(cmd *cobra.Command, w *WriteFlags, defaultBranch string) {
	fl := cmd.Flags()
	fl.BoolVar(&w.DryRun, "dry-run", false, "print the change as a unified diff; write nothing")
	fl.BoolVar(&w.NoCommit, "no-commit", false, "write the files but do not branch or commit")
	fl.StringVar(&w.Branch, "branch", "", "branch to create (default "+defaultBranch+")")
}

// Validate checks the write flags against each other.
func (w WriteFlags) Validate() error {
	if w.DryRun && w.NoCommit {
		return FlagErrorf("--dry-run and --no-commit: give one; --dry-run writes nothing at all")
	}
	if w.Branch != "" && w.NoCommit {
		return FlagErrorf("--branch and --no-commit: --branch names the branch of the commit, so it needs a commit")
	}
	return nil
}

// Write is one change a command wants made.
type Write struct {
	Plan change.Plan
	// Branch is the branch used without --branch.
	Branch string
	// Next is printed after a commit: what merging the pull request does.
	Next string
}

// Apply carries out the write as the flags say: --dry-run prints the unified diff of every file and
// writes nothing; otherwise the files are written (Plan.Check validates them) and, unless
// --no-commit, committed on a new branch. Paths print as "wrote", "changed" or "deleted".
func (w WriteFlags) Apply(f *Factory, root string, wr Write) error {
	out := f.IO.Out
	plan := wr.Plan
	if w.DryRun {
		for _, ch := range plan.Changes {
			old, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(ch.Path)))
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			var content []byte
			if !ch.Delete {
				content = ch.Content
			}
			fmt.Fprint(out, diff.Unified(ch.Path, old, content))
		}
		fmt.Fprintf(f.IO.ErrOut, "dry run: %d %s not written\n", len(plan.Changes), plural(len(plan.Changes), "file", "files"))
		return nil
	}
	verbs := map[string]string{}
	for _, ch := range plan.Changes {
		switch _, err := os.Stat(filepath.Join(root, filepath.FromSlash(ch.Path))); {
		case ch.Delete:
			verbs[ch.Path] = "deleted"
		case err == nil:
			verbs[ch.Path] = "changed"
		default:
			verbs[ch.Path] = "wrote"
		}
	}
	repo, err := gitrepo.Open(root)
	if err != nil {
		return err
	}
	plan.Commit = !w.NoCommit
	var author, committer gitrepo.Signature
	if plan.Commit {
		plan.Branch = w.Branch
		if plan.Branch == "" {
			plan.Branch = wr.Branch
		}
		if author, committer, err = gitrepo.ResolveAuthor(repo, f.Getenv); err != nil {
			return err
		}
	}
	res, err := change.Apply(repo, plan, author, committer)
	if err != nil {
		return err
	}
	for _, p := range res.Paths {
		fmt.Fprintf(out, "%-8s %s\n", verbs[p], p)
	}
	if res.Commit == "" {
		fmt.Fprintf(out, "not committed (--no-commit); review with git diff, then commit\n")
		return nil
	}
	fmt.Fprintf(out, "branch   %s\ncommit   %s %s\n", res.Branch, res.Commit[:12], strings.SplitN(plan.Message, "\n", 2)[0])
	fmt.Fprintf(out, "next: git push -u origin %s, then open a pull request; %s\n", res.Branch, wr.Next)
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
