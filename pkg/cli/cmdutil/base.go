package cmdutil

import (
	"errors"
	"fmt"

	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// ResolveBase resolves a --base flag (flag) in repo (opened at root, with openErr), defaulting to
// the base branch (git.baseBranch, configured, else the default branch); nil when there is nothing
// to compare with.
func ResolveBase(repo *gitrepo.Repo, openErr error, root, flag, configured string) (*gitrepo.Snapshot, error) {
	if errors.Is(openErr, gitrepo.ErrNotRepo) {
		if flag != "" {
			return nil, FlagErrorf("--base %s: %s is not a git repository", flag, root)
		}
		return nil, nil
	}
	if openErr != nil {
		return nil, openErr
	}
	rev := flag
	if rev == "" {
		if rev = configured; rev == "" {
			if rev = repo.DefaultBranch(); rev == "" {
				return nil, nil
			}
		}
	}
	snap, err := repo.Snapshot(rev)
	if err != nil {
		if flag == "" && configured == "" {
			return nil, nil // an unborn default branch: nothing to compare with
		}
		if flag == "" {
			return nil, fmt.Errorf("git.baseBranch %q: no such branch, tag or commit in this repo", configured)
		}
		return nil, FlagErrorf("--base %s: revision not found", flag)
	}
	snap.Ref = rev
	return snap, nil
}
