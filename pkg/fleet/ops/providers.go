package ops

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fleetplan"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/yamledit"
	"github.com/fleetctl/fleetctl/templates"
)

// embeddedChartDir is the chart fleetctl ships (templates.FS), copied by init to chart.path.
const embeddedChartDir = "chart/aks-cluster"

// ProvidersUpgrade plans moving the fleet from the provider set its .fleetctl.yaml pins to target
// (config.Default().Providers for "current"): the providers block edited in place, the repo's
// chart moved to the target's Cluster API contract, the tree checked under the target's schemas,
// and the plan of what it does to each cluster, refused when a cluster would be replaced.
func (c *Client) ProvidersUpgrade(target config.Providers) (*change.Plan, error) {
	from := c.Fleet.Config.Providers
	if err := checkNotNewer(from, target); err != nil {
		return nil, err
	}
	p := &change.Plan{
		Branch: c.branch("providers-upgrade"),
		NoOp:   fmt.Sprintf("the fleet already targets the current providers (Cluster API %s, CAPZ %s, ASO %s, Flux %s, contract %s)", target.ClusterAPI, target.CAPZ, target.ASO, target.Flux, target.CAPIContract()),
		Next:   "merging it moves every cluster's objects to the new providers' API versions; no cluster is replaced",
	}
	cfgChange, err := c.providersConfigChange(target)
	if err != nil {
		return nil, err
	}
	if cfgChange != nil {
		p.Changes = append(p.Changes, *cfgChange)
	}
	chartChanges, err := c.chartChanges(target.CAPIContract())
	if err != nil {
		return nil, err
	}
	p.Changes = append(p.Changes, chartChanges...)
	if len(p.Changes) == 0 {
		return p, nil
	}
	clusters, err := c.Fleet.ClusterFolders()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	p.Clusters = clusters

	cfg := c.Fleet.Config
	cfg.Providers = target
	head, err := fleet.NewFS(c.Fleet.Root, change.Overlay(c.Fleet.FS, p), cfg)
	if err != nil {
		return nil, err
	}
	fp, err := fleetplan.Compute(fleetplan.Options{Head: head, Base: c.Fleet, HeadName: "the upgrade", BaseName: "the fleet"})
	if err != nil {
		return nil, fmt.Errorf("providers upgrade: the plan: %w", err)
	}
	if err := noReplace(fp); err != nil {
		return nil, err
	}
	var planText bytes.Buffer
	if err := fleetplan.Text(&planText, fp, false); err != nil {
		return nil, err
	}
	p.Message = providersMessage(from, target, p.Paths(), planText.String())

	// The check runs on the fleet as the change leaves it: the target providers and their schemas.
	schemas, err := schema.For(target.SchemaPins())
	if err != nil {
		return nil, err
	}
	tc := &Client{Fleet: c.Fleet, Schemas: schemas}
	tc.Fleet = c.Fleet.WithFS(c.Fleet.FS)
	tc.Fleet.Config = cfg
	p.Check = tc.check(p)
	return p, nil
}

// checkNotNewer refuses a "move" to an older provider version than the pinned one.
func checkNotNewer(from, to config.Providers) error {
	for _, f := range []struct{ field, from, to string }{
		{"providers.clusterAPI", from.ClusterAPI, to.ClusterAPI},
		{"providers.capz", from.CAPZ, to.CAPZ},
		{"providers.aso", from.ASO, to.ASO},
	} {
		a, okA := spec.ParseVersion(f.from)
		b, okB := spec.ParseVersion(f.to)
		if okA && okB && (a.Major > b.Major || a.Major == b.Major && (a.Minor > b.Minor || a.Minor == b.Minor && a.Patch > b.Patch)) {
			return fmt.Errorf("providers upgrade: %s %s is newer than the target %s: fleetctl does not move a fleet back to older providers", f.field, f.from, f.to)
		}
	}
	return nil
}

// providersConfigChange edits the providers block of .fleetctl.yaml in place (comments, order and
// quoting stay), adding contract after flux when it is missing; nil when nothing changes.
func (c *Client) providersConfigChange(target config.Providers) (*fsx.Change, error) {
	src, err := fs.ReadFile(c.Fleet.FS, config.FileName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("providers upgrade: %s not found at the top of the repo: run fleetctl init, or add the file", config.FileName)
	}
	if err != nil {
		return nil, err
	}
	out := src
	changed := false
	after := ""
	for _, f := range []struct{ key, value string }{
		{"clusterAPI", target.ClusterAPI}, {"capz", target.CAPZ}, {"aso", target.ASO},
		{"flux", target.Flux}, {"contract", target.CAPIContract()},
	} {
		at := []string{"providers", f.key}
		next, ch, err := yamledit.SetScalar(out, 0, at, f.value, yamledit.Str)
		if errors.Is(err, yamledit.ErrNotFound) {
			next, ch, err = yamledit.SetNode(out, 0, at, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: f.value}, after)
		}
		if err != nil {
			return nil, fmt.Errorf("providers upgrade: %s: providers.%s: %w", config.FileName, f.key, err)
		}
		out, changed, after = next, changed || ch, f.key
	}
	if !changed {
		return nil, nil
	}
	if _, err := config.Decode(config.FileName, out); err != nil {
		return nil, fmt.Errorf("providers upgrade: the edited %s does not read back: %w", config.FileName, err)
	}
	return &fsx.Change{Path: config.FileName, Content: out}, nil
}

// chartChanges moves the repo's chart to contract: a file as fleetctl shipped it for the previous
// contract becomes the file it ships now; a file the fleet changed is rewritten line by line
// (apiVersions of Cluster and MachinePool, references by apiGroup, no empty template metadata),
// refused when a v1beta1 line is left that the rewrite does not know.
func (c *Client) chartChanges(contract string) ([]fsx.Change, error) {
	if contract != "v1beta2" {
		return nil, nil
	}
	dir := c.Fleet.ChartDir()
	if _, err := fs.Stat(c.Fleet.FS, dir); err != nil {
		return nil, fmt.Errorf("providers upgrade: chart.path %q: the chart is not in the repo: %w", c.Fleet.Config.Chart.Path, err)
	}
	var out []fsx.Change
	err := fs.WalkDir(c.Fleet.FS, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(p, dir+"/")
		data, err := fs.ReadFile(c.Fleet.FS, p)
		if err != nil {
			return err
		}
		cur, shipped := fs.ReadFile(templates.FS, path.Join(embeddedChartDir, rel))
		if shipped == nil {
			if bytes.Equal(data, cur) {
				return nil
			}
			if bytes.Equal(data, PreviousChartFile(rel, cur)) {
				out = append(out, fsx.Change{Path: p, Content: cur})
				return nil
			}
		}
		next, err := rewriteChartFile(rel, data)
		if err != nil {
			return fmt.Errorf("providers upgrade: %s: %w", p, err)
		}
		if !bytes.Equal(next, data) {
			out = append(out, fsx.Change{Path: p, Content: next})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// previousChart turns the embedded chart's files back into what chart 0.1.0 (the v1beta1
// contract) shipped.
var previousChart = map[string]*strings.Replacer{
	"Chart.yaml": strings.NewReplacer(
		"(the v1beta2 contract, CAPI v1.11 and later)", "(CAPI v1beta1)",
		"version: 0.2.0", "version: 0.1.0"),
	"README.md": strings.NewReplacer(
		"(`cluster.x-k8s.io/v1beta2`, CAPI v1.14) and\n", "(`cluster.x-k8s.io/v1beta1`) and\n",
		"(CAPZ v1.27)", "(CAPZ v1.21)"),
	"templates/cluster.yaml": strings.NewReplacer(
		"apiVersion: cluster.x-k8s.io/v1beta2", "apiVersion: cluster.x-k8s.io/v1beta1",
		"apiGroup: infrastructure.cluster.x-k8s.io", "apiVersion: infrastructure.cluster.x-k8s.io/v1beta1"),
	"templates/machinepools.yaml": strings.NewReplacer(
		"apiVersion: cluster.x-k8s.io/v1beta2", "apiVersion: cluster.x-k8s.io/v1beta1",
		"apiGroup: infrastructure.cluster.x-k8s.io", "apiVersion: infrastructure.cluster.x-k8s.io/v1beta1",
		"  template:\n    spec:", "  template:\n    metadata: {}\n    spec:"),
}

// PreviousChartFile returns the chart file rel as the previous chart (0.1.0) shipped it, given the
// current one; files that did not change are returned as they are.
func PreviousChartFile(rel string, current []byte) []byte {
	r, ok := previousChart[rel]
	if !ok {
		return current
	}
	return []byte(r.Replace(string(current)))
}

var (
	capiV1beta1RE   = regexp.MustCompile(`(?m)^(\s*)apiVersion:\s*["']?cluster\.x-k8s\.io/v1beta1["']?[ \t]*$`)
	infraRefRE      = regexp.MustCompile(`(?m)^([ \t]+)apiVersion:\s*["']?infrastructure\.cluster\.x-k8s\.io/v1beta1["']?[ \t]*$`)
	emptyTemplateRE = regexp.MustCompile(`(?m)^([ \t]*)template:[ \t]*\n[ \t]+metadata:[ \t]*\{\}[ \t]*\n`)
	asoGoneRE       = regexp.MustCompile(`containerservice\.azure\.com/v1api20231001`)
	leftV1beta1RE   = regexp.MustCompile(`cluster\.x-k8s\.io/v1beta1`)
)

// rewriteChartFile moves one chart file the fleet changed to the v1beta2 contract, line by line.
func rewriteChartFile(rel string, data []byte) ([]byte, error) {
	if rel == "Chart.yaml" {
		out, _, err := yamledit.SetScalar(data, 0, []string{"version"}, "0.2.0", yamledit.Str)
		if err != nil || !bytes.Contains(data, []byte("0.1.0")) {
			return data, nil // the fleet versions its chart itself
		}
		return out, nil
	}
	if ext := path.Ext(rel); ext != ".yaml" && ext != ".yml" && ext != ".tpl" {
		return data, nil
	}
	s := string(data)
	s = capiV1beta1RE.ReplaceAllString(s, "${1}apiVersion: cluster.x-k8s.io/v1beta2")
	s = infraRefRE.ReplaceAllString(s, "${1}apiGroup: infrastructure.cluster.x-k8s.io")
	if strings.Contains(s, "kind: MachinePool") {
		s = emptyTemplateRE.ReplaceAllString(s, "${1}template:\n")
	}
	// ASO v2.18 no longer serves containerservice v1api20231001; v1api20240901 has the fields the
	// chart sets (the check under the target schemas says if one is not).
	s = asoGoneRE.ReplaceAllString(s, "containerservice.azure.com/v1api20240901")
	for i, line := range strings.Split(s, "\n") {
		if leftV1beta1RE.MatchString(line) && !strings.HasPrefix(line, "apiVersion: infrastructure.cluster.x-k8s.io/v1beta1") {
			return nil, fmt.Errorf("line %d %q: fleetctl cannot move this to the Cluster API v1beta2 contract; edit it by hand (references name apiGroup, kind, name; see docs/providers.md) and run fleetctl providers upgrade again", i+1, strings.TrimSpace(line))
		}
	}
	return []byte(s), nil
}

// noReplace refuses a plan that replaces or destroys a cluster or a pool.
func noReplace(p *fleetplan.Plan) error {
	for _, cl := range p.Clusters {
		if cl.Action != fleetplan.Replace && cl.Action != fleetplan.Destroy {
			continue
		}
		reason := string(cl.Action)
		for _, ch := range cl.Changes {
			if ch.Action == cl.Action {
				reason = fmt.Sprintf("%s %s: %s", ch.Subject, ch.Action, strings.TrimSpace(ch.Description+" "+ch.Reason))
				break
			}
		}
		return fmt.Errorf("providers upgrade: cluster %q would be %sd (%s): the upgrade must not replace a cluster; fix the chart and run again", cl.Name, strings.TrimSuffix(string(cl.Action), "e"), reason)
	}
	return nil
}

// providersMessage is the commit message: each version before and after, the files, the plan.
func providersMessage(from, to config.Providers, paths []string, plan string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Upgrade the providers to Cluster API %s, CAPZ %s, ASO %s, Flux %s\n\n", to.ClusterAPI, to.CAPZ, to.ASO, to.Flux)
	row := func(what, a, z string) {
		if a == z {
			fmt.Fprintf(&b, "  %-12s %s (unchanged)\n", what+":", a)
		} else {
			fmt.Fprintf(&b, "  %-12s %s -> %s\n", what+":", a, z)
		}
	}
	row("Cluster API", from.ClusterAPI, to.ClusterAPI)
	row("CAPZ", from.CAPZ, to.CAPZ)
	row("ASO", from.ASO, to.ASO)
	row("Flux", from.Flux, to.Flux)
	row("contract", from.CAPIContract(), to.CAPIContract())
	b.WriteString("\nFiles:\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	b.WriteString("\nPlan (no cluster is replaced):\n")
	for _, line := range strings.Split(strings.TrimRight(plan, "\n"), "\n") {
		b.WriteString(strings.TrimRight("  "+line, " ") + "\n")
	}
	return b.String()
}
