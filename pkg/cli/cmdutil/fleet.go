package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/fleet"
)

// Fleet opens the fleet repo the command runs in: its root, its config and templates.
func (f *Factory) Fleet() (*fleet.Fleet, error) {
	root, err := f.RepoRoot()
	if err != nil {
		return nil, err
	}
	cfg, err := f.LoadConfig(root, nil, nil, false)
	if err != nil {
		return nil, err
	}
	return fleet.New(root, cfg)
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
			if s, err := fl.LoadCluster(args[0]); err == nil {
				for _, p := range s.Cluster.NodePools {
					names = append(names, p.Name)
				}
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
