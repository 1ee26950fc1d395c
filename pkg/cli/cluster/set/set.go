// Package set implements `fleetctl cluster set`.
package set

import (
	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// Options of `fleetctl cluster set`.
type Options struct {
	f   *cmdutil.Factory
	cmd *cobra.Command

	Cluster       string
	AutoUpgrade   *cmdutil.EnumValue
	NodeOSUpgrade *cmdutil.EnumValue
	SupportPlan   *cmdutil.EnumValue
	Tier          *cmdutil.EnumValue
	Maintenance   []string
	cmdutil.FleetWide
	cmdutil.WriteFlags

	settings ops.ClusterSettings
}

// NewCmd returns `fleetctl cluster set`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{
		f:             f,
		AutoUpgrade:   cmdutil.NewEnum("", spec.AutoUpgradeChannels...),
		NodeOSUpgrade: cmdutil.NewEnum("", spec.NodeOSUpgradeChannels...),
		SupportPlan:   cmdutil.NewEnum("", spec.SupportPlans...),
		Tier:          cmdutil.NewEnum("", spec.SKUTiers...),
	}
	cmd := &cobra.Command{
		Use:   "set (CLUSTER | -l SELECTOR) [--auto-upgrade-channel C] [--node-os-upgrade-channel C] [--maintenance-window KIND=WINDOW]... [--support-plan P] [--tier T]",
		Short: "Change a cluster's upgrade channels, maintenance windows, support plan or tier on a new branch",
		Long: `Change a cluster's lifecycle settings. Only the flags given change; each is edited in place in
the cluster's values, so the diff is the changed lines only and every comment stays.

  --auto-upgrade-channel none|node-image
        patch, stable and rapid are refused: CAPI owns the Kubernetes version (the control plane's
        and the MachinePools' spec.version), a version channel would upgrade behind its back.
        Upgrade with fleetctl cluster upgrade.
  --node-os-upgrade-channel None|Unmanaged|SecurityPatch|NodeImage
  --maintenance-window KIND=DAY@HH:MM[±HH:MM]+Nh, repeatable, or KIND=off to remove it
        default       the general window, whole UTC hours, 1 to 24 (e.g. default=Saturday@22:00+4h)
        auto-upgrade  aksManagedAutoUpgradeSchedule, 4 to 24 hours (auto-upgrade=Sunday@02:00-05:00+4h)
        node-os       aksManagedNodeOSUpgradeSchedule, 4 to 24 hours
  --support-plan KubernetesOfficial|AKSLongTermSupport
        AKSLongTermSupport (LTS) needs --tier Premium.
  --tier Free|Standard|Premium

With -l instead of CLUSTER, every cluster the selector matches gets the settings, in one commit, or
one branch per wave with --waves (see cluster upgrade --help and docs/fleet-changes.md).`,
		Example: `  fleetctl cluster set atlantic-aks --auto-upgrade-channel node-image --node-os-upgrade-channel SecurityPatch
  fleetctl cluster set atlantic-aks --maintenance-window node-os=Sunday@02:00+4h --maintenance-window default=off
  fleetctl cluster set atlantic-aks --tier Premium --support-plan AKSLongTermSupport --dry-run
  fleetctl cluster set -l env=prod --node-os-upgrade-channel SecurityPatch --waves ring=canary,early,broad`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: cmdutil.CompleteClusterArgs(f, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd = cmd
			if len(args) == 1 {
				o.Cluster = args[0]
			}
			return cmdutil.RunSteps(o, runF)
		},
	}
	fl := cmd.Flags()
	cmdutil.AddEnumFlag(cmd, o.AutoUpgrade, "auto-upgrade-channel", "AKS auto-upgrade channel (patch, stable, rapid are refused: CAPI owns the version)")
	cmdutil.AddEnumFlag(cmd, o.NodeOSUpgrade, "node-os-upgrade-channel", "AKS node OS upgrade channel")
	fl.StringArrayVar(&o.Maintenance, "maintenance-window", nil, "planned maintenance window, repeatable: KIND=DAY@HH:MM[±HH:MM]+Nh or KIND=off, KIND default|auto-upgrade|node-os")
	cmdutil.AddEnumFlag(cmd, o.SupportPlan, "support-plan", "Kubernetes support plan (AKSLongTermSupport needs --tier Premium)")
	cmdutil.AddEnumFlag(cmd, o.Tier, "tier", "AKS pricing tier")
	cmdutil.AddFleetWideFlags(cmd, &o.FleetWide)
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/set-CLUSTER; with -l <prefix>/set-SETTINGS")
	return cmd
}

// Complete turns the flags given into settings; a malformed window is a usage error.
func (o *Options) Complete() error {
	fl := o.cmd.Flags()
	str := func(flag string, v *cmdutil.EnumValue) *string {
		if !fl.Changed(flag) {
			return nil
		}
		s := v.String()
		return &s
	}
	o.settings = ops.ClusterSettings{
		AutoUpgradeChannel:   str("auto-upgrade-channel", o.AutoUpgrade),
		NodeOSUpgradeChannel: str("node-os-upgrade-channel", o.NodeOSUpgrade),
		SupportPlan:          str("support-plan", o.SupportPlan),
		SKUTier:              str("tier", o.Tier),
	}
	for _, s := range o.Maintenance {
		name, w, err := spec.ParseMaintenanceWindow(s)
		if err != nil {
			return cmdutil.FlagErrorf("%s", err)
		}
		if o.settings.Windows == nil {
			o.settings.Windows = map[string]*spec.MaintenanceWindow{}
		}
		if _, twice := o.settings.Windows[name]; twice {
			return cmdutil.FlagErrorf("--maintenance-window %s: is given twice", name)
		}
		o.settings.Windows[name] = w
	}
	s := o.settings
	if s.AutoUpgradeChannel == nil && s.NodeOSUpgradeChannel == nil && s.SupportPlan == nil && s.SKUTier == nil && s.Windows == nil {
		return cmdutil.FlagErrorf("give at least one of --auto-upgrade-channel, --node-os-upgrade-channel, --maintenance-window, --support-plan, --tier")
	}
	return nil
}

// Validate checks the write flags; the settings are checked against the AKS rules by the fleet
// client.
func (o *Options) Validate() error {
	if err := o.FleetWide.Validate(o.Cluster != ""); err != nil {
		return err
	}
	return o.WriteFlags.Validate()
}

// Run plans the new settings with the fleet client and writes them.
func (o *Options) Run() error {
	if o.Selector != "" {
		return o.RunFleetWide(o.f, "cluster set -l "+o.Selector, o.FleetWide, func(c *ops.Client, clusters []string) (*change.Plan, error) {
			return c.PlanMany(ops.Many{Clusters: clusters, Subject: "set " + o.settings.Describe(), Branch: "set-" + o.settings.Slug(),
				Per: func(name string) (*change.Plan, error) { return c.SetCluster(name, o.settings) }})
		})
	}
	return o.RunWrite(o.f, "cluster set "+o.Cluster, func(c *ops.Client) (*change.Plan, error) {
		return c.SetCluster(o.Cluster, o.settings)
	})
}
