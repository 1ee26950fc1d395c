// Package status joins what the fleet repo says about each cluster with what the management
// cluster's API server holds: the Flux HelmRelease of the cluster chart, the Cluster API and CAPZ
// objects it rendered, and the fields where the two disagree (drift). It only reads: every request
// it makes is a get or a list, one list per kind for the whole namespace, joined in memory.
//
// The shape of ClusterStatusList is versioned with fleet.InfoAPIVersion (docs/status.md): fields
// are only ever added within a version.
package status

import (
	"slices"
	"time"
)

// Kind is the kind of the document `fleetctl status -o json|yaml` prints.
const Kind = "ClusterStatusList"

// ClusterStatusList is the status of the selected clusters, sorted by name.
type ClusterStatusList struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Server is the URL of the API server read ("" when the caller does not say).
	Server string `json:"server,omitempty"`
	// Namespace is the clusters' namespace (defaults.namespace).
	Namespace string `json:"namespace"`
	// Revision is the repo commit the clusters are compared with (the checkout's HEAD); "" when the
	// repo is not a git repository.
	Revision string `json:"revision,omitempty"`
	// Source is the Flux source the cluster chart comes from, as the API server has it; nil when it
	// cannot be read.
	Source *Source         `json:"source,omitempty"`
	Items  []ClusterStatus `json:"items"`
	// Warnings say what could not be read (a kind the server does not serve, a list it forbids).
	Warnings []string `json:"warnings,omitempty"`
}

// Source is the Flux source of the cluster chart (chart.sourceRef in .fleetctl.yaml).
type Source struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Revision is the artifact it serves, e.g. main@sha1:<commit>.
	Revision string     `json:"revision,omitempty"`
	Ready    *Condition `json:"ready,omitempty"`
}

// Presence says where a cluster exists.
type Presence string

const (
	// Applied: in the repo, and the server has at least one of its objects.
	Applied Presence = "Applied"
	// NotApplied: in the repo, but the server has none of its objects yet.
	NotApplied Presence = "NotApplied"
	// NotInRepo: objects on the server whose cluster has no folder in the repo.
	NotInRepo Presence = "NotInRepo"
)

// ClusterStatus is one cluster.
type ClusterStatus struct {
	Name     string   `json:"name"`
	Presence Presence `json:"presence"`
	// Listed says whether capi/clusters/kustomization.yaml lists the folder (Flux applies only those).
	Listed bool `json:"listed"`
	// Labels are the repo's cluster labels (the server's Cluster labels for NotInRepo).
	Labels map[string]string `json:"labels,omitempty"`
	// Ready: the HelmRelease is Ready (for its current generation) and the CAPI Cluster is
	// Available (Ready where the server has no Available condition).
	Ready bool `json:"ready"`
	// ReadySince is the latest transition among those conditions, when Ready.
	ReadySince time.Time `json:"readySince,omitzero"`
	// Reconciled: the release on the server was built from the repo's commit (Revision).
	Reconciled   bool                `json:"reconciled"`
	HelmRelease  *HelmReleaseStatus  `json:"helmRelease,omitempty"`
	Cluster      *CAPIClusterStatus  `json:"cluster,omitempty"`
	ControlPlane *ControlPlaneStatus `json:"controlPlane,omitempty"`
	// NodePools are the cluster's MachinePools on the server, by pool name.
	NodePools []PoolStatus `json:"nodePools"`
	// Drift lists, field by field, where the repo and the objects' spec on the server disagree.
	Drift []Drift `json:"drift"`
	// Error says why the cluster's folder cannot be read (drift is then not computed).
	Error string `json:"error,omitempty"`
}

// Condition is a Kubernetes status condition.
type Condition struct {
	Type               string    `json:"type"`
	Status             string    `json:"status"`
	Reason             string    `json:"reason,omitempty"`
	Message            string    `json:"message,omitempty"`
	LastTransitionTime time.Time `json:"lastTransitionTime,omitzero"`
}

// HelmReleaseStatus is the Flux HelmRelease of the cluster chart.
type HelmReleaseStatus struct {
	// Ready is the Ready condition (status Unknown when the controller has not set one).
	Ready Condition `json:"ready"`
	// Observed: the controller has reconciled the current generation (status.observedGeneration).
	Observed bool `json:"observed"`
	// ChartVersion is the chart version of the release deployed now (status.history), e.g.
	// 0.2.0+0123456789ab: with reconcileStrategy Revision the build metadata is the commit.
	ChartVersion string `json:"chartVersion,omitempty"`
	// Commit is the abbreviated commit ChartVersion was built from.
	Commit string `json:"commit,omitempty"`
	// LastAttemptedRevision is the chart version of the last attempt, successful or not.
	LastAttemptedRevision string `json:"lastAttemptedRevision,omitempty"`
	// HelmChart is the HelmChart the controller made for the release (namespace/name).
	HelmChart string `json:"helmChart,omitempty"`
	// SourceRevision is the source artifact the HelmChart was last built from.
	SourceRevision string `json:"sourceRevision,omitempty"`
}

// CAPIClusterStatus is the Cluster API Cluster.
type CAPIClusterStatus struct {
	// APIVersion is the version it was read at: cluster.x-k8s.io/v1beta2, or v1beta1 on a server
	// that serves only that.
	APIVersion string      `json:"apiVersion"`
	Phase      string      `json:"phase,omitempty"`
	Conditions []Condition `json:"conditions,omitempty"`
}

// Health is the condition that says whether the Cluster is healthy: Available (v1beta2), or Ready
// on a Cluster that has no Available condition (CAPI before v1.9 at v1beta1).
func (c *CAPIClusterStatus) Health() (Condition, bool) {
	if c == nil {
		return Condition{}, false
	}
	return clusterHealth(c.Conditions)
}

// ControlPlaneStatus is the AzureASOManagedControlPlane.
type ControlPlaneStatus struct {
	// Version is spec.version (what the chart asks for); StatusVersion status.version (what CAPZ
	// reports AKS runs).
	Version       string `json:"version,omitempty"`
	StatusVersion string `json:"statusVersion,omitempty"`
	Ready         bool   `json:"ready"`
	Initialized   bool   `json:"initialized"`
}

// PoolStatus is one MachinePool (<cluster>-<pool>).
type PoolStatus struct {
	Name   string `json:"name"`
	Object string `json:"object"`
	// Replicas is spec.replicas (nil: not set).
	Replicas *int64 `json:"replicas,omitempty"`
	// Autoscale is the autoscaler's bounds from the MachinePool's annotations.
	Autoscale      *Bounds `json:"autoscale,omitempty"`
	StatusReplicas int64   `json:"statusReplicas"`
	ReadyReplicas  int64   `json:"readyReplicas"`
	// Version is spec.template.spec.version; StatusVersions the versions status.versions reports.
	Version        string   `json:"version,omitempty"`
	StatusVersions []string `json:"statusVersions,omitempty"`
	Phase          string   `json:"phase,omitempty"`
}

// Bounds are autoscaler bounds.
type Bounds struct {
	Min int64 `json:"min"`
	Max int64 `json:"max"`
}

// Drift is one field where the repo and the server disagree.
type Drift struct {
	// Field is the values path (kubernetesVersion, nodePools.system.count, labels.ring), or
	// "objects" for an object the chart renders that the server does not have.
	Field string `json:"field"`
	// Repo and Server are the two values; "" when a side has none.
	Repo   string `json:"repo"`
	Server string `json:"server"`
	// Object is the server object and field compared, e.g. "MachinePool atlantic-aks-system spec.replicas".
	Object string `json:"object"`
}

// HealthyFor is how long the cluster has been Ready at now; 0 when it is not.
func (c ClusterStatus) HealthyFor(now time.Time) time.Duration {
	if !c.Ready || c.ReadySince.IsZero() || now.Before(c.ReadySince) {
		return 0
	}
	return now.Sub(c.ReadySince)
}

// AtVersion reports whether the server has the cluster at version v: the control plane asks for
// and reports v, and every MachinePool asks for v and reports no other version.
func (c ClusterStatus) AtVersion(v string) bool {
	cp := c.ControlPlane
	if cp == nil || cp.Version != v || cp.StatusVersion != v || len(c.NodePools) == 0 {
		return false
	}
	for _, p := range c.NodePools {
		if p.Version != v || slices.ContainsFunc(p.StatusVersions, func(s string) bool { return s != v }) {
			return false
		}
	}
	return true
}
