package ops

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// AddCluster plans a new cluster: its folder rendered from the templates and its entry appended to
// the list of clusters. c must have its defaults applied; it is checked against the AKS rules.
func (c *Client) AddCluster(cl spec.Cluster) (*change.Plan, error) {
	if err := cl.Validate(); err != nil {
		return nil, err
	}
	if err := c.Support.cluster(cl); err != nil {
		return nil, err
	}
	fl := c.Fleet
	dir := fl.ClusterDir(cl.Name)
	if _, err := fs.Stat(fl.FS, dir); err == nil {
		return nil, fmt.Errorf("cluster %q already exists at %s", cl.Name, dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	listPath := fl.ClustersKustomization()
	list, err := fl.AddToClusterList(cl.Name)
	if err != nil {
		return nil, err
	}
	rendered, err := fl.ClusterFiles(cl)
	if err != nil {
		return nil, err
	}
	p := &change.Plan{
		Touched:  []string{dir, listPath},
		Clusters: []string{cl.Name},
		Message:  addMessage(fl, cl),
		Branch:   c.branch("add-cluster-" + cl.Name),
		Next:     "merging it creates the cluster",
	}
	for _, f := range rendered {
		p.Changes = append(p.Changes, fsx.Change{Path: f.Path, Content: f.Content})
	}
	p.Changes = append(p.Changes, fsx.Change{Path: listPath, Content: list})
	return c.plan(p), nil
}

// addMessage is the commit message of a new cluster: what was added and its key parameters.
func addMessage(fl *fleet.Fleet, c spec.Cluster) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Add cluster %s (%s, Kubernetes %s)\n\n", c.Name, c.Location, c.KubernetesVersion)
	fmt.Fprintf(&b, "Adds %s/ with a Flux HelmRelease of %s and lists it in\n%s.\n\n",
		fl.ClusterDir(c.Name), config.FluxPath(fl.Config.Chart.Path), fl.ClustersKustomization())
	fmt.Fprintf(&b, "  location:           %s\n", c.Location)
	fmt.Fprintf(&b, "  resource group:     %s\n", c.ResourceGroup)
	fmt.Fprintf(&b, "  kubernetes version: %s\n", c.KubernetesVersion)
	net := c.Network.Plugin
	if c.Network.Policy != "" {
		net += "/" + c.Network.Policy
	}
	fmt.Fprintf(&b, "  network:            %s, services %s, DNS %s\n", net, c.Network.ServiceCIDR, c.Network.DNSServiceIP)
	if c.SKUTier != "" {
		fmt.Fprintf(&b, "  sku tier:           %s\n", c.SKUTier)
	}
	if len(c.Labels) > 0 {
		fmt.Fprintf(&b, "  labels:             %s\n", labelsString(c.Labels))
	}
	fmt.Fprintf(&b, "  node pools:\n")
	for _, p := range c.NodePools {
		fmt.Fprintf(&b, "    %s\n", fleet.DescribePool(p))
	}
	fmt.Fprintf(&b, "\nMerging this creates a new AKS cluster in Azure.\n")
	return b.String()
}

// Removal is what removing a cluster deletes.
type Removal struct {
	Name string
	// Cluster is the cluster as its values give it; nil when the folder cannot be read (it is
	// still removable).
	Cluster *spec.Cluster
	// Files are the repo-relative files of the folder.
	Files []string
	// Listed says whether the list of clusters names it.
	Listed bool
}

// Warning says, in one paragraph, what merging the removal deletes.
func (r Removal) Warning() string {
	what := "the AKS cluster " + r.Name
	if c := r.Cluster; c != nil {
		what = fmt.Sprintf("the AKS cluster %s (%s, resource group %s) with its %d node pools and every workload on it", r.Name, c.Location, c.ResourceGroup, len(c.NodePools))
	}
	return fmt.Sprintf("Merging this removal deletes %s: Flux prunes the HelmRelease and Cluster API deletes the cluster in Azure. This cannot be undone.", what)
}

// RemoveCluster plans the removal of a cluster: every file of its folder and its list entry.
func (c *Client) RemoveCluster(name string) (*change.Plan, Removal, error) {
	if err := spec.ValidateName(name); err != nil {
		return nil, Removal{}, err
	}
	fl := c.Fleet
	r := Removal{Name: name}
	dir := fl.ClusterDir(name)
	err := fs.WalkDir(fl.FS, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			r.Files = append(r.Files, p)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, r, err
	}
	list, changed, err := fl.RemoveFromClusterList(name)
	if err != nil {
		return nil, r, err
	}
	r.Listed = changed
	if len(r.Files) == 0 && !changed {
		return nil, r, c.notFound(name)
	}
	sort.Strings(r.Files)
	// The values say what merging deletes; a folder fleetctl cannot read is still removable.
	if s, err := fl.LoadCluster(name); err == nil {
		r.Cluster = &s.Cluster
	}
	p := &change.Plan{
		Touched:  []string{dir, fl.ClustersKustomization()},
		Clusters: []string{name},
		Message:  removeMessage(fl, r),
		Branch:   c.branch("remove-" + name),
		Next:     "MERGING IT DELETES THE AKS CLUSTER " + name,
	}
	for _, f := range r.Files {
		p.Changes = append(p.Changes, fsx.Change{Path: f, Delete: true})
	}
	if changed {
		p.Changes = append(p.Changes, fsx.Change{Path: fl.ClustersKustomization(), Content: list})
	}
	return c.plan(p), r, nil
}

func removeMessage(fl *fleet.Fleet, r Removal) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Remove cluster %s: merging this deletes the AKS cluster\n\n", r.Name)
	b.WriteString(Wrap(r.Warning(), 100))
	b.WriteString("\n")
	if c := r.Cluster; c != nil {
		fmt.Fprintf(&b, "  location:           %s\n  resource group:     %s\n  kubernetes version: %s\n  node pools:\n", c.Location, c.ResourceGroup, c.KubernetesVersion)
		for _, p := range c.NodePools {
			fmt.Fprintf(&b, "    %s\n", fleet.DescribePool(p))
		}
		b.WriteString("\n")
	}
	dir := fl.ClusterDir(r.Name)
	if len(r.Files) > 0 {
		fmt.Fprintf(&b, "Removes %s/ (%d files)", dir, len(r.Files))
	}
	if r.Listed {
		if len(r.Files) > 0 {
			b.WriteString(" and its entry in ")
		} else {
			b.WriteString("Removes the entry of a missing folder from ")
		}
		b.WriteString(fl.ClustersKustomization())
	}
	b.WriteString(".\n")
	return b.String()
}

// Wrap breaks text into lines of at most width characters at spaces; each line ends with "\n".
func Wrap(text string, width int) string {
	var b strings.Builder
	line := 0
	for i, w := range strings.Fields(text) {
		if i > 0 && line+1+len(w) > width {
			b.WriteString("\n")
			line = 0
		} else if i > 0 {
			b.WriteString(" ")
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	b.WriteString("\n")
	return b.String()
}
