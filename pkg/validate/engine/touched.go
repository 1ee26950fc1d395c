package engine

import (
	"fmt"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// CheckTouched runs the validator on the repo as written, limited to cluster name, and fails on errors
// in what a command touched: the cluster's folder, the list of clusters, and findings that name the
// cluster. Problems elsewhere in the fleet are not the command's to block on. A removed cluster is
// checked the same way: what is left must still build.
func CheckTouched(fl *fleet.Fleet, name string) error {
	schemas, err := schema.Default()
	if err != nil {
		return err
	}
	res, err := Run(Options{Fleet: fl, Schemas: schemas, Only: map[string]bool{name: true}})
	if err != nil {
		return err
	}
	dir := fl.ClusterDir(name)
	var bad []string
	for _, f := range res.Findings {
		if f.Severity != validate.Error {
			continue
		}
		if !strings.HasPrefix(f.File, dir+"/") && f.File != fl.ClustersKustomization() && !strings.Contains(f.Message, name) {
			continue
		}
		loc := f.File
		if f.Line > 0 {
			loc = fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		bad = append(bad, fmt.Sprintf("%s: %s: %s", loc, f.Rule, f.Message))
	}
	if len(bad) > 0 {
		return fmt.Errorf("cluster %q fails validation, nothing written:\n  %s", name, strings.Join(bad, "\n  "))
	}
	return nil
}
