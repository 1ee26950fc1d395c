package fleet

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"sort"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/config"
	"github.com/fleetctl/fleetctl/pkg/render"
	"github.com/fleetctl/fleetctl/templates"
)

// ManagementFile is the file, inside paths.management, holding the management side's Flux objects.
const ManagementFile = "fleet-clusters.yaml"

type skeletonData struct {
	Namespace, Interval                           render.Scalar
	ManagementPath, ClustersPath, ChartPath       render.Scalar
	InfraPath, FluxInstallPath, CredentialsSecret render.Scalar
	ClusterAPIVersion, CAPZVersion, ASOVersion    render.Scalar
	FluxVersion                                   render.Scalar
	Source                                        struct{ Kind, Name, Namespace render.Scalar }
	Config                                        configData
}

type configData struct {
	APIVersion, Kind, Location, KubernetesVersion, Namespace            render.Scalar
	NetworkPlugin, NetworkPolicy, ServiceCIDR, SKUTier                  render.Scalar
	CredentialsSecret, BranchPrefix, ChartPath, Interval                render.Scalar
	Remote                                                              render.Scalar
	Push                                                                bool
	SourceKind, SourceName, SourceNamespace                             render.Scalar
	ClustersPath, ManagementPath, InfraPath, FluxInstallPath, Templates render.Scalar
	ClusterAPI, CAPZ, ASO, Flux, Contract                               render.Scalar
	VersionsFile                                                        render.Scalar
	VMSizes                                                             []render.Scalar
	NodePools                                                           []poolData
}

// configFile renders .fleetctl.yaml from the configuration and checks it reads back as exactly that.
func (f *Fleet) configFile(d skeletonData) ([]byte, error) {
	cfg := f.Config
	s := func(v string) render.Scalar { return render.Scalar(v) }
	d.Config = configData{
		APIVersion: s(cfg.APIVersion), Kind: s(cfg.Kind), Location: s(cfg.Defaults.Location),
		KubernetesVersion: s(cfg.Defaults.KubernetesVersion), Namespace: s(cfg.Defaults.Namespace),
		NetworkPlugin: s(cfg.Defaults.NetworkPlugin), NetworkPolicy: s(cfg.Defaults.NetworkPolicy),
		ServiceCIDR: s(cfg.Defaults.ServiceCIDR), SKUTier: s(cfg.Defaults.SKUTier),
		CredentialsSecret: s(cfg.Defaults.CredentialsSecret), BranchPrefix: s(cfg.Git.BranchPrefix), Remote: s(cfg.Git.Remote), Push: cfg.Git.Push,
		ChartPath: s(cfg.Chart.Path), Interval: s(cfg.Chart.Interval), SourceKind: s(cfg.Chart.SourceRef.Kind),
		SourceName: s(cfg.Chart.SourceRef.Name), SourceNamespace: s(cfg.Chart.SourceRef.Namespace),
		ClustersPath: s(cfg.Paths.Clusters), ManagementPath: s(cfg.Paths.Management), InfraPath: s(cfg.Paths.Infra),
		FluxInstallPath: s(cfg.Paths.FluxInstall), Templates: s(cfg.Paths.Templates),
		ClusterAPI: s(cfg.Providers.ClusterAPI), CAPZ: s(cfg.Providers.CAPZ), ASO: s(cfg.Providers.ASO), Flux: s(cfg.Providers.Flux),
		Contract:     s(cfg.Providers.Contract),
		VersionsFile: s(cfg.Support.VersionsFile),
	}
	for _, v := range cfg.Support.VMSizes {
		d.Config.VMSizes = append(d.Config.VMSizes, s(v))
	}
	for _, p := range cfg.Defaults.NodePools {
		d.Config.NodePools = append(d.Config.NodePools, toPoolData(p))
	}
	b, err := f.engine.Render(templates.FleetConfig, d, 1)
	if err != nil {
		return nil, err
	}
	back, err := config.Decode(config.FileName, b)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", templates.FleetConfig, err)
	}
	if !reflect.DeepEqual(back, cfg) {
		return nil, fmt.Errorf("template %s: the rendered file does not read back as the configuration", templates.FleetConfig)
	}
	return b, nil
}

// SkeletonFiles renders every file init writes: the config, the management side, the empty list of
// clusters, the chart, the infra folders and a README. Paths are repo-relative and sorted.
func (f *Fleet) SkeletonFiles() ([]render.File, error) {
	cfg := f.Config
	s := func(v string) render.Scalar { return render.Scalar(v) }
	d := skeletonData{
		Namespace: s(cfg.Defaults.Namespace), Interval: s(cfg.Chart.Interval),
		ManagementPath: s(config.RepoPath(cfg.Paths.Management)), ClustersPath: s(config.FluxPath(cfg.Paths.Clusters)),
		ChartPath: s(config.RepoPath(cfg.Chart.Path)), InfraPath: s(config.FluxPath(cfg.Paths.Infra)),
		FluxInstallPath: s(config.RepoPath(cfg.Paths.FluxInstall)), CredentialsSecret: s(cfg.Defaults.CredentialsSecret),
		ClusterAPIVersion: s(cfg.Providers.ClusterAPI), CAPZVersion: s(cfg.Providers.CAPZ),
		ASOVersion: s(cfg.Providers.ASO), FluxVersion: s(cfg.Providers.Flux),
	}
	d.Source.Kind, d.Source.Name, d.Source.Namespace = s(cfg.Chart.SourceRef.Kind), s(cfg.Chart.SourceRef.Name), s(cfg.Chart.SourceRef.Namespace)

	conf, err := f.configFile(d)
	if err != nil {
		return nil, err
	}
	files := []render.File{{Path: config.FileName, Content: conf}}
	infra := config.RepoPath(cfg.Paths.Infra)
	fluxInstall := config.RepoPath(cfg.Paths.FluxInstall)
	for _, t := range []struct {
		tmpl, path string
		docs       int
	}{
		{templates.FleetReadme, "README.md", 0},
		{templates.FleetManagement, path.Join(config.RepoPath(cfg.Paths.Management), ManagementFile), 2},
		{templates.FleetClusters, f.ClustersKustomization(), 1},
		{templates.FleetInfraKustomize, path.Join(infra, KustomizationFile), 1},
		{templates.FleetInfraIngress, path.Join(infra, "ingress-nginx.yaml"), 3},
		{templates.FleetFluxKustomization, path.Join(fluxInstall, KustomizationFile), 1},
		{templates.FleetFluxReadme, path.Join(fluxInstall, "README.md"), 0},
	} {
		b, err := f.engine.Render(t.tmpl, d, t.docs)
		if err != nil {
			return nil, err
		}
		files = append(files, render.File{Path: t.path, Content: b})
	}
	chartFiles, err := ChartFiles(f.ChartDir())
	if err != nil {
		return nil, err
	}
	files = append(files, chartFiles...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// ChartFiles returns the embedded cluster chart, placed under dir.
func ChartFiles(dir string) ([]render.File, error) {
	var files []render.File
	err := fs.WalkDir(templates.FS, templates.ChartDir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templates.FS, p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, templates.ChartDir+"/")
		files = append(files, render.File{Path: path.Join(dir, rel), Content: b})
		return nil
	})
	return files, err
}

// SameContent reports whether two file contents are equal, ignoring a CRLF/LF difference (a checkout
// with core.autocrlf must not look "changed by the user").
func SameContent(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	return bytes.Equal(bytes.ReplaceAll(a, []byte("\r\n"), []byte("\n")), bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")))
}
