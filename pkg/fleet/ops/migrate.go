package ops

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/migrate"
	"github.com/fleetctl/fleetctl/pkg/validate"
)

// Migrate plans moving every object of the repo off removed API versions (pkg/migrate): the YAML
// files it rewrites, and the findings, sorted, for what moved and what needs a manual decision.
// Helm chart templates and hidden folders are read, never written.
func (c *Client) Migrate() (*change.Plan, []validate.Finding, error) {
	fsys := c.Fleet.FS
	override := ""
	if t := c.Fleet.Config.Paths.Templates; t != "" {
		override = config.RepoPath(t)
	}
	var changes []fsx.Change
	var findings []validate.Finding
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(path.Base(p), ".") || p == override) {
				return fs.SkipDir
			}
			return nil
		}
		if ext := path.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if inChartTemplates(fsys, p) {
			findings = append(findings, migrate.Template(p, src)...)
			return nil
		}
		out, fs, err := migrate.File(p, src)
		if err != nil {
			return err
		}
		findings = append(findings, fs...)
		if string(out) != string(src) {
			changes = append(changes, fsx.Change{Path: p, Content: out})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	validate.Sort(findings)
	p := &change.Plan{
		Branch: c.branch("migrate-api-versions"),
		NoOp:   "every Flux object already uses a served API version",
		Next:   "merging it makes Flux apply the objects at their current API versions",
	}
	if len(changes) == 0 {
		return p, findings, nil
	}
	p.Changes = changes
	p.Message = migrateMessage(changes, findings)
	return c.plan(p), findings, nil
}

// inChartTemplates reports whether p is under the templates folder of a Helm chart.
func inChartTemplates(fsys fs.FS, p string) bool {
	for dir := path.Dir(p); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if path.Base(dir) != "templates" {
			continue
		}
		if _, err := fs.Stat(fsys, path.Join(path.Dir(dir), "Chart.yaml")); err == nil {
			return true
		}
	}
	return false
}

// migrateMessage is the commit message: the files moved and what is left for a person.
func migrateMessage(changes []fsx.Change, findings []validate.Finding) string {
	var b strings.Builder
	b.WriteString("Move Flux objects off removed API versions\n\n")
	moved, manual := 0, 0
	for _, f := range findings {
		switch {
		case f.Rule == migrate.RuleMoved && f.Field == "":
			moved++
		case f.Rule == migrate.RuleManual:
			manual++
		}
	}
	fmt.Fprintf(&b, "fleetctl migrate moved %d objects in %d files to the API versions the current\ncontrollers serve, with the field changes each version step needs.\n", moved, len(changes))
	for _, f := range findings {
		if f.Rule == migrate.RuleDropped {
			fmt.Fprintf(&b, "\n  %s:%d: %s", f.File, f.Line, f.Message)
		}
	}
	if manual > 0 {
		fmt.Fprintf(&b, "\n\n%d objects or fields need a manual decision (fleetctl migrate --dry-run lists them).\n", manual)
	} else {
		b.WriteString("\n")
	}
	return b.String()
}
