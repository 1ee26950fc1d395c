package ops

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fsx"
)

// InitResult says what Init found in the repo.
type InitResult struct {
	// Kept are skeleton files the repo already has with other content: not overwritten.
	Kept []string
	// Listed are cluster folders the repo already has that the new list of clusters names.
	Listed []string
}

// Init plans the fleet skeleton: every file of it the repo lacks (a file it has is kept as it is,
// whatever its content). A repo that already has cluster folders but no list of clusters gets a list
// naming every one of them: an empty list, with the repo's Flux Kustomization on the clusters
// folder pruning, would delete every live cluster on merge.
func (c *Client) Init() (*change.Plan, InitResult, error) {
	fl := c.Fleet
	var res InitResult
	skeleton, err := fl.SkeletonFiles()
	if err != nil {
		return nil, res, err
	}
	if fl.Config.Providers.CAPIContract() == "v1beta1" {
		// A fleet made with the previous providers gets the chart as it was for their contract.
		dir := fl.ChartDir() + "/"
		for i, f := range skeleton {
			if rel, ok := strings.CutPrefix(f.Path, dir); ok {
				skeleton[i].Content = PreviousChartFile(rel, f.Content)
			}
		}
	}
	p := &change.Plan{
		NoOp: "the fleet repo is already initialised",
		Next: "add a cluster with: fleetctl cluster add NAME",
	}
	listPath := fl.ClustersKustomization()
	for _, f := range skeleton {
		old, err := fs.ReadFile(fl.FS, f.Path)
		switch {
		case err == nil:
			if !fleet.SameContent(old, f.Content) {
				res.Kept = append(res.Kept, f.Path)
			}
			continue
		case !errors.Is(err, fs.ErrNotExist):
			return nil, res, err
		}
		content := f.Content
		if f.Path == listPath {
			if content, res.Listed, err = c.listExisting(content); err != nil {
				return nil, res, err
			}
		}
		p.Changes = append(p.Changes, fsx.Change{Path: f.Path, Content: content})
	}
	p.Message = initMessage(fl.Config, res.Listed)
	if len(p.Changes) > 0 {
		p.Check = c.check(p)
	}
	return p, res, nil
}

// listExisting adds the cluster folders the repo already has to the rendered, empty list.
func (c *Client) listExisting(list []byte) ([]byte, []string, error) {
	folders, err := c.Fleet.ClusterFolders()
	if errors.Is(err, fs.ErrNotExist) {
		return list, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	// Every folder is listed, as Flux applies what the list names; validate reports what is wrong
	// with a folder that is not a cluster.
	for _, name := range folders {
		if list, err = c.Fleet.AddClusterEntry(list, name); err != nil {
			return nil, nil, fmt.Errorf("listing the existing cluster folder %s: %w", c.Fleet.ClusterDir(name), err)
		}
	}
	return list, folders, nil
}

func initMessage(c config.Config, listed []string) string {
	msg := fmt.Sprintf(`Initialise fleet repo with fleetctl

Writes the fleet skeleton: .fleetctl.yaml with the org defaults (location %s,
Kubernetes %s, namespace %s), the management cluster's Flux objects, the empty
list of clusters, the cluster chart (CAPI %s, CAPZ %s ASO-based kinds) and the
infra every workload cluster gets.
`, c.Defaults.Location, c.Defaults.KubernetesVersion, c.Defaults.Namespace, c.Providers.ClusterAPI, c.Providers.CAPZ)
	if len(listed) > 0 {
		msg = strings.Replace(msg, "the empty\nlist of clusters", "the\nlist of clusters", 1)
		msg += fmt.Sprintf("\nThe list names the %d cluster folders the repo already has (%s), so\nmerging this does not prune them.\n", len(listed), describe(listed, 5))
	}
	return msg
}

// describe lists names for messages, at most n of them.
func describe(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}
