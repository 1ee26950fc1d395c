// Package upgrade implements `fleetctl cluster upgrade`.
package upgrade

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet/ops"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// Options of `fleetctl cluster upgrade`.
type Options struct {
	f *cmdutil.Factory

	Name              string
	KubernetesVersion string
	ControlPlaneOnly  bool
	cmdutil.FleetWide
	cmdutil.WriteFlags
	cmdutil.SupportFlags
}

// NewCmd returns `fleetctl cluster upgrade`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "upgrade (NAME | -l SELECTOR [--waves LABEL=V1,V2,...]) --kubernetes-version vX.Y.Z",
		Short: "Upgrade a cluster's Kubernetes version on a new branch",
		Long: `Upgrade the control plane and every node pool to a new Kubernetes version, editing the
cluster's values in place.

The rules of AKS apply: no downgrades, and one minor version at a time (v1.36.x to v1.37.y, not
v1.38.z), to a minor AKS offers on the day (the support table of docs/providers.md, or
--versions-file). With --control-plane-only the pools keep the version they run: each gets its own
kubernetesVersion in the values, which must stay at most ` + fmt.Sprint(spec.MaxPoolMinorSkew) + ` minor versions behind the
control plane. Run upgrade again without --control-plane-only (at the control plane's version, or
the next one) to bring the pools up; they then follow the cluster's version again.

With -l instead of NAME, every cluster the selector matches on the base branch is upgraded, in one
commit. With --waves (or rollout.waves in .fleetctl.yaml) the change is one branch per wave, every
one from the base branch and holding only its wave's clusters, each checked as a whole; a cluster
the rules refuse (version skew, a minor AKS does not offer) stops the command before any branch is
made. With --pr each wave gets its pull request, naming the previous wave's; fleetctl rollout
status follows the rollout (docs/fleet-changes.md).`,
		Example: `  fleetctl cluster upgrade atlantic-aks --kubernetes-version v1.37.2
  fleetctl cluster upgrade atlantic-aks --kubernetes-version v1.37.2 --control-plane-only
  fleetctl cluster upgrade atlantic-aks --kubernetes-version v1.37.2 --dry-run
  fleetctl cluster upgrade -l env=prod --kubernetes-version v1.37.2 --waves ring=canary,early,broad --pr`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: cmdutil.CompleteClusterArgs(f, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Name = args[0]
			}
			return cmdutil.RunSteps(o, runF)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.KubernetesVersion, "kubernetes-version", "", "target Kubernetes version vX.Y.Z (required)")
	fl.BoolVar(&o.ControlPlaneOnly, "control-plane-only", false, "upgrade the control plane and leave the node pools at their version")
	_ = cmd.MarkFlagRequired("kubernetes-version")
	_ = cmd.RegisterFlagCompletionFunc("kubernetes-version", cobra.NoFileCompletions)
	cmdutil.AddFleetWideFlags(cmd, &o.FleetWide)
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/upgrade-NAME; with -l <prefix>/upgrade-VERSION, and -wave-N-VALUE per wave")
	cmdutil.AddSupportFlags(cmd, &o.SupportFlags)
	return cmd
}

// Complete has nothing to derive: the fleet client reads the cluster.
func (o *Options) Complete() error { return nil }

// Validate checks the flags against each other; the AKS upgrade rules are the fleet client's.
func (o *Options) Validate() error {
	if err := o.FleetWide.Validate(o.Name != ""); err != nil {
		return err
	}
	return o.WriteFlags.Validate()
}

// Run plans the upgrade with the fleet client and writes it.
func (o *Options) Run() error {
	if o.Selector != "" {
		return o.RunFleetWide(o.f, "cluster upgrade -l "+o.Selector, o.FleetWide, func(c *ops.Client, clusters []string) (*change.Plan, error) {
			if err := o.SupportFlags.Apply(o.f, c); err != nil {
				return nil, err
			}
			if err := spec.ValidateVersion("--kubernetes-version", o.KubernetesVersion); err != nil {
				return nil, err
			}
			subject := "upgrade to Kubernetes " + o.KubernetesVersion
			if o.ControlPlaneOnly {
				subject = "upgrade the control plane to Kubernetes " + o.KubernetesVersion
			}
			return c.PlanMany(ops.Many{Clusters: clusters, Subject: subject, Branch: "upgrade-" + o.KubernetesVersion,
				Per: func(name string) (*change.Plan, error) {
					return c.Upgrade(name, o.KubernetesVersion, o.ControlPlaneOnly)
				}})
		})
	}
	return o.RunWrite(o.f, "cluster upgrade "+o.Name, func(c *ops.Client) (*change.Plan, error) {
		if err := o.SupportFlags.Apply(o.f, c); err != nil {
			return nil, err
		}
		return c.Upgrade(o.Name, o.KubernetesVersion, o.ControlPlaneOnly)
	})
}
