package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ChartLabels are the labels the cluster chart sets on the CAPI Cluster itself; a cluster label
// cannot take one of these keys.
var ChartLabels = []string{
	"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by",
	"helm.sh/chart", "cluster.x-k8s.io/cluster-name",
}

// CheckClusterLabel checks one label of a cluster (values.labels, put on the CAPI Cluster): a
// Kubernetes label, not one the chart sets and not in Cluster API's own prefix.
func CheckClusterLabel(scope, k, v string) error {
	if err := checkLabel(scope, k, v); err != nil {
		return err
	}
	if slices.Contains(ChartLabels, k) {
		return fieldErr(scope, "label key", k, "is set by the cluster chart on every cluster; choose another key")
	}
	if prefix, _, ok := strings.Cut(k, "/"); ok && (prefix == "cluster.x-k8s.io" || strings.HasSuffix(prefix, ".cluster.x-k8s.io")) {
		return fieldErr(scope, "label key", k, "is in the cluster.x-k8s.io prefix, which Cluster API reserves for its own labels")
	}
	return nil
}

// ValidateLabels checks every cluster label, in key order.
func ValidateLabels(scope string, labels map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if err := CheckClusterLabel(scope, k, labels[k]); err != nil {
			return err
		}
	}
	return nil
}

// ParseClusterLabels reads --label values (key=value) into a map; a key given twice with different
// values is an error.
func ParseClusterLabels(flag string, vals []string) (map[string]string, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, s := range vals {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fieldErr("", flag, s, "must be key=value, e.g. ring=canary")
		}
		if err := CheckClusterLabel("", k, v); err != nil {
			return nil, err
		}
		if old, dup := out[k]; dup && old != v {
			return nil, fieldErr("", flag, s, fmt.Sprintf("sets label %s twice (%s=%s before)", k, k, old))
		}
		out[k] = v
	}
	return out, nil
}

// LabelChange is what `cluster label` asks for: labels to set and keys to remove.
type LabelChange struct {
	Set    map[string]string
	Remove []string
}

// ParseLabelChange reads `cluster label` arguments as kubectl label does: key=value sets, key-
// removes. A key both set and removed is an error.
func ParseLabelChange(args []string) (LabelChange, error) {
	var lc LabelChange
	var sets []string
	for _, a := range args {
		if k, ok := strings.CutSuffix(a, "-"); ok && !strings.Contains(a, "=") {
			if err := checkLabel("", k, ""); err != nil {
				return lc, err
			}
			lc.Remove = append(lc.Remove, k)
			continue
		}
		sets = append(sets, a)
	}
	set, err := ParseClusterLabels("label", sets)
	if err != nil {
		return lc, err
	}
	lc.Set = set
	for _, k := range lc.Remove {
		if _, ok := set[k]; ok {
			return lc, fieldErr("", "label", k, "is both set and removed")
		}
	}
	return lc, nil
}
