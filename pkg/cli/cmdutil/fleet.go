package cmdutil

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
)

// Fleet opens the fleet repo the command runs in, read from its working tree: its root, its config
// and templates, and the cluster summary cache.
// A folder that is not a git repository is read without the cache.
func (f *Factory) Fleet() (*fleet.Fleet, error) {
	fl, _, err := f.fleet(false)
	if errors.Is(err, gitrepo.ErrNotRepo) {
		err = nil
	}
	return fl, err
}

// FleetRepo opens the fleet repo and its git repository, which a write needs.
func (f *Factory) FleetRepo() (*fleet.Fleet, *gitrepo.Repo, error) { return f.fleetRepo(false) }

// AnyFleetRepo is FleetRepo for a repo that may have no .fleetctl.yaml yet (fleetctl migrate on a
// repo fleetctl never wrote): the defaults stand in for it.
func (f *Factory) AnyFleetRepo() (*fleet.Fleet, *gitrepo.Repo, error) { return f.fleetRepo(true) }

func (f *Factory) fleetRepo(optional bool) (*fleet.Fleet, *gitrepo.Repo, error) {
	fl, repo, err := f.fleet(optional)
	if errors.Is(err, gitrepo.ErrNotRepo) {
		err = fmt.Errorf("%s is not a git repository: fleetctl commits every change; run git init there, or fleetctl init", fl.Root)
	}
	return fl, repo, err
}

func (f *Factory) fleet(optional bool) (*fleet.Fleet, *gitrepo.Repo, error) {
	root, err := f.RepoRoot()
	if err != nil {
		return nil, nil, err
	}
	cfg, err := f.LoadConfig(root, nil, nil, optional)
	if err != nil {
		return nil, nil, err
	}
	repo, err := gitrepo.Open(root)
	if err != nil {
		fl, ferr := fleet.New(root, cfg)
		if ferr != nil {
			return nil, nil, ferr
		}
		return fl, nil, err
	}
	// A write killed half-way left the working tree as no commit has it: reading it would report
	// a fleet that does not exist. Every command says so until fleetctl repair has run.
	if err := change.CheckInterrupted(repo); err != nil {
		return nil, nil, err
	}
	fl, err := fleet.NewFS(root, repo.Worktree(), cfg)
	if err != nil {
		return nil, nil, err
	}
	fl.Cache = f.Cache(repo)
	return fl, repo, nil
}

// Cache returns the cluster summary cache of repo, saved when the command finishes.
func (f *Factory) Cache(repo *gitrepo.Repo) *fleet.FileCache {
	c := fleet.OpenFileCache(filepath.Join(repo.GitDir(), "fleetctl", "summaries.cache"))
	f.caches = append(f.caches, c)
	return c
}

// CompleteClusterArgs completes the first argument with the fleet's cluster names and, with pools,
// the second with that cluster's node pool names. Errors complete nothing.
func CompleteClusterArgs(f *Factory, pools bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		fl, err := f.Fleet()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var names []string
		switch {
		case len(args) == 0:
			names, _ = fl.ClusterFolders()
		case len(args) == 1 && pools:
			for _, p := range fl.Summary(args[0]).Cluster().NodePools {
				names = append(names, p.Name)
			}
		}
		var out []string
		for _, n := range names {
			if strings.HasPrefix(n, toComplete) {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
