package fleet

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/fleetctl/fleetctl/pkg/chart"
	"github.com/fleetctl/fleetctl/pkg/render"
	"github.com/fleetctl/fleetctl/pkg/spec"
)

// chartCache loads the repo's chart once per Fleet.
type chartCache struct {
	once  sync.Once
	chart *chart.Chart
	err   error
}

// Chart returns the repo's cluster chart (the one Flux will render), loaded once.
func (f *Fleet) Chart() (*chart.Chart, error) {
	f.chart.once.Do(func() {
		f.chart.chart, f.chart.err = chart.Load(os.DirFS(f.Root), f.ChartDir())
		if f.chart.err != nil {
			f.chart.err = fmt.Errorf("cluster chart %s: %w", f.ChartDir(), f.chart.err)
		}
	})
	return f.chart.chart, f.chart.err
}

// CheckCluster is the check a write command runs on a cluster folder before it writes or commits:
// the folder builds with kustomize as kustomize-controller would (the values ConfigMap and the
// HelmRelease reference stay in step), and the chart renders with its values into the expected
// CAPI/CAPZ/Flux objects. The full validator plugs in here.
func (f *Fleet) CheckCluster(c spec.Cluster, files []render.File) error {
	var values []byte
	for _, file := range files {
		if path.Base(file.Path) == ValuesFile {
			values = file.Content
		}
	}
	if values == nil {
		return fmt.Errorf("cluster %q: no %s rendered", c.Name, ValuesFile)
	}
	if err := f.checkKustomizeBuild(c.Name, files); err != nil {
		return fmt.Errorf("cluster %q: kustomize build: %w", c.Name, err)
	}
	var vals map[string]any
	if err := yaml.Unmarshal(values, &vals); err != nil {
		return fmt.Errorf("cluster %q: %s: %w", c.Name, ValuesFile, err)
	}
	ch, err := f.Chart()
	if err != nil {
		return err
	}
	objs, err := ch.Render(vals, c.Name, f.Config.Defaults.Namespace)
	if err != nil {
		return fmt.Errorf("cluster %q: chart %s: %w", c.Name, f.ChartDir(), err)
	}
	pools := make([]string, len(c.NodePools))
	for i, p := range c.NodePools {
		pools[i] = p.Name
	}
	if err := chart.CheckShapes(objs, pools); err != nil {
		return fmt.Errorf("cluster %q: rendered chart: %w", c.Name, err)
	}
	return nil
}

// checkKustomizeBuild builds the cluster folder in memory with kustomize's library.
func (f *Fleet) checkKustomizeBuild(name string, files []render.File) error {
	fsys := filesys.MakeFsInMemory()
	dir := "/" + f.ClusterDir(name)
	for _, file := range files {
		if err := fsys.WriteFile("/"+file.Path, file.Content); err != nil {
			return err
		}
	}
	return CheckClusterBuild(fsys, dir, name)
}

// BuildKustomization builds a kustomization folder with kustomize's library, as kustomize-controller
// does, and returns the build error on one line.
func BuildKustomization(fsys filesys.FileSystem, dir string) error {
	_, err := build(fsys, dir)
	return err
}

func build(fsys filesys.FileSystem, dir string) (resmap.ResMap, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(fsys, dir)
	if err != nil {
		return nil, errors.New(strings.Join(strings.Fields(err.Error()), " "))
	}
	return rm, nil
}

// CheckClusterBuild builds a cluster folder and checks that the HelmRelease's valuesFrom names the
// generated, hash-suffixed values ConfigMap.
func CheckClusterBuild(fsys filesys.FileSystem, dir, name string) error {
	rm, err := build(fsys, dir)
	if err != nil {
		return err
	}
	var cmName, ref string
	for _, r := range rm.Resources() {
		switch r.GetKind() {
		case "ConfigMap":
			if strings.HasPrefix(r.GetName(), ValuesConfigMapName(name)) {
				cmName = r.GetName()
			}
		case "HelmRelease":
			m, err := r.Map()
			if err != nil {
				return err
			}
			spec, _ := m["spec"].(map[string]any)
			from, _ := spec["valuesFrom"].([]any)
			for _, v := range from {
				if e, ok := v.(map[string]any); ok && e["kind"] == "ConfigMap" {
					ref, _ = e["name"].(string)
				}
			}
		}
	}
	switch {
	case ref == "":
		return nil // no ConfigMap valuesFrom: nothing to keep in step (the schema check covers the field)
	case cmName == "":
		return fmt.Errorf("no values ConfigMap %s-<hash> generated", ValuesConfigMapName(name))
	case ref != cmName:
		return fmt.Errorf("HelmRelease valuesFrom names ConfigMap %q but kustomize generated %q: the nameReference configuration is missing", ref, cmName)
	}
	return nil
}

// CheckValues renders the chart with the cluster's values as its files now give them (edits not yet
// written included) and checks the objects' shapes: the in-memory check of a --dry-run edit.
func (f *Fleet) CheckValues(s *ClusterSource) error {
	ch, err := f.Chart()
	if err != nil {
		return err
	}
	objs, err := ch.Render(s.Effective(), s.Name, f.Config.Defaults.Namespace)
	if err != nil {
		return fmt.Errorf("cluster %q: chart %s: %w", s.Name, f.ChartDir(), err)
	}
	pools := make([]string, len(s.Cluster.NodePools))
	for i, p := range s.Cluster.NodePools {
		pools[i] = p.Name
	}
	if err := chart.CheckShapes(objs, pools); err != nil {
		return fmt.Errorf("cluster %q: rendered chart: %w", s.Name, err)
	}
	return nil
}
