// Package engine runs every check of `fleetctl validate` over a fleet repo: YAML syntax, kustomize
// builds, CRD schemas (with CEL) of every object in the repo and of every object the cluster chart
// renders, the AKS and fleet rules, secrets, and changes against a base revision. It reads the disk
// and returns sorted findings; it prints nothing.
package engine

import (
	"io/fs"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/gitrepo"
	"github.com/fleetctl/fleetctl/pkg/schema"
	"github.com/fleetctl/fleetctl/pkg/validate"
	"github.com/fleetctl/fleetctl/pkg/validate/rules"
)

// GCPercent is the garbage collector setting for a validate run: the run allocates many short-lived
// objects (decoded YAML, rendered charts) and keeps little, so collecting less often is faster; a
// memory limit set beside it keeps the heap bounded (see the CLI).
const GCPercent = 400

// Options say what to validate and how strictly.
type Options struct {
	Fleet   *fleet.Fleet
	Schemas *schema.Set
	// Base is the revision to compare with (nil: no comparison).
	Base *gitrepo.Snapshot
	// Strict turns unknown kinds into errors.
	Strict bool
	// Only, when set, limits the per-cluster work to these cluster names (--changed); the fleet-wide
	// rules always run.
	Only map[string]bool
	// Workers is the number of clusters checked in parallel (0: one per CPU).
	Workers int
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
	files, others, err := repoFiles(f)
	if err != nil {
		return Result{}, err
	}
	clustersDir := f.ClustersDir()
	var other []string
	byCluster := map[string][]string{}
	for _, p := range files {
		if rest, ok := strings.CutPrefix(p, clustersDir+"/"); ok && strings.Contains(rest, "/") {
			name := rest[:strings.Index(rest, "/")]
			byCluster[name] = append(byCluster[name], p)
			continue
		}
		other = append(other, p)
	}
	folders := make([]string, 0, len(byCluster))
	for name := range byCluster {
		folders = append(folders, name)
	}
	sort.Strings(folders)

	ch := &checker{opts: o, col: col}
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
	for _, p := range other {
		work <- func() { ch.checkFile(p) }
	}
	for _, p := range others {
		work <- func() { ch.checkSecrets(p) }
	}
	for _, dir := range kustomizeRoots(files, clustersDir) {
		if dir != clustersDir {
			work <- func() { ch.checkKustomizeRoot(dir) }
		}
	}
	facts := make([]*rules.Cluster, len(folders))
	for i, name := range folders {
		work <- func() {
			if o.Only != nil && !o.Only[name] {
				facts[i], _ = ch.clusterFacts(name, byCluster[name], false)
				return
			}
			facts[i] = ch.checkCluster(name, byCluster[name])
		}
	}
	close(work)
	wg.Wait()

	// Fleet-wide rules, in one pass over the compact facts.
	var clusters []rules.Cluster
	for _, c := range facts {
		if c != nil {
			clusters = append(clusters, *c)
		}
	}
	listed, listErr := f.ClusterNames()
	if listErr != nil {
		col.add(validate.Finding{Severity: validate.Error, Rule: "fleet/cluster-list", File: f.ClustersKustomization(),
			Message: listErr.Error(), Fix: "fix the list of cluster folders (resources:) in " + f.ClustersKustomization()})
	} else {
		col.add(rules.FleetRules(clusters, listed, folders, f.ClustersKustomization())...)
	}
	// The clusters root itself is not built: it only lists the cluster folders, each built above, and
	// the list rules check its entries; building it would build every cluster a second time.
	if o.Base != nil {
		col.add(ch.baseChanges(clusters, listed)...)
	}
	validate.Sort(col.findings)
	sort.Strings(col.paths)
	return Result{Findings: col.findings, Files: col.files, Objects: col.objects, Clusters: len(folders), Paths: col.paths}, nil
}

// repoFiles lists the YAML files of the repo that Flux or fleetctl read, repo-relative and sorted,
// and the other files (scanned for secrets only). Helm chart templates (not YAML until rendered), the
// template override folder and .git are skipped for the YAML checks.
func repoFiles(f *fleet.Fleet) (yamlFiles, others []string, err error) {
	var out []string
	skip := map[string]bool{".git": true}
	if t := f.Config.Paths.Templates; t != "" {
		skip[config.RepoPath(t)] = true
	}
	chartTemplates := path.Join(f.ChartDir(), "templates")
	err = filepath.WalkDir(f.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(f.Root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if skip[rel] || (rel != "." && strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(rel, chartTemplates+"/") {
			others = append(others, rel)
			return nil
		}
		if ext := path.Ext(rel); ext == ".yaml" || ext == ".yml" {
			out = append(out, rel)
		} else {
			others = append(others, rel)
		}
		return nil
	})
	sort.Strings(out)
	sort.Strings(others)
	return out, others, err
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
