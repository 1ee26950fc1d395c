package ops

import (
	"fmt"
	"time"

	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/support"
)

// Support is what a write checks Kubernetes versions and VM sizes against: the support table, the
// day the check is for, whether the clusters are on long-term support (Premium tier with support
// plan AKSLongTermSupport, for every cluster; a cluster whose own values say so is on it whatever
// LTS says) and VM sizes to accept beside the
// table's. A nil Table checks nothing.
type Support struct {
	Table   *support.Table
	Now     time.Time
	LTS     bool
	VMSizes []string
}

// version refuses a version whose minor AKS does not offer at s.Now.
func (s Support) version(scope, version string) error {
	if s.Table == nil {
		return nil
	}
	if err := s.Table.CheckOffered("kubernetes version", version, s.Now, s.LTS); err != nil {
		return fmt.Errorf("%s: %w", scope, err)
	}
	return nil
}

// vmSize refuses a VM size the table does not know.
func (s Support) vmSize(scope, size string) error {
	if s.Table == nil || size == "" {
		return nil
	}
	if err := s.Table.KnownSizes(s.VMSizes...).Check("vm size", size); err != nil {
		return fmt.Errorf("%s: %w", scope, err)
	}
	return nil
}

// cluster checks a new cluster: its version, every pool's own version and every pool's VM size.
func (s Support) cluster(cl spec.Cluster) error {
	scope := fmt.Sprintf("cluster %q", cl.Name)
	s.LTS = s.LTS || spec.OnLTS(cl.SupportPlan, cl.SKUTier)
	if err := s.version(scope, cl.KubernetesVersion); err != nil {
		return err
	}
	for _, p := range cl.NodePools {
		ps := fmt.Sprintf("%s: node pool %q", scope, p.Name)
		if p.KubernetesVersion != "" {
			if err := s.version(ps, p.KubernetesVersion); err != nil {
				return err
			}
		}
		if err := s.vmSize(ps, p.VMSize); err != nil {
			return err
		}
	}
	return nil
}
