// Package providers groups the `fleetctl providers` verbs.
package providers

import (
	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/cli/providers/list"
	"github.com/fleetctl/fleetctl/pkg/cli/providers/upgrade"
)

// NewCmd returns `fleetctl providers`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.Group("providers", "Show the provider versions the fleet targets and move it to the current ones", nil,
		list.NewCmd(f, nil), upgrade.NewCmd(f, nil))
}
