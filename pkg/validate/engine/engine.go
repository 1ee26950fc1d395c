// Package engine runs every check of `fleetctl validate` over a fleet repo: YAML syntax, kustomize
// builds, CRD schemas (with CEL) of every object in the repo and of every object the cluster chart
// renders, the AKS and fleet rules, secrets, and changes against a base revision. It reads the repo
// through a view (fleet.Fleet.FS: the working tree, a revision, or either with a pending change on
// top), so `validate`, a write command and its --dry-run all run the same checks on the tree they
// mean, and returns sorted findings; it prints nothing.
package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/validate"
	"github.com/fleetctl/fleetctl/pkg/validate/rules"
	"github.com/fleetctl/fleetctl/pkg/yamledit"
)

// GCPercent is the garbage collector setting of a fleetctl run (set in pkg/cli): a run allocates
// many short-lived objects (decoded YAML, rendered charts) and keeps little, so collecting less
// often is faster; a memory limit set beside it keeps the heap bounded.
const GCPercent = 400

// Options say what to validate and how strictly.
type Options struct {
	// Fleet is the repo; Fleet.FS is the view that is checked.
	Fleet   *fleet.Fleet
	Schemas *schema.Set
	// Base is the view of the revision to compare with (nil: no comparison), e.g. a
	// gitrepo.Snapshot.
	Base fs.FS
	// Strict turns unknown kinds into errors.
	Strict bool
	// Only, when set, limits the per-cluster work to these cluster names (--changed, a write's
	// clusters); the fleet-wide rules always see every cluster.
	Only map[string]bool
	// Paths, when set, limits the checks of files outside cluster folders to these repo paths (a
	// write checks the files it changes, not the whole repo).
	Paths map[string]bool
	// Workers is the number of clusters checked in parallel (0: one per CPU).
	Workers int
	// ChartCache, when set, holds charts of chart repositories (<chart>-<version>.tgz or unpacked
	// chart folders) so that HelmReleases from a HelmRepository or OCIRepository are rendered too.
	ChartCache fs.FS
	// Support, with a table and a day, checks every cluster's Kubernetes versions and VM sizes
	// against the support windows (validate sets it; a write's check does not: the fleet client
	// checks what a write asks for).
	Support rules.Support
}

// Result is what a run found and how much it looked at.
type Result struct {
	Findings []validate.Finding
	Files    int
	Objects  int
	Clusters int
	// Paths are the repo-relative files checked, sorted.
	Paths []string
}

type collector struct {
	mu       sync.Mutex
	findings []validate.Finding
	files    int
	objects  int
	paths    []string
}

func (c *collector) add(fs ...validate.Finding) {
	c.mu.Lock()
	c.findings = append(c.findings, fs...)
	c.mu.Unlock()
}

// hasIn reports whether a finding with one of the rule prefixes was already made for a file under dir.
func (c *collector) hasIn(dir string, prefixes ...string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.findings {
		if !strings.HasPrefix(f.File, dir+"/") && f.File != dir {
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(f.Rule, p) {
				return true
			}
		}
	}
	return false
}

// checked records a file as checked.
func (c *collector) checked(p string) {
	c.mu.Lock()
	c.files++
	c.paths = append(c.paths, p)
	c.mu.Unlock()
}

func (c *collector) count(files, objects int) {
	c.mu.Lock()
	c.files += files
	c.objects += objects
	c.mu.Unlock()
}

// Run validates the fleet repo.
func Run(o Options) (Result, error) {
	f := o.Fleet
	col := &collector{}
	clustersDir := f.ClustersDir()
	// Fleet rules only where there is a fleet: .fleetctl.yaml, or the list of cluster folders.
	isFleet := exists(f.FS, config.FileName) || exists(f.FS, f.ClustersKustomization())
	var other, others, roots []string
	byCluster := map[string][]string{}
	if o.Paths == nil {
		files, nonYAML, err := repoFiles(f)
		if err != nil {
			return Result{}, err
		}
		for _, p := range files {
			if name := f.ClusterOf(p); name != "" && isFleet {
				byCluster[name] = append(byCluster[name], p)
				continue
			}
			other = append(other, p)
		}
		others = nonYAML
		roots = kustomizeRoots(files, clustersDir)
	} else {
		// A change: the files it writes outside cluster folders, and the folders of its clusters.
		for p := range o.Paths {
			other, others = classify(f, p, other, others)
		}
		sort.Strings(other)
		sort.Strings(others)
		roots = kustomizeRoots(other, clustersDir)
		for name := range o.Only {
			files, err := folderFiles(f, f.ClusterDir(name))
			if err != nil {
				return Result{}, err
			}
			byCluster[name] = files
		}
	}
	var folders []string
	if isFleet {
		var err error
		folders, err = f.ClusterFolders()
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return Result{}, fmt.Errorf("%s: %w", clustersDir, err)
		}
	}

	release := captureToolOutput()
	defer release()
	secrets, err := rules.NewSecretScanner(f.FS)
	if err != nil {
		col.add(validate.Finding{Severity: validate.Error, Rule: validate.RuleYAMLRead, File: rules.SOPSConfigFile, Message: oneLine(err.Error()),
			Fix: "fix the SOPS configuration so sops (and this check of what it must encrypt) can read it"})
		secrets, _ = rules.NewSecretScanner(nil)
	}
	ch := &checker{opts: o, col: col, secrets: secrets, cache: newChartCache(o.ChartCache)}
	// Files outside cluster folders: one pass, in parallel with the clusters below.
	work := make(chan func(), 64)
	var wg sync.WaitGroup
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range work {
				job()
			}
		}()
	}
	if o.Paths == nil {
		// The whole repo: the Flux graph decides what is an object. Every other file is only
		// scanned for secrets; .fleetctl.yaml is checked as fleetctl's configuration.
		fleetClusters := ""
		var fleetRoots []string
		if isFleet {
			fleetClusters = clustersDir
			for _, p := range []string{f.Config.Paths.Management, f.Config.Paths.Infra, f.Config.Paths.FluxInstall} {
				if p = config.RepoPath(p); p != "" && p != "." && isDir(f.FS, p) {
					fleetRoots = append(fleetRoots, p)
				}
			}
		}
		work <- func() { ch.checkGraph(fleetClusters, fleetRoots) }
		for _, p := range other {
			if p == config.FileName {
				work <- func() { ch.checkFile(p) }
				continue
			}
			work <- func() { ch.checkSecrets(p) }
		}
	} else {
		for _, p := range other {
			work <- func() { ch.checkFile(p) }
		}
		for _, dir := range roots {
			if dir != clustersDir {
				work <- func() { ch.checkKustomizeRoot(dir) }
			}
		}
	}
	for _, p := range others {
		work <- func() { ch.checkSecrets(p) }
	}
	facts := make([]*rules.Cluster, len(folders))
	for i, name := range folders {
		work <- func() {
			if o.Only != nil && !o.Only[name] {
				facts[i] = ch.summaryFacts(name)
				return
			}
			facts[i] = ch.checkCluster(name, byCluster[name])
		}
	}
	close(work)
	wg.Wait()

	col.add(release()...)

	// Fleet-wide rules, in one pass over the compact facts.
	var clusters []rules.Cluster
	for _, c := range facts {
		if c != nil {
			clusters = append(clusters, *c)
		}
	}
	var listed []string
	var listErr error
	if isFleet {
		listed, listErr = f.ClusterNames()
	}
	if !isFleet {
		// not a fleet: no fleet rules
	} else if listErr != nil {
		col.add(validate.Finding{Severity: validate.Error, Rule: validate.RuleClusterList, File: f.ClustersKustomization(),
			Message: listErr.Error(), Fix: "fix the list of cluster folders (resources:) in " + f.ClustersKustomization()})
	} else {
		col.add(rules.FleetRules(clusters, listed, folders, f.ClustersKustomization())...)
	}
	if isFleet && exists(f.FS, config.FileName) {
		col.add(rules.ProviderRules(config.FileName, providerPins(f), o.Support)...)
	}
	// The clusters root itself is not built: it only lists the cluster folders, each built above, and
	// the list rules check its entries; building it would build every cluster a second time.
	if o.Base != nil && isFleet {
		col.add(ch.baseChanges(clusters, listed, folders)...)
	}
	for i, fd := range col.findings {
		if fd.Cluster == "" {
			col.findings[i].Cluster = f.ClusterOf(fd.File)
		}
	}
	validate.Sort(col.findings)
	sort.Strings(col.paths)
	return Result{Findings: col.findings, Files: col.files, Objects: col.objects, Clusters: len(folders), Paths: col.paths}, nil
}

// repoFiles lists the YAML files of the repo that Flux or fleetctl read, repo-relative and sorted,
// and the other files (scanned for secrets only). Helm chart templates (not YAML until rendered), the
// template override folder and hidden folders (.git) are skipped for the YAML checks.
func repoFiles(f *fleet.Fleet) (yamlFiles, others []string, err error) {
	err = fs.WalkDir(f.FS, ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel != "." && skippedDir(f, rel) {
				return fs.SkipDir
			}
			return nil
		}
		yamlFiles, others = classify(f, rel, yamlFiles, others)
		return nil
	})
	sort.Strings(yamlFiles)
	sort.Strings(others)
	return yamlFiles, others, err
}

// skippedDir reports a folder no check reads: hidden ones (.git) and the template override folder.
func skippedDir(f *fleet.Fleet, dir string) bool {
	if strings.HasPrefix(path.Base(dir), ".") {
		return true
	}
	t := f.Config.Paths.Templates
	return t != "" && dir == config.RepoPath(t)
}

// classify appends p to the YAML files the checks parse, or to the other files (scanned for
// secrets only: chart templates are Go templates until rendered), or to neither (inside a skipped
// folder).
func classify(f *fleet.Fleet, p string, yamlFiles, others []string) ([]string, []string) {
	for d := path.Dir(p); d != "."; d = path.Dir(d) {
		if skippedDir(f, d) {
			return yamlFiles, others
		}
	}
	if ext := path.Ext(p); (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(p, path.Join(f.ChartDir(), "templates")+"/") {
		return append(yamlFiles, p), others
	}
	return yamlFiles, append(others, p)
}

// folderFiles lists the YAML files below dir, sorted; a missing folder has none.
func folderFiles(f *fleet.Fleet, dir string) ([]string, error) {
	var out []string
	err := fs.WalkDir(f.FS, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return fs.SkipDir
		}
		if ext := path.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			out = append(out, p)
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return out, err
}

// kustomizeRoots returns every folder with a kustomization file outside the chart, cluster folders
// first excluded (they are built with their cluster).
func kustomizeRoots(files []string, clustersDir string) []string {
	var out []string
	for _, p := range files {
		if path.Base(p) != "kustomization.yaml" && path.Base(p) != "kustomization.yml" {
			continue
		}
		dir := path.Dir(p)
		if strings.HasPrefix(dir, clustersDir+"/") {
			continue
		}
		out = append(out, dir)
	}
	return out
}

func exists(fsys fs.FS, p string) bool {
	_, err := fs.Stat(fsys, p)
	return err == nil
}

func isDir(fsys fs.FS, p string) bool {
	st, err := fs.Stat(fsys, p)
	return err == nil && st.IsDir()
}

// providerPins are the fleet's provider versions with the line of each in .fleetctl.yaml (0 for a
// version the file does not write).
func providerPins(f *fleet.Fleet) []rules.ProviderPin {
	p := f.Config.Providers
	pins := []rules.ProviderPin{{Name: "clusterAPI", Version: p.ClusterAPI}, {Name: "capz", Version: p.CAPZ},
		{Name: "aso", Version: p.ASO}, {Name: "flux", Version: p.Flux}}
	src, err := fs.ReadFile(f.FS, config.FileName)
	if err != nil {
		return pins
	}
	providers, err := yamledit.Lookup(src, 0, []string{"providers"})
	if err != nil || providers == nil || providers.Kind != yaml.MappingNode {
		return pins
	}
	for i := range pins {
		for j := 0; j+1 < len(providers.Content); j += 2 {
			if providers.Content[j].Value == pins[i].Name {
				pins[i].Line = providers.Content[j].Line
			}
		}
	}
	return pins
}
