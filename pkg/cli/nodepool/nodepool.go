// Package nodepool groups the `fleetctl nodepool` verbs.
package nodepool

import (
	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/cli/nodepool/add"
	"github.com/fleetctl/fleetctl/pkg/cli/nodepool/list"
	"github.com/fleetctl/fleetctl/pkg/cli/nodepool/remove"
	"github.com/fleetctl/fleetctl/pkg/cli/nodepool/scale"
	"github.com/fleetctl/fleetctl/pkg/cli/nodepool/set"
)

// NewCmd returns `fleetctl nodepool`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.Group("nodepool", "List, add, scale and remove the node pools of a cluster", []string{"np"},
		list.NewCmd(f, nil), add.NewCmd(f, nil), scale.NewCmd(f, nil), set.NewCmd(f, nil), remove.NewCmd(f, nil))
}
