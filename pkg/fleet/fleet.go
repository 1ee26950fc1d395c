// Package fleet knows the layout of a fleet repo and renders its files: the skeleton that init writes
// and the folder of one cluster. It reads the repo through a view (an fs.FS: the working tree, a
// revision, or either with pending changes on top) and never writes to disk.
package fleet

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/render"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/templates"
)

// File names inside a cluster folder.
const (
	KustomizationFile   = "kustomization.yaml"
	HelmReleaseFile     = "helmrelease.yaml"
	ValuesFile          = "values.yaml"
	KustomizeConfigFile = "kustomizeconfig.yaml"
)

// Fleet is a fleet repo seen through a view, with its configuration.
type Fleet struct {
	// Root is the working tree's folder (where changes are written); FS is the view every read goes
	// through: os.DirFS(Root) unless WithFS says otherwise.
	Root   string
	FS     fs.FS
	Config config.Config
	// Cache, when set, keeps cluster summaries by content (see Summary).
	Cache  SummaryCache
	engine *render.Engine
	chart  *chartCache
}

// New returns the fleet whose working tree is at root, read from the working tree. Templates come
// from the embedded set, overridden file by file by the repo's paths.templates folder when the
// config names one.
func New(root string, cfg config.Config) (*Fleet, error) {
	return NewFS(root, os.DirFS(root), cfg)
}

// NewFS returns the fleet at root read through view.
func NewFS(root string, view fs.FS, cfg config.Config) (*Fleet, error) {
	var override fs.FS
	if cfg.Paths.Templates != "" {
		dir := config.RepoPath(cfg.Paths.Templates)
		st, err := fs.Stat(view, dir)
		if err != nil || !st.IsDir() {
			return nil, fmt.Errorf("paths.templates %q: folder not found in the repo", cfg.Paths.Templates)
		}
		if override, err = fs.Sub(view, dir); err != nil {
			return nil, err
		}
	}
	return &Fleet{Root: root, FS: view, Config: cfg, engine: render.New(templates.FS, override), chart: &chartCache{}}, nil
}

// WithFS returns the same fleet read through another view (its chart is loaded again from it).
func (f *Fleet) WithFS(view fs.FS) *Fleet {
	g := *f
	g.FS = view
	g.chart = &chartCache{}
	return &g
}

// ClustersDir is the repo-relative folder holding one folder per cluster.
func (f *Fleet) ClustersDir() string { return config.RepoPath(f.Config.Paths.Clusters) }

// ClustersKustomization is the repo-relative path of the list of cluster folders.
func (f *Fleet) ClustersKustomization() string {
	return path.Join(f.ClustersDir(), KustomizationFile)
}

// ClusterOf returns the cluster whose folder holds the repo path p (or is p), or "".
func (f *Fleet) ClusterOf(p string) string {
	rest, ok := strings.CutPrefix(p, f.ClustersDir()+"/")
	if !ok {
		return ""
	}
	name, _, inside := strings.Cut(rest, "/")
	if !inside {
		return "" // a file beside the cluster folders, such as the list of clusters
	}
	return name
}

// ClusterDir is the repo-relative folder of one cluster.
func (f *Fleet) ClusterDir(name string) string { return path.Join(f.ClustersDir(), name) }

// ChartDir is the repo-relative folder of the cluster chart.
func (f *Fleet) ChartDir() string { return config.RepoPath(f.Config.Chart.Path) }

// NewCluster returns a cluster spec filled with the config's defaults for name.
func (f *Fleet) NewCluster(name string) spec.Cluster {
	d := f.Config.Defaults
	c := spec.Cluster{
		Name:              name,
		Location:          d.Location,
		ResourceGroup:     name + "-rg",
		DNSPrefix:         name,
		KubernetesVersion: d.KubernetesVersion,
		SKUTier:           d.SKUTier,
		Network: spec.Network{
			Plugin:      d.NetworkPlugin,
			Policy:      d.NetworkPolicy,
			ServiceCIDR: d.ServiceCIDR,
		},
		CredentialsSecret: d.CredentialsSecret,
		Flux: spec.Flux{
			SourceKind:      f.Config.Chart.SourceRef.Kind,
			SourceName:      f.Config.Chart.SourceRef.Name,
			SourceNamespace: f.Config.Chart.SourceRef.Namespace,
			FluxPath:        config.FluxPath(f.Config.Paths.FluxInstall),
			InfraPath:       config.FluxPath(f.Config.Paths.Infra),
			Interval:        f.Config.Chart.Interval,
		},
	}
	c.NodePools = append(c.NodePools, d.NodePools...)
	return c
}

// DefaultPool returns the config's default pool of that name, if any.
func (f *Fleet) DefaultPool(name string) (spec.NodePool, bool) {
	for _, p := range f.Config.Defaults.NodePools {
		if p.Name == name {
			return p, true
		}
	}
	return spec.NodePool{}, false
}

// ClusterFiles renders the folder of cluster c: kustomization, HelmRelease, values and the kustomize
// configuration of the values-as-ConfigMap pattern. Paths are repo-relative.
func (f *Fleet) ClusterFiles(c spec.Cluster) ([]render.File, error) {
	data := f.clusterData(c)
	dir := f.ClusterDir(c.Name)
	var files []render.File
	for _, t := range []struct{ tmpl, file string }{
		{templates.ClusterKustomization, KustomizationFile},
		{templates.ClusterHelmRelease, HelmReleaseFile},
		{templates.ClusterKustomizeConfig, KustomizeConfigFile},
		{templates.ClusterValues, ValuesFile},
	} {
		b, err := f.engine.Render(t.tmpl, data, 1)
		if err != nil {
			return nil, err
		}
		files = append(files, render.File{Path: path.Join(dir, t.file), Content: b})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// ValuesConfigMapName is the name of the generated ConfigMap holding a cluster's values.
func ValuesConfigMapName(cluster string) string { return cluster + "-values" }

type clusterData struct {
	Name, Namespace, Location, ResourceGroup, DNSPrefix render.Scalar
	KubernetesVersion, SKUTier, CredentialsSecret       render.Scalar
	ValuesConfigMap                                     render.Scalar
	Network                                             networkData
	Chart                                               chartData
	Flux                                                fluxData
	NodePools                                           []poolData
	// Lifecycle.
	AutoUpgradeChannel, NodeOSUpgradeChannel, SupportPlan render.Scalar
	MaintenanceWindows                                    []windowData
	Labels                                                []labelData
}

// windowData is one maintenance window; Name is its MaintenanceConfiguration name.
type windowData struct {
	Name, DayOfWeek, StartTime, UTCOffset render.Scalar
	DurationHours                         render.Int
}

// labelData is one node label.
type labelData struct{ Key, Value render.Scalar }

type networkData struct {
	Plugin, Policy, ServiceCIDR, DNSServiceIP, PodCIDR, OutboundType render.Scalar
}

type chartData struct {
	Path, SourceKind, SourceName, SourceNamespace, Interval render.Scalar
}

type fluxData struct {
	SourceKind, SourceName, SourceNamespace, FluxPath, InfraPath, Interval render.Scalar
}

type poolData struct {
	Name, Mode, VMSize, OSType, OSDiskType render.Scalar
	Count, Min, Max, MaxPods, OSDiskSizeGB *render.Int
	Zones                                  []render.Scalar
	KubernetesVersion                      render.Scalar
	MaxSurge                               render.Scalar
	Labels                                 []labelData
	Taints                                 []render.Scalar
}

// Autoscaled reports whether the autoscaler owns the pool's count.
func (p poolData) Autoscaled() bool { return p.Min != nil || p.Max != nil }

func optInt(p *int) *render.Int {
	if p == nil {
		return nil
	}
	v := render.Int(*p)
	return &v
}

func (f *Fleet) clusterData(c spec.Cluster) clusterData {
	s := func(v string) render.Scalar { return render.Scalar(v) }
	cfg := f.Config
	d := clusterData{
		Name: s(c.Name), Namespace: s(cfg.Defaults.Namespace), Location: s(c.Location),
		ResourceGroup: s(c.ResourceGroup), DNSPrefix: s(c.DNSPrefix), KubernetesVersion: s(c.KubernetesVersion),
		SKUTier: s(c.SKUTier), CredentialsSecret: s(c.CredentialsSecret),
		ValuesConfigMap: s(ValuesConfigMapName(c.Name)),
		Network: networkData{
			Plugin: s(c.Network.Plugin), Policy: s(c.Network.Policy), ServiceCIDR: s(c.Network.ServiceCIDR),
			DNSServiceIP: s(c.Network.DNSServiceIP), PodCIDR: s(c.Network.PodCIDR), OutboundType: s(c.Network.OutboundType),
		},
		Chart: chartData{
			Path: s(config.FluxPath(cfg.Chart.Path)), SourceKind: s(cfg.Chart.SourceRef.Kind),
			SourceName: s(cfg.Chart.SourceRef.Name), SourceNamespace: s(cfg.Chart.SourceRef.Namespace),
			Interval: s(cfg.Chart.Interval),
		},
		Flux: fluxData{
			SourceKind: s(c.Flux.SourceKind), SourceName: s(c.Flux.SourceName), SourceNamespace: s(c.Flux.SourceNamespace),
			FluxPath: s(c.Flux.FluxPath), InfraPath: s(c.Flux.InfraPath), Interval: s(c.Flux.Interval),
		},
	}
	for _, p := range c.NodePools {
		d.NodePools = append(d.NodePools, toPoolData(p))
	}
	d.AutoUpgradeChannel, d.NodeOSUpgradeChannel, d.SupportPlan = s(c.AutoUpgradeChannel), s(c.NodeOSUpgradeChannel), s(c.SupportPlan)
	for _, k := range slices.Sorted(maps.Keys(c.Labels)) {
		d.Labels = append(d.Labels, labelData{Key: s(k), Value: s(c.Labels[k])})
	}
	for _, name := range slices.Sorted(maps.Keys(c.MaintenanceWindows)) {
		w := c.MaintenanceWindows[name]
		d.MaintenanceWindows = append(d.MaintenanceWindows, windowData{Name: s(name), DayOfWeek: s(w.DayOfWeek),
			StartTime: s(w.StartTime), UTCOffset: s(w.UTCOffset), DurationHours: render.Int(w.DurationHours)})
	}
	return d
}

func toPoolData(p spec.NodePool) poolData {
	s := func(v string) render.Scalar { return render.Scalar(v) }
	pd := poolData{
		Name: s(p.Name), Mode: s(p.Mode), VMSize: s(p.VMSize), OSType: s(p.OSType), OSDiskType: s(p.OSDiskType),
		Count: optInt(p.Count), Min: optInt(p.Min), Max: optInt(p.Max), MaxPods: optInt(p.MaxPods),
		OSDiskSizeGB: optInt(p.OSDiskSizeGB), KubernetesVersion: s(p.KubernetesVersion),
	}
	for _, z := range p.Zones {
		pd.Zones = append(pd.Zones, s(z))
	}
	pd.MaxSurge = s(p.MaxSurge)
	for _, k := range slices.Sorted(maps.Keys(p.Labels)) {
		pd.Labels = append(pd.Labels, labelData{Key: s(k), Value: s(p.Labels[k])})
	}
	for _, t := range p.Taints {
		pd.Taints = append(pd.Taints, s(t))
	}
	return pd
}
