package fleet

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/fleetctl/fleetctl/pkg/chart"
	"github.com/fleetctl/fleetctl/pkg/fsview"
)

// chartCache loads the repo's chart once per Fleet.
type chartCache struct {
	once  sync.Once
	chart *chart.Chart
	err   error
}

// Chart returns the repo's cluster chart (the one Flux will render) as the view has it, loaded once.
func (f *Fleet) Chart() (*chart.Chart, error) {
	f.chart.once.Do(func() {
		f.chart.chart, f.chart.err = chart.Load(f.FS, f.ChartDir())
		if f.chart.err != nil {
			f.chart.err = fmt.Errorf("cluster chart %s: %w", f.ChartDir(), f.chart.err)
		}
	})
	return f.chart.chart, f.chart.err
}

// BuildKustomization builds the kustomization folder dir (repo-relative) of the view with
// kustomize's library, as kustomize-controller does, and returns the build error on one line.
func (f *Fleet) BuildKustomization(dir string) error {
	_, err := f.build(dir)
	return err
}

func (f *Fleet) build(dir string) (resmap.ResMap, error) {
	return build(fsview.Kustomize(f.FS), "/"+dir)
}

func build(fsys filesys.FileSystem, dir string) (resmap.ResMap, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(fsys, dir)
	if err != nil {
		// kustomize names files by their path in the view, "/capi/...": give them back as repo paths.
		msg := strings.Join(strings.Fields(err.Error()), " ")
		return nil, errors.New(fsview.RepoPaths(msg))
	}
	return rm, nil
}

// CheckClusterBuild builds the folder of cluster name and checks that the HelmRelease's valuesFrom
// names the generated, hash-suffixed values ConfigMap.
func (f *Fleet) CheckClusterBuild(name string) error {
	rm, err := f.build(f.ClusterDir(name))
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
