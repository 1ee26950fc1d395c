package printer

import (
	"fmt"
	"io"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/status"
)

// StatusFormats are the words `fleetctl status -o` takes.
var StatusFormats = []string{"table", "wide", "json", "yaml"}

// Statuses prints cluster statuses as a table or a wide table (docs/status.md says what each
// column means). RECONCILED is "-" when the list has no repo commit to compare with.
func Statuses(w io.Writer, format string, list *status.ClusterStatusList) error {
	header := []string{"NAME", "READY", "REVISION", "RECONCILED", "PHASE", "VERSION", "POOLS", "DRIFT"}
	if format == "wide" {
		header = append(header, "RELEASE", "CLUSTER", "POOL VERSIONS")
	}
	rows := make([][]string, 0, len(list.Items))
	for _, c := range list.Items {
		row := []string{c.Name, trueFalse(c.Ready), revision(c), reconciled(list.Revision, c), phase(c), controlPlaneVersion(c), poolCounts(c), driftCell(c)}
		if format == "wide" {
			row = append(row, releaseReason(c), clusterReason(c), poolVersions(c))
		}
		rows = append(rows, row)
	}
	return table(w, header, rows)
}

func trueFalse(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// revision is the commit the deployed release was built from, else its chart version.
func revision(c status.ClusterStatus) string {
	h := c.HelmRelease
	switch {
	case h == nil:
		return "-"
	case h.Commit != "":
		return h.Commit
	}
	return dash(h.ChartVersion)
}

func reconciled(rev string, c status.ClusterStatus) string {
	if rev == "" {
		return "-"
	}
	return yesNo(c.Reconciled)
}

func phase(c status.ClusterStatus) string {
	if c.Cluster == nil {
		return "-"
	}
	return dash(c.Cluster.Phase)
}

// controlPlaneVersion is the version the control plane reports, followed by the one it is asked
// for when they differ (an upgrade in progress): v1.36.3->v1.37.0.
func controlPlaneVersion(c status.ClusterStatus) string {
	cp := c.ControlPlane
	switch {
	case cp == nil:
		return "-"
	case cp.StatusVersion == "":
		return dash(cp.Version) + " (not reported)"
	case cp.Version != "" && cp.Version != cp.StatusVersion:
		return cp.StatusVersion + "->" + cp.Version
	}
	return cp.StatusVersion
}

// poolCounts is ready/desired nodes over every pool; desired is spec.replicas, or what the pool
// reports when the autoscaler has not written it yet.
func poolCounts(c status.ClusterStatus) string {
	if len(c.NodePools) == 0 {
		return "-"
	}
	var ready, desired int64
	for _, p := range c.NodePools {
		ready += p.ReadyReplicas
		if p.Replicas != nil {
			desired += *p.Replicas
		} else {
			desired += p.StatusReplicas
		}
	}
	return fmt.Sprintf("%d/%d", ready, desired)
}

func driftCell(c status.ClusterStatus) string {
	switch {
	case c.Presence == status.NotApplied:
		return "not applied"
	case c.Presence == status.NotInRepo:
		return "not in repo"
	case c.Error != "":
		return "unreadable"
	case len(c.Drift) == 0:
		return "-"
	}
	return fmt.Sprint(len(c.Drift))
}

func releaseReason(c status.ClusterStatus) string {
	if c.HelmRelease == nil {
		return "-"
	}
	r := c.HelmRelease.Ready
	s := dash(r.Reason)
	if !c.HelmRelease.Observed {
		s += " (stale)"
	}
	return s
}

// clusterReason is the Cluster's health condition as Type=Status, with its reason when not true.
func clusterReason(c status.ClusterStatus) string {
	h, ok := c.Cluster.Health()
	if !ok {
		return "-"
	}
	s := h.Type + "=" + h.Status
	if h.Status != "True" && h.Reason != "" {
		s += " (" + h.Reason + ")"
	}
	return s
}

func poolVersions(c status.ClusterStatus) string {
	if len(c.NodePools) == 0 {
		return "-"
	}
	parts := make([]string, len(c.NodePools))
	for i, p := range c.NodePools {
		parts[i] = p.Name + ":" + dash(p.Version)
	}
	return strings.Join(parts, ",")
}

// StatusDrift prints each cluster's drift, field by field, under the table of -o wide.
func StatusDrift(w io.Writer, list *status.ClusterStatusList) error {
	var rows [][]string
	for _, c := range list.Items {
		for _, d := range c.Drift {
			rows = append(rows, []string{c.Name, d.Field, none(d.Repo), none(d.Server), d.Object})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	return table(w, []string{"CLUSTER", "FIELD", "REPO", "SERVER", "OBJECT"}, rows)
}

func none(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
