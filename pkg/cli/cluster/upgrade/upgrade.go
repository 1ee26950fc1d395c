// Package upgrade implements `fleetctl cluster upgrade`.
package upgrade

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/yamledit"
)

// Options of `fleetctl cluster upgrade`.
type Options struct {
	f *cmdutil.Factory

	Name              string
	KubernetesVersion string
	ControlPlaneOnly  bool
	cmdutil.WriteFlags

	fleet  *fleet.Fleet
	source *fleet.ClusterSource
	want   spec.Cluster
}

// NewCmd returns `fleetctl cluster upgrade`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "upgrade NAME --kubernetes-version vX.Y.Z",
		Short: "Upgrade a cluster's Kubernetes version on a new branch",
		Long: `Upgrade the control plane and every node pool to a new Kubernetes version, editing the
cluster's values in place.

The rules of AKS apply: no downgrades, and one minor version at a time (v1.33.x to v1.34.y, not
v1.35.z). With --control-plane-only the pools keep the version they run: each gets its own
kubernetesVersion in the values, which must stay at most ` + fmt.Sprint(spec.MaxPoolMinorSkew) + ` minor versions behind the
control plane. Run upgrade again without --control-plane-only (at the control plane's version, or
the next one) to bring the pools up; they then follow the cluster's version again.`,
		Example: `  fleetctl cluster upgrade atlantic-aks --kubernetes-version v1.34.1
  fleetctl cluster upgrade atlantic-aks --kubernetes-version v1.34.1 --control-plane-only
  fleetctl cluster upgrade atlantic-aks --kubernetes-version v1.34.1 --dry-run`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: cmdutil.CompleteClusterArgs(f, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return cmdutil.RunSteps(o, runF)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.KubernetesVersion, "kubernetes-version", "", "target Kubernetes version vX.Y.Z (required)")
	fl.BoolVar(&o.ControlPlaneOnly, "control-plane-only", false, "upgrade the control plane and leave the node pools at their version")
	_ = cmd.MarkFlagRequired("kubernetes-version")
	_ = cmd.RegisterFlagCompletionFunc("kubernetes-version", cobra.NoFileCompletions)
	cmdutil.AddWriteFlags(cmd, &o.WriteFlags, "<prefix>/upgrade-NAME")
	return cmd
}

// Complete reads the cluster and works out the versions after the upgrade.
func (o *Options) Complete() error {
	if err := o.WriteFlags.Validate(); err != nil {
		return err
	}
	if err := spec.ValidateVersion("--kubernetes-version", o.KubernetesVersion); err != nil {
		return cmdutil.FlagErrorf("%s", err)
	}
	var err error
	if o.fleet, err = o.f.Fleet(); err != nil {
		return err
	}
	if o.source, err = o.fleet.LoadCluster(o.Name); err != nil {
		return err
	}
	old := o.source.Cluster
	want := o.source.Want()
	want.KubernetesVersion = o.KubernetesVersion
	for i, p := range want.NodePools {
		if o.ControlPlaneOnly {
			want.NodePools[i].KubernetesVersion = old.PoolVersion(p)
		} else {
			want.NodePools[i].KubernetesVersion = ""
		}
	}
	o.want = want
	return nil
}

// Validate applies the AKS upgrade rules: no downgrade, no skipped minor version, pools within the
// skew allowed behind the control plane.
func (o *Options) Validate() error {
	old := o.source.Cluster
	if err := spec.CheckUpgrade("--kubernetes-version", old.KubernetesVersion, o.KubernetesVersion); err != nil {
		return err
	}
	for _, p := range o.want.NodePools {
		if p.KubernetesVersion == "" {
			continue
		}
		if err := spec.CheckPoolSkew(fmt.Sprintf("cluster %q: node pool %q", o.Name, p.Name), p.KubernetesVersion, o.KubernetesVersion); err != nil {
			return fmt.Errorf("%w: upgrade the pools first (fleetctl cluster upgrade %s --kubernetes-version %s)", err, o.Name, old.KubernetesVersion)
		}
	}
	return nil
}

// Run edits the versions in place and commits.
func (o *Options) Run() error {
	s := o.source
	old := s.Cluster
	if o.KubernetesVersion != old.KubernetesVersion {
		if err := s.SetScalar([]string{"kubernetesVersion"}, o.KubernetesVersion, yamledit.Str); err != nil {
			return err
		}
	}
	for _, p := range o.want.NodePools {
		at := []string{"nodePools", p.Name, "kubernetesVersion"}
		var err error
		switch {
		case p.KubernetesVersion == "":
			err = s.Delete(at...)
		case p.KubernetesVersion != s.Cluster.PoolVersion(mustPool(s.Cluster, p.Name)):
			err = s.SetScalar(at, p.KubernetesVersion, yamledit.Str)
		}
		if err != nil {
			return err
		}
	}
	branch := "upgrade-" + o.Name
	return o.WriteFlags.ApplyEdit(o.f, cmdutil.Edit{
		Fleet: o.fleet, Source: s, Want: o.want,
		NoOp:    noOp(old, o.KubernetesVersion, o.ControlPlaneOnly),
		Message: Message(old, o.want),
		Branch:  branch,
		Next:    "merging it upgrades the AKS cluster " + o.Name,
	})
}

func mustPool(c spec.Cluster, name string) spec.NodePool {
	p, _ := c.Pool(name)
	return p
}

func noOp(c spec.Cluster, v string, cpOnly bool) string {
	if cpOnly {
		return fmt.Sprintf("the control plane of %s already runs %s", c.Name, v)
	}
	return fmt.Sprintf("%s and all its node pools already run %s", c.Name, v)
}

// Message is the commit message: the control plane's and each pool's version before and after.
func Message(old, new spec.Cluster) string {
	var b strings.Builder
	var moved []string
	for _, p := range new.NodePools {
		if op, _ := old.Pool(p.Name); old.PoolVersion(op) != new.PoolVersion(p) {
			moved = append(moved, p.Name)
		}
	}
	switch {
	case old.KubernetesVersion == new.KubernetesVersion:
		fmt.Fprintf(&b, "Upgrade the node pools of %s to Kubernetes %s\n\n", new.Name, new.KubernetesVersion)
	case len(moved) == 0:
		fmt.Fprintf(&b, "Upgrade the control plane of %s to Kubernetes %s\n\n", new.Name, new.KubernetesVersion)
	default:
		fmt.Fprintf(&b, "Upgrade %s to Kubernetes %s\n\n", new.Name, new.KubernetesVersion)
	}
	row := func(what, from, to string) {
		if from == to {
			fmt.Fprintf(&b, "  %-22s %s (unchanged)\n", what+":", from)
		} else {
			fmt.Fprintf(&b, "  %-22s %s -> %s\n", what+":", from, to)
		}
	}
	row("control plane", old.KubernetesVersion, new.KubernetesVersion)
	for _, p := range new.NodePools {
		op, _ := old.Pool(p.Name)
		row("node pool "+p.Name, old.PoolVersion(op), new.PoolVersion(p))
	}
	b.WriteString("\nMerging this makes AKS upgrade ")
	switch {
	case old.KubernetesVersion == new.KubernetesVersion:
		b.WriteString("the node pools (node by node, with surge).\n")
	case len(moved) == 0:
		fmt.Fprintf(&b, "the control plane only. The node pools keep their version, which may\nlag the control plane by at most %d minor versions.\n", spec.MaxPoolMinorSkew)
	default:
		b.WriteString("the control plane, then the node pools (node by node, with surge).\n")
	}
	return b.String()
}
