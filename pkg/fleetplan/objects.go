package fleetplan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gonvenience/ytbx"
	"github.com/homeport/dyff/pkg/dyff"
	yaml "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/fleetctl/fleetctl/pkg/chart"
)

// object is one rendered object, keyed by kind, namespace and name (the API version may change
// without the object changing identity).
type object struct {
	apiVersion, kind, namespace, name string
	body                              map[string]any
}

func (o object) key() string { return o.kind + "|" + o.namespace + "|" + o.name }

func fromChart(objs []chart.Object) []object {
	out := make([]object, 0, len(objs))
	for _, o := range objs {
		out = append(out, object{apiVersion: o.APIVersion, kind: o.Kind, namespace: o.Namespace, name: o.Name, body: o.Object})
	}
	return out
}

// diffObjects compares two renderings object by object.
func diffObjects(base, head []chart.Object) []ObjectChange {
	return diffObjectSets(fromChart(base), fromChart(head))
}

func diffObjectSets(base, head []object) []ObjectChange {
	b := map[string]object{}
	for _, o := range base {
		b[o.key()] = o
	}
	h := map[string]object{}
	for _, o := range head {
		h[o.key()] = o
	}
	var out []ObjectChange
	for _, k := range sortedKeys(h) {
		ho := h[k]
		oc := ObjectChange{APIVersion: ho.apiVersion, Kind: ho.kind, Namespace: ho.namespace, Name: ho.name}
		bo, ok := b[k]
		if !ok {
			oc.Action = Create
			out = append(out, oc)
			continue
		}
		fields := diffBodies(bo.body, ho.body)
		if len(fields) > 0 {
			oc.Action = Update
			oc.Fields = fields
			out = append(out, oc)
		}
	}
	for _, k := range sortedKeys(b) {
		if _, ok := h[k]; !ok {
			bo := b[k]
			out = append(out, ObjectChange{Action: Destroy, APIVersion: bo.apiVersion, Kind: bo.kind, Namespace: bo.namespace, Name: bo.name})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID() < out[j].ID() })
	return out
}

// diffBodies lists the changed fields of one object with dyff, which matches list entries by
// their name (Kubernetes' identifiers) rather than by position.
func diffBodies(a, b map[string]any) []Field {
	an, err1 := toNode(a)
	bn, err2 := toNode(b)
	if err1 != nil || err2 != nil {
		return []Field{{Path: "(object)", From: "unreadable", To: "unreadable"}}
	}
	report, err := dyff.CompareInputFiles(
		ytbx.InputFile{Documents: []*yaml.Node{an}},
		ytbx.InputFile{Documents: []*yaml.Node{bn}},
		dyff.KubernetesEntityDetection(true), dyff.IgnoreOrderChanges(true))
	if err != nil {
		return []Field{{Path: "(object)", From: "", To: "cannot compare: " + err.Error()}}
	}
	var out []Field
	for _, d := range report.Diffs {
		p := d.Path.ToDotStyle()
		for _, det := range d.Details {
			switch det.Kind {
			case dyff.ADDITION:
				out = append(out, Field{Path: p, To: compact(det.To)})
			case dyff.REMOVAL:
				out = append(out, Field{Path: p, From: compact(det.From)})
			case dyff.MODIFICATION:
				out = append(out, Field{Path: p, From: compact(det.From), To: compact(det.To)})
			}
		}
	}
	return out
}

func toNode(m map[string]any) (*yaml.Node, error) {
	data, err := sigsyaml.Marshal(m)
	if err != nil {
		return nil, err
	}
	docs, err := ytbx.LoadDocuments(data)
	if err != nil || len(docs) != 1 {
		return nil, fmt.Errorf("decode: %v", err)
	}
	return docs[0], nil
}

// compact renders a node as one line of YAML (flow style for collections).
func compact(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	c := *n
	setFlow(&c)
	data, err := yaml.Marshal(&c)
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(data))
}

func setFlow(n *yaml.Node) {
	n.Style = yaml.FlowStyle
	for i, ch := range n.Content {
		cp := *ch
		cp.Style |= yaml.FlowStyle
		if cp.Kind == yaml.ScalarNode {
			cp.Style = ch.Style
		}
		setFlow(&cp)
		n.Content[i] = &cp
	}
}
