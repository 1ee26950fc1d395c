// Package templates embeds the files fleetctl writes: the cluster chart (chart/, copied verbatim by
// init), the fleet repo skeleton (fleet/) and the per-cluster files (cluster/). The fleet/ and cluster/
// files are Go text/templates whose data holds only YAML-safe scalars; a repo can override any of them
// by putting a file of the same relative name in the folder named by paths.templates in .fleetctl.yaml.
package templates

import "embed"

// FS holds every template. Chart files are under chart/aks-cluster/.
//
//go:embed all:chart all:fleet all:cluster
var FS embed.FS

// Names of the per-cluster and fleet templates, relative to FS.
const (
	ClusterKustomization   = "cluster/kustomization.yaml.tmpl"
	ClusterHelmRelease     = "cluster/helmrelease.yaml.tmpl"
	ClusterValues          = "cluster/values.yaml.tmpl"
	ClusterKustomizeConfig = "cluster/kustomizeconfig.yaml.tmpl"

	FleetConfig            = "fleet/fleetctl.yaml.tmpl"
	FleetReadme            = "fleet/README.md.tmpl"
	FleetManagement        = "fleet/management.yaml.tmpl"
	FleetClusters          = "fleet/clusters-kustomization.yaml.tmpl"
	FleetInfraKustomize    = "fleet/infra-kustomization.yaml.tmpl"
	FleetInfraIngress      = "fleet/infra-ingress-nginx.yaml.tmpl"
	FleetFluxKustomization = "fleet/flux-system-kustomization.yaml.tmpl"
	FleetFluxReadme        = "fleet/flux-system-README.md.tmpl"

	// ChartDir is the chart's folder inside FS.
	ChartDir = "chart/aks-cluster"
)
