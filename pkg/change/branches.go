package change

import (
	"fmt"

	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// BranchPlan is one plan of a multi-branch write and the branch it is committed on.
type BranchPlan struct {
	Plan   *Plan
	Branch string
}

// ApplyBranches commits each plan on its own new branch, every one of them from the base: the
// waves of a fleet-wide change. It is all or nothing. First every plan is checked as Apply checks
// one (branch name, nothing to change, an existing branch that holds the same change, the plan's
// Check on the base with the plan on top); a refusal of any plan refuses them all, before anything
// is written; a dry run stops there. Then the commits are built and the branches created, journalled
// first, so an error, a signal or a crash in the middle leaves no branch behind. HEAD, the index and
// the working tree are not touched: the branches are for pushing and review, and the user's checkout
// stays where it was. Results are in the order of the plans; a plan with nothing to change, or
// whose branch already holds it, has NoOp set.
func (s *Session) ApplyBranches(plans []BranchPlan, author, committer gitrepo.Signature) ([]*Result, error) {
	if s.opts.NoCommit {
		return nil, fmt.Errorf("a change on several branches needs commits: it cannot be written with --no-commit")
	}
	results := make([]*Result, len(plans))
	type pending struct {
		i      int
		branch string
		p      *Plan
		res    *Result
	}
	var todo []pending
	seen := map[string]bool{}
	for i, bp := range plans {
		res := &Result{Base: s.Base, DryRun: s.opts.DryRun, Head: s.Head}
		results[i] = res
		if err := gitrepo.ValidateBranchName(bp.Branch); err != nil {
			return nil, err
		}
		if seen[bp.Branch] {
			return nil, fmt.Errorf("two branches of this change are both named %q", bp.Branch)
		}
		seen[bp.Branch] = true
		changes, files, err := s.effective(bp.Plan)
		if err != nil {
			return nil, err
		}
		if len(changes) == 0 {
			res.NoOp = bp.Plan.NoOp
			if res.NoOp == "" {
				res.NoOp = "the files already hold this change"
			}
			continue
		}
		if exists, err := s.Repo.BranchExists(bp.Branch); err != nil {
			return nil, err
		} else if exists {
			if same, err := s.Repo.BranchHolds(bp.Branch, s.Base.Commit, toFileChanges(changes)); err != nil {
				return nil, err
			} else if same {
				res.NoOp = fmt.Sprintf("branch %s already holds this change on %s", bp.Branch, s.Base)
				res.Existing = bp.Branch
				continue
			}
			return nil, &BranchExistsError{Branch: bp.Branch}
		}
		res.Files = files
		todo = append(todo, pending{i: i, branch: bp.Branch, p: &Plan{Changes: changes, Message: bp.Plan.Message}, res: res})
	}
	s.pause("planned")
	for _, t := range todo {
		if chk := plans[t.i].Plan.Check; chk != nil {
			w, err := chk(Overlay(s.View, t.p))
			if err != nil {
				return nil, fmt.Errorf("branch %s: %w", t.branch, err)
			}
			t.res.Warnings = w
		}
	}
	s.pause("checked")
	if s.opts.DryRun || len(todo) == 0 {
		return results, nil
	}
	s.guard.enter()
	done := false
	defer func() { s.guard.leave(done) }()
	j := s.journal()
	j.Version = journalBranchesVersion
	steps := make([]func() error, 0, len(todo))
	for _, t := range todo {
		hash, err := s.Repo.BuildCommit(s.Base.Commit, toFileChanges(t.p.Changes), t.p.Message, author, committer)
		if err != nil {
			return nil, err
		}
		t.res.Branch, t.res.Commit = t.branch, hash
		j.Branches = append(j.Branches, JournalBranch{Branch: t.branch, Commit: hash})
		j.Locks = append(j.Locks, s.Repo.LockPaths(t.branch)[2:]...)
		steps = append(steps, func() error { return s.Repo.CreateBranch(t.branch, hash) })
	}
	if err := j.write(s.Repo); err != nil {
		return nil, err
	}
	if err := s.step(func() error { return j.undo(s.Repo, false) }, steps...); err != nil {
		return nil, err
	}
	done = true
	return results, nil
}
