// Package cluster groups the `fleetctl cluster` verbs.
package cluster

import (
	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cluster/add"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
)

// NewCmd returns `fleetctl cluster`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Add and change the clusters of the fleet",
	}
	cmd.AddCommand(add.NewCmd(f, nil))
	return cmd
}
