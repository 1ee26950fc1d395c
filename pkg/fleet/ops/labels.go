package ops

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fleetctl/fleetctl/pkg/change"
	"github.com/fleetctl/fleetctl/pkg/fleet"
	"github.com/fleetctl/fleetctl/pkg/fsx"
	"github.com/fleetctl/fleetctl/pkg/spec"
	"github.com/fleetctl/fleetctl/pkg/yamledit"
)

// LabelRequest is what `cluster label` asks of one cluster or of every cluster a selector matches,
// with kubectl label's rules: a label that exists with another value changes only with Overwrite;
// removing a label a cluster does not have changes nothing.
type LabelRequest struct {
	spec.LabelChange
	Overwrite bool
}

// LabelCluster plans a change of one cluster's labels (values.labels), edited in place: a new labels
// map goes right after name, removing the last label removes the key. The branch is label-NAME.
func (c *Client) LabelCluster(name string, r LabelRequest) (*change.Plan, error) {
	src, err := c.Fleet.LoadCluster(name)
	if err != nil {
		return nil, err
	}
	return c.labelPlan([]*fleet.ClusterSource{src}, "", r, "label-"+name)
}

// LabelSelected plans one change of the labels of every cluster the selector matches, in one
// commit. A selector that matches no cluster, or a fleet with a cluster that cannot be read (it
// might match), is an error. The branch is label-<selector as a branch name>.
func (c *Client) LabelSelected(selector string, r LabelRequest) (*change.Plan, error) {
	sel, err := fleet.ParseSelector(selector)
	if err != nil {
		return nil, err
	}
	selected, err := c.Fleet.Select(sel)
	if err != nil {
		return nil, err
	}
	if len(selected) == 0 {
		return nil, fmt.Errorf("selector %q: matches no cluster; cluster list --show-labels shows the clusters' labels", selector)
	}
	srcs := make([]*fleet.ClusterSource, 0, len(selected))
	for _, s := range selected {
		src, err := c.Fleet.LoadCluster(s.Name)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, src)
	}
	return c.labelPlan(srcs, selector, r, "label-"+branchSlug(selector))
}

// labelled is one cluster's labels before and after.
type labelled struct {
	name     string
	old, new map[string]string
}

// labelPlan applies r to each cluster, refusing the whole change on the first cluster whose label
// would change without Overwrite.
func (c *Client) labelPlan(srcs []*fleet.ClusterSource, selector string, r LabelRequest, branch string) (*change.Plan, error) {
	var conflicts []string
	for _, src := range srcs {
		for _, k := range slices.Sorted(maps.Keys(r.Set)) {
			if old, ok := src.Cluster.Labels[k]; ok && old != r.Set[k] && !r.Overwrite {
				conflicts = append(conflicts, fmt.Sprintf("cluster %q: label %s: has the value %q; pass --overwrite to change it to %q", src.Name, k, old, r.Set[k]))
			}
		}
	}
	if len(conflicts) > 0 {
		msg := conflicts[0]
		if n := len(conflicts) - 1; n > 0 {
			msg += fmt.Sprintf(" (and %d more %s on the selected clusters)", n, labelPlural(n, "label", "labels"))
		}
		return nil, fmt.Errorf("%s", msg)
	}
	p := &change.Plan{Branch: c.branch(branch)}
	var done []labelled
	var unchanged []string
	for _, src := range srcs {
		p.Touched = append(p.Touched, src.Dir)
		old := src.Cluster.Labels
		labels := maps.Clone(old)
		for _, k := range r.Remove {
			delete(labels, k)
		}
		for k, v := range r.Set {
			if labels == nil {
				labels = map[string]string{}
			}
			labels[k] = v
		}
		if len(labels) == 0 {
			labels = nil
		}
		if maps.Equal(old, labels) {
			unchanged = append(unchanged, src.Name)
			continue
		}
		want := src.Want()
		want.Labels = labels
		if err := spec.ValidateLabels(fmt.Sprintf("cluster %q", src.Name), labels); err != nil {
			return nil, err
		}
		if err := editClusterLabels(src, old, labels); err != nil {
			return nil, err
		}
		if err := src.Reached(want); err != nil {
			return nil, err
		}
		p.Changes = append(p.Changes, src.Changes()...)
		p.Clusters = append(p.Clusters, src.Name)
		done = append(done, labelled{name: src.Name, old: old, new: labels})
	}
	if len(done) == 0 {
		p.Clusters = make([]string, len(srcs))
		for i, src := range srcs {
			p.Clusters[i] = src.Name
		}
		p.NoOp = labelNoOp(srcs, selector, r)
		return p, nil
	}
	slices.SortFunc(p.Changes, func(a, b fsx.Change) int { return strings.Compare(a.Path, b.Path) })
	p.Message = labelMessage(done, unchanged, selector, r)
	names := make([]string, len(done))
	for i, d := range done {
		names[i] = d.name
	}
	if len(done) == 1 {
		p.Next = "merging it changes the labels of the CAPI Cluster " + done[0].name + "; the AKS cluster itself is not changed"
	} else {
		p.Next = fmt.Sprintf("merging it changes the labels of the CAPI Clusters of %d clusters; the AKS clusters themselves are not changed", len(done))
	}
	return c.plan(p), nil
}

// editClusterLabels edits values.labels from old to labels: a new map right after name (where the
// values template writes it), key by key when there are labels already (comments on the others
// stay), the whole key when the last label goes.
func editClusterLabels(src *fleet.ClusterSource, old, labels map[string]string) error {
	at := []string{"labels"}
	switch {
	case len(labels) == 0:
		return src.Delete(at...)
	case len(old) == 0:
		n := mapNode()
		for _, k := range slices.Sorted(maps.Keys(labels)) {
			n.Content = append(n.Content, strNode(k), strNode(labels[k]))
		}
		return src.SetNode(at, n, "name")
	}
	for _, k := range slices.Sorted(maps.Keys(old)) {
		if _, ok := labels[k]; !ok {
			if err := src.Delete("labels", k); err != nil {
				return err
			}
		}
	}
	// keys: the labels the map holds, in file order, as keys are added
	keys := slices.Collect(maps.Keys(old))
	keys = slices.DeleteFunc(keys, func(k string) bool { _, ok := labels[k]; return !ok })
	slices.Sort(keys)
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		v, had := old[k]
		switch {
		case !had:
			// after the greatest key before it, so a sorted map stays sorted; at the end when it
			// sorts first (yamledit inserts after a sibling, never before one)
			after := ""
			for _, o := range keys {
				if o < k {
					after = o
				}
			}
			if err := src.SetNode([]string{"labels", k}, strNode(labels[k]), after); err != nil {
				return err
			}
			keys = append(keys, k)
			slices.Sort(keys)
		case v != labels[k]:
			if err := src.SetScalar([]string{"labels", k}, labels[k], yamledit.Str); err != nil {
				return err
			}
		}
	}
	return nil
}

// labelNoOp says why nothing changes: every cluster already has the labels to set, and none has
// the labels to remove.
func labelNoOp(srcs []*fleet.ClusterSource, selector string, r LabelRequest) string {
	who, has, hasNo := srcs[0].Name, "already has", "has no"
	if len(srcs) > 1 || selector != "" {
		who = fmt.Sprintf("the %d %s matching %s", len(srcs), labelPlural(len(srcs), "cluster", "clusters"), selector)
		if len(srcs) > 1 {
			has, hasNo = "already have", "have no"
		}
	}
	var parts []string
	if len(r.Set) > 0 {
		var set []string
		for _, k := range slices.Sorted(maps.Keys(r.Set)) {
			set = append(set, k+"="+r.Set[k])
		}
		parts = append(parts, fmt.Sprintf("%s %s %s", who, has, strings.Join(set, ",")))
		who = "they"
		if len(srcs) == 1 {
			who = "it"
		}
	}
	if len(r.Remove) > 0 {
		parts = append(parts, fmt.Sprintf("%s %s %s %s", who, hasNo, labelPlural(len(r.Remove), "label", "labels"), strings.Join(r.Remove, ", ")))
	}
	return strings.Join(parts, "; ")
}

// labelMessage is the commit message of cluster label: what was asked, then each changed cluster's
// labels before and after.
func labelMessage(done []labelled, unchanged []string, selector string, r LabelRequest) string {
	var asked []string
	for _, k := range slices.Sorted(maps.Keys(r.Set)) {
		asked = append(asked, k+"="+r.Set[k])
	}
	for _, k := range r.Remove {
		asked = append(asked, k+"-")
	}
	var b strings.Builder
	if len(done) == 1 && selector == "" {
		fmt.Fprintf(&b, "Label %s: %s\n\n", done[0].name, strings.Join(asked, " "))
	} else {
		fmt.Fprintf(&b, "Label %d clusters: %s\n\nClusters matching %s:\n\n", len(done), strings.Join(asked, " "), selector)
	}
	width := 0
	for _, d := range done {
		width = max(width, len(d.name))
	}
	for _, d := range done {
		first := true
		keys := slices.Sorted(maps.Keys(d.new))
		for k := range d.old {
			if _, ok := d.new[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			from, had := d.old[k]
			to, has := d.new[k]
			if had && has && from == to {
				continue
			}
			name := ""
			if first {
				name = d.name
				first = false
			}
			fmt.Fprintf(&b, "  %-*s  %s: %s -> %s\n", width, name, k, labelValue(from, had), labelValue(to, has))
		}
	}
	if n := len(unchanged); n > 0 {
		fmt.Fprintf(&b, "\n%d more matching %s already %s these labels: %s\n", n, labelPlural(n, "cluster", "clusters"), labelPlural(n, "has", "have"), strings.Join(unchanged, ", "))
	}
	if len(done) == 1 {
		b.WriteString("\nMerging this changes only the labels of the CAPI Cluster object on the management cluster\n" +
			"(what selects clusters by label there sees the new labels); the AKS cluster is not changed.\n")
	} else {
		b.WriteString("\nMerging this changes only the labels of the CAPI Cluster objects on the management cluster\n" +
			"(what selects clusters by label there sees the new labels); the AKS clusters are not changed.\n")
	}
	return b.String()
}

// labelValue shows a label's value in the commit message: unset, "" for an empty value.
func labelValue(v string, ok bool) string {
	switch {
	case !ok:
		return "unset"
	case v == "":
		return `""`
	}
	return v
}

// branchSlug turns a selector into a branch name part: lower-case letters, digits, '.' and '_'
// kept, runs of anything else one '-', at most 40 characters (env=prod,ring in (early) gives
// env-prod-ring-in-early); "!" is "not", so env!=prod and env=prod do not share a branch.
func branchSlug(selector string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(selector) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		case r == '!': // != and !key: not
			if b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteString("not")
			dash = true
		default:
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-.")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-.")
	}
	if s == "" {
		s = "all"
	}
	return s
}

func labelPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
