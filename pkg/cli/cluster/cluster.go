// Package cluster groups the `fleetctl cluster` verbs.
package cluster

import (
	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cluster/add"
	"github.com/fleetctl/fleetctl/pkg/cli/cluster/label"
	"github.com/fleetctl/fleetctl/pkg/cli/cluster/list"
	"github.com/fleetctl/fleetctl/pkg/cli/cluster/remove"
	"github.com/fleetctl/fleetctl/pkg/cli/cluster/set"
	"github.com/fleetctl/fleetctl/pkg/cli/cluster/show"
	"github.com/fleetctl/fleetctl/pkg/cli/cluster/upgrade"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
)

// NewCmd returns `fleetctl cluster`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.Group("cluster", "List, add, upgrade, set, label and remove the clusters of the fleet", nil,
		add.NewCmd(f, nil), list.NewCmd(f, nil), show.NewCmd(f, nil), upgrade.NewCmd(f, nil), set.NewCmd(f, nil), label.NewCmd(f, nil), remove.NewCmd(f, nil))
}
