package fleet

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/yamledit"
)

// ClusterListKey is the key of the cluster folders in the clusters kustomization.
const ClusterListKey = "resources"

// readRepoFile reads a repo-relative file of the view.
func (f *Fleet) readRepoFile(rel string) ([]byte, error) {
	return fs.ReadFile(f.FS, rel)
}

// ClusterNames returns the clusters listed in the clusters kustomization, in file order.
func (f *Fleet) ClusterNames() ([]string, error) {
	src, err := f.readRepoFile(f.ClustersKustomization())
	if err != nil {
		return nil, f.listError(err)
	}
	names, err := yamledit.ListItems(src, ClusterListKey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.ClustersKustomization(), err)
	}
	return names, nil
}

// AddToClusterList returns the clusters kustomization with name appended to its resources, keeping
// every other byte. A name already listed is an error.
func (f *Fleet) AddToClusterList(name string) ([]byte, error) {
	rel := f.ClustersKustomization()
	src, err := f.readRepoFile(rel)
	if err != nil {
		return nil, f.listError(err)
	}
	return f.AddClusterEntry(src, name)
}

// AddClusterEntry returns the list of clusters src with name appended, keeping every other byte.
func (f *Fleet) AddClusterEntry(src []byte, name string) ([]byte, error) {
	rel := f.ClustersKustomization()
	out, changed, err := yamledit.AddToList(src, ClusterListKey, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	if !changed {
		return nil, fmt.Errorf("cluster %q is already listed in %s but its folder is missing: remove the entry or restore the folder", name, rel)
	}
	return out, nil
}

func (f *Fleet) listError(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s not found: run fleetctl init to create the fleet skeleton", f.ClustersKustomization())
	}
	return err
}

// DescribePool is a one-line summary of a pool for messages and tables.
func DescribePool(p spec.NodePool) string {
	parts := []string{fmt.Sprintf("%-12s %-6s %-18s", p.Name, p.Mode, p.VMSize)}
	if p.OSType != "" && p.OSType != "Linux" {
		parts = append(parts, p.OSType)
	}
	if p.Autoscaled() {
		parts = append(parts, fmt.Sprintf("autoscale %d-%d", deref(p.Min), deref(p.Max)))
	} else {
		parts = append(parts, "count "+strconv.Itoa(deref(p.Count)))
	}
	if len(p.Zones) > 0 {
		parts = append(parts, "zones "+strings.Join(p.Zones, ","))
	}
	if p.MaxPods != nil {
		parts = append(parts, "max-pods "+strconv.Itoa(*p.MaxPods))
	}
	return strings.Join(parts, "  ")
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// ListedFolder turns an entry of the cluster list ("atlantic-aks", "./atlantic-aks/") into the
// folder name it points at, or "" when the entry is not a cluster folder of the list's directory (a
// file, a URL, a deeper path).
func ListedFolder(entry string) string {
	e := strings.TrimSpace(entry)
	e = strings.TrimPrefix(e, "./")
	e = strings.TrimRight(e, "/")
	switch {
	case e == "", e == ".", strings.Contains(e, "://"), strings.Contains(e, "/"),
		strings.HasSuffix(e, ".yaml"), strings.HasSuffix(e, ".yml"), strings.HasSuffix(e, ".json"):
		return ""
	}
	return e
}

// ListedClusters returns the set of cluster folders the clusters kustomization lists.
func (f *Fleet) ListedClusters() (map[string]bool, error) {
	items, err := f.ClusterNames()
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, it := range items {
		if n := ListedFolder(it); n != "" {
			out[n] = true
		}
	}
	return out, nil
}

// RemoveFromClusterList returns the clusters kustomization without the entries that point at
// cluster name, keeping every other byte; changed is false when none did.
func (f *Fleet) RemoveFromClusterList(name string) (out []byte, changed bool, err error) {
	rel := f.ClustersKustomization()
	src, err := f.readRepoFile(rel)
	if err != nil {
		return nil, false, f.listError(err)
	}
	items, err := yamledit.ListItems(src, ClusterListKey)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", rel, err)
	}
	out = src
	for _, it := range items {
		if ListedFolder(it) != name {
			continue
		}
		var ch bool
		if out, ch, err = yamledit.RemoveFromList(out, ClusterListKey, it); err != nil {
			return nil, false, fmt.Errorf("%s: %w", rel, err)
		}
		changed = changed || ch
	}
	return out, changed, nil
}
