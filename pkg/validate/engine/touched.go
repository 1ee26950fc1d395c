package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fsview"
	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// FailedError is a change that fails validation: the error findings it is blamed for.
type FailedError struct {
	// What names the change's subject, e.g. `cluster "atlantic-aks"`.
	What     string
	Findings []validate.Finding
}

func (e *FailedError) Error() string {
	lines := make([]string, len(e.Findings))
	for i, f := range e.Findings {
		lines[i] = Line(f)
	}
	return fmt.Sprintf("%s fails validation, nothing written:\n  %s", e.What, strings.Join(lines, "\n  "))
}

// Line is a finding on one line: "file:line: rule: message".
func Line(f validate.Finding) string {
	loc := f.File
	if f.Line > 0 {
		loc = fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	if loc == "" {
		loc = "fleet"
	}
	return fmt.Sprintf("%s: %s: %s", loc, f.Rule, f.Message)
}

// Check validates fl's view (the tree as a change will leave it) for that change: the clusters it
// names are checked in full, the files it writes outside cluster folders too, and the fleet-wide
// rules see every cluster. It fails, with a *FailedError, on the error findings that belong to one
// of those clusters or files; problems elsewhere in the fleet are not the change's to block on. A
// removed cluster is named too: what is left must still build, and the list must not name it. The
// warnings that belong to the change are returned.
func Check(fl *fleet.Fleet, schemas *schema.Set, clusters, paths []string) ([]validate.Finding, error) {
	if schemas == nil {
		var err error
		if schemas, err = schema.For(fl.Config.Providers.SchemaPins()); err != nil {
			return nil, err
		}
	}
	only := map[string]bool{}
	for _, c := range clusters {
		only[c] = true
	}
	scope := map[string]bool{}
	for _, p := range paths {
		if fl.ClusterOf(p) == "" {
			scope[p] = true
		}
	}
	res, err := Run(Options{Fleet: fl, Schemas: schemas, Only: only, Paths: scope})
	if err != nil {
		return nil, err
	}
	var bad, warnings []validate.Finding
	for _, f := range res.Findings {
		switch {
		case !only[f.Cluster] && !scope[f.File]:
		case f.Severity == validate.Error:
			bad = append(bad, f)
		default:
			warnings = append(warnings, f)
		}
	}
	if len(bad) == 0 {
		return warnings, nil
	}
	what := "the change"
	if len(clusters) == 1 {
		what = fmt.Sprintf("cluster %q", clusters[0])
	}
	return warnings, &FailedError{What: what, Findings: bad}
}

// ChangedClusters returns the clusters whose folder differs between head and base, by content:
// new, changed and removed ones (a deleted file counts, as does a deleted folder).
func ChangedClusters(head, base *fleet.Fleet) (map[string]bool, error) {
	now, err := head.ClusterFolders()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	then, err := base.ClusterFolders()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	out := map[string]bool{}
	for _, name := range append(now, then...) {
		if out[name] {
			continue
		}
		a, okA := fsview.TreeID(head.FS, head.ClusterDir(name))
		b, okB := fsview.TreeID(base.FS, base.ClusterDir(name))
		if okA != okB || a != b {
			out[name] = true
		}
	}
	return out, nil
}
