package ops

import (
	"fmt"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/yamledit"
)

// Upgrade plans a Kubernetes upgrade of a cluster: the control plane and every node pool, or with
// controlPlaneOnly the control plane alone (each pool then keeps its version in the values, at most
// spec.MaxPoolMinorSkew minors behind). The AKS rules apply: no downgrade, one minor at a time.
func (c *Client) Upgrade(cluster, version string, controlPlaneOnly bool) (*change.Plan, error) {
	if err := spec.ValidateVersion("--kubernetes-version", version); err != nil {
		return nil, err
	}
	src, err := c.Fleet.LoadCluster(cluster)
	if err != nil {
		return nil, err
	}
	old := src.Cluster
	want := src.Want()
	want.KubernetesVersion = version
	for i, p := range want.NodePools {
		if controlPlaneOnly {
			want.NodePools[i].KubernetesVersion = old.PoolVersion(p)
		} else {
			want.NodePools[i].KubernetesVersion = ""
		}
	}
	if err := spec.CheckUpgrade("--kubernetes-version", old.KubernetesVersion, version); err != nil {
		return nil, err
	}
	for _, p := range want.NodePools {
		if p.KubernetesVersion == "" {
			continue
		}
		if err := spec.CheckPoolSkew(fmt.Sprintf("cluster %q: node pool %q", cluster, p.Name), p.KubernetesVersion, version); err != nil {
			return nil, fmt.Errorf("%w: upgrade the pools first (fleetctl cluster upgrade %s --kubernetes-version %s)", err, cluster, old.KubernetesVersion)
		}
	}
	// The structural rules first (no downgrade, one minor, pool skew): they say what to do whatever
	// the day; then the target must be a minor AKS offers.
	if version != old.KubernetesVersion {
		sup := c.Support
		sup.LTS = sup.LTS || spec.OnLTS(old.SupportPlan, old.SKUTier)
		if err := sup.version(fmt.Sprintf("cluster %q", cluster), version); err != nil {
			return nil, err
		}
	}
	if version != old.KubernetesVersion {
		if err := src.SetScalar([]string{"kubernetesVersion"}, version, yamledit.Str); err != nil {
			return nil, err
		}
	}
	for _, p := range want.NodePools {
		at := []string{"nodePools", p.Name, "kubernetesVersion"}
		cur, _ := src.Cluster.Pool(p.Name)
		switch {
		case p.KubernetesVersion == "":
			err = src.Delete(at...)
		case p.KubernetesVersion != src.Cluster.PoolVersion(cur):
			err = src.SetScalar(at, p.KubernetesVersion, yamledit.Str)
		}
		if err != nil {
			return nil, err
		}
	}
	noOp := fmt.Sprintf("%s and all its node pools already run %s", cluster, version)
	if controlPlaneOnly {
		noOp = fmt.Sprintf("the control plane of %s already runs %s", cluster, version)
	}
	return c.editPlan(edit{
		src: src, want: want, noOp: noOp,
		message: upgradeMessage(old, want),
		branch:  "upgrade-" + cluster,
		next:    "merging it upgrades the AKS cluster " + cluster,
	})
}

// upgradeMessage is the commit message: the control plane's and each pool's version before and after.
func upgradeMessage(old, new spec.Cluster) string {
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
