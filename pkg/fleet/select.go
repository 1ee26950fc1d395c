package fleet

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// ParseSelector reads a label selector in kubectl's syntax (env=prod,ring in (early,broad),!canary)
// with the Kubernetes labels library; "" selects every cluster.
func ParseSelector(s string) (labels.Selector, error) {
	sel, err := labels.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("selector %q: %s", s, strings.TrimPrefix(err.Error(), "unable to parse requirement: "))
	}
	return sel, nil
}

// Selected is one cluster a selector matched, with its summary.
type Selected struct {
	Summary
	Labels labels.Set
}

// Select returns the clusters whose labels the selector matches, sorted by name. A folder that cannot
// be read is an error: a fleet-wide change must not silently leave a cluster out.
func (f *Fleet) Select(sel labels.Selector) ([]Selected, error) {
	folders, err := f.ClusterFolders()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.ClustersDir(), err)
	}
	var out []Selected
	for _, s := range f.Summaries(folders) {
		if s.Err != "" {
			return nil, fmt.Errorf("cluster %s cannot be read, so the selector cannot tell whether it matches: %s", s.Name, s.Err)
		}
		set := labels.Set(s.Values.Labels)
		if sel.Matches(set) {
			out = append(out, Selected{Summary: s, Labels: set})
		}
	}
	return out, nil
}
