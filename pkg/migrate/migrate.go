// Package migrate moves the objects of a fleet repo off API versions that upstream removed: every
// Flux object to the version its current CRD serves, with the field changes each step needs, made
// in place through pkg/yamledit so comments, key order and quoting stay. What cannot be moved by
// rewriting (Cluster API and CAPZ v1alpha kinds, Helm chart templates, fields whose format changed)
// is reported as a finding that says why and what to do.
package migrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/validate"
	"github.com/fleetctl/fleetctl/pkg/yamledit"
)

// Rules of the findings migrate reports.
const (
	// RuleMoved is an object whose apiVersion was rewritten (info).
	RuleMoved = "migrate/moved"
	// RuleDropped is a field removed because the new version has no such field (warning).
	RuleDropped = "migrate/dropped-field"
	// RuleManual is an object or field that needs a person's decision (warning).
	RuleManual = "migrate/manual"
)

// ASOManagedDoc is the CAPZ book page on the AzureASOManaged* kinds, the documented path off the
// AzureManaged* kinds (docs/book/src/managed/asomanagedcluster.md in the CAPZ module).
const ASOManagedDoc = "https://capz.sigs.k8s.io/managed/asomanagedcluster.html"

// rename is a field that moved within an object, with what to do with it.
type fieldStep struct {
	// path is the field's path from the object root (mapping keys only).
	path []string
	// to is the new key in the same mapping; "" drops the field.
	to string
	// list makes the old scalar the one item of a list under to.
	list bool
	// manual: the field's format changed; it is reported, not rewritten.
	manual bool
	// convert builds the new value from the old one; nil keeps it (or wraps it, with list).
	convert func(old *yaml.Node) (*yaml.Node, error)
	// inPlace: convert rewrites the field's value where it is (to is not used).
	inPlace bool
	// only limits a manual or in-place step to values that hold one of these keys (space-separated).
	only string
	why  string
}

// kindStep is what moving one kind of a group takes.
type kindStep struct {
	target string // version
	fields []fieldStep
}

// fluxGroup is one Flux API group: the versions upstream removed and the steps per kind.
type fluxGroup struct {
	removed map[string]bool
	kinds   map[string]kindStep
}

// flux is the data of every step. Sources: the Go API modules go.mod pins (helm-controller/api
// v2, kustomize-controller/api v1, source-controller/api v1, notification-controller/api v1beta3
// and v1, image-*-controller/api v1) and pkg/schema's removedVersions.
var flux = map[string]fluxGroup{
	"helm.toolkit.fluxcd.io": {
		removed: set("v2alpha1", "v2beta1", "v2beta2"),
		kinds: map[string]kindStep{"HelmRelease": {target: "v2", fields: []fieldStep{
			{path: []string{"spec", "chart", "spec", "valuesFile"}, to: "valuesFiles", list: true,
				why: "helm-controller v2 has only spec.chart.spec.valuesFiles (a list)"},
			{path: []string{"spec", "postRenderers"}, inPlace: true, convert: postRenderers, only: "patchesJson6902 patchesStrategicMerge",
				why: "helm-controller v2 replaced postRenderers[].kustomize.patchesJson6902 and patchesStrategicMerge with postRenderers[].kustomize.patches, whose patch is a string (written as JSON)"},
		}}},
	},
	"kustomize.toolkit.fluxcd.io": {
		removed: set("v1alpha1", "v1beta1", "v1beta2"),
		kinds: map[string]kindStep{"Kustomization": {target: "v1", fields: []fieldStep{
			{path: []string{"spec", "validation"},
				why: "kustomize-controller v1 removed spec.validation: it always validates server-side"},
			{path: []string{"spec", "patchesJson6902"}, to: "patches", convert: json6902,
				why: "kustomize-controller v1 replaced spec.patchesJson6902 with spec.patches, whose patch is a string (written as JSON)"},
			{path: []string{"spec", "patchesStrategicMerge"}, to: "patches", convert: strategicMerge,
				why: "kustomize-controller v1 replaced spec.patchesStrategicMerge with spec.patches, whose patch is a string (written as JSON)"},
		}}},
	},
	"source.toolkit.fluxcd.io": {
		removed: set("v1alpha1", "v1beta1", "v1beta2"),
		kinds: map[string]kindStep{
			"GitRepository": {target: "v1", fields: []fieldStep{
				{path: []string{"spec", "gitImplementation"},
					why: "source-controller v1 removed spec.gitImplementation: it has only the go-git implementation"},
			}},
			"HelmRepository": {target: "v1"},
			"HelmChart":      {target: "v1"},
			"Bucket":         {target: "v1"},
			"OCIRepository":  {target: "v1"},
		},
	},
	"notification.toolkit.fluxcd.io": {
		removed: set("v1alpha1", "v1beta1", "v1beta2"),
		kinds: map[string]kindStep{
			"Alert":    {target: "v1beta3"},
			"Provider": {target: "v1beta3"},
			"Receiver": {target: "v1"},
		},
	},
	"image.toolkit.fluxcd.io": {
		removed: set("v1alpha1", "v1alpha2", "v1beta1", "v1beta2"),
		kinds: map[string]kindStep{
			"ImageRepository":       {target: "v1"},
			"ImagePolicy":           {target: "v1"},
			"ImageUpdateAutomation": {target: "v1"},
		},
	},
}

// capi are the Cluster API groups and their removed versions: the kinds changed between them
// and the current versions, so they are never rewritten.
var capi = map[string]map[string]bool{
	"cluster.x-k8s.io":                set("v1alpha2", "v1alpha3", "v1alpha4"),
	"infrastructure.cluster.x-k8s.io": set("v1alpha2", "v1alpha3", "v1alpha4"),
	"addons.cluster.x-k8s.io":         set("v1alpha3", "v1alpha4"),
	"controlplane.cluster.x-k8s.io":   set("v1alpha3", "v1alpha4"),
	"bootstrap.cluster.x-k8s.io":      set("v1alpha3", "v1alpha4"),
}

func set(vs ...string) map[string]bool {
	m := map[string]bool{}
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// File migrates one YAML file (repo-relative path p): it returns the new content (src itself when
// nothing moved) and the findings. A file that does not parse is left alone and gives no finding
// (validate reports it).
func File(p string, src []byte) ([]byte, []validate.Finding, error) {
	docs, err := documents(src)
	if err != nil {
		return src, nil, nil
	}
	var out []validate.Finding
	cur := src
	for i, d := range docs {
		apiVersion, kind, line := head(d)
		group, version, ok := strings.Cut(apiVersion, "/")
		if !ok {
			continue
		}
		f := validate.Finding{File: p, Line: line, Object: object(d, kind)}
		if vs, ok := capi[group]; ok && vs[version] {
			f.Severity, f.Rule = validate.Warning, RuleManual
			f.Message, f.Fix = capiMessage(apiVersion, kind)
			out = append(out, f)
			continue
		}
		g, ok := flux[group]
		if !ok || !g.removed[version] {
			continue
		}
		step, ok := g.kinds[kind]
		if !ok {
			f.Severity, f.Rule = validate.Warning, RuleManual
			f.Message = fmt.Sprintf("%s %s: no current version of this kind is known; not moved", apiVersion, kind)
			out = append(out, f)
			continue
		}
		next, fs, err := moveDoc(cur, i, group, step, f)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s %s: %w", p, apiVersion, kind, err)
		}
		if bytes.Equal(next, cur) {
			out = append(out, fs...) // not moved: the findings say why
			continue
		}
		cur = next
		f.Severity, f.Rule = validate.Info, RuleMoved
		f.Message = fmt.Sprintf("%s %s moved to %s/%s", apiVersion, kind, group, step.target)
		out = append(out, f)
		out = append(out, fs...)
	}
	return cur, out, nil
}

// moveDoc rewrites document i to the step's version and applies its field steps.
func moveDoc(src []byte, i int, group string, step kindStep, at validate.Finding) ([]byte, []validate.Finding, error) {
	var out []validate.Finding
	for _, fs := range step.fields {
		n, err := yamledit.Lookup(src, i, fs.path)
		if err != nil {
			return nil, nil, err
		}
		if n != nil && fs.manual && (fs.only == "" || mentions(n, strings.Fields(fs.only))) {
			f := at
			f.Field, f.Line = strings.Join(fs.path, "."), n.Line
			f.Severity, f.Rule = validate.Warning, RuleManual
			f.Message = fs.why + "; the object is not moved until that is done"
			return src, []validate.Finding{f}, nil
		}
		if n != nil && fs.to != "" && !fs.inPlace {
			to := append(append([]string{}, fs.path[:len(fs.path)-1]...), fs.to)
			if ex, err := yamledit.Lookup(src, i, to); err != nil || ex != nil {
				f := at
				f.Field, f.Line = strings.Join(fs.path, "."), n.Line
				f.Severity, f.Rule = validate.Warning, RuleManual
				f.Message = fmt.Sprintf("%s and %s are both set: merge them by hand; the object is not moved until that is done", f.Field, strings.Join(to, "."))
				return src, []validate.Finding{f}, nil
			}
		}
	}
	for _, fs := range step.fields {
		n, err := yamledit.Lookup(src, i, fs.path)
		if err != nil {
			return nil, nil, err
		}
		if n == nil {
			continue
		}
		f := at
		f.Field, f.Line = strings.Join(fs.path, "."), n.Line
		switch {
		case fs.manual:
			continue
		case fs.inPlace:
			if fs.only != "" && !mentions(n, strings.Fields(fs.only)) {
				continue
			}
			val, err := fs.convert(n)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", f.Field, err)
			}
			if src, _, err = yamledit.SetNode(src, i, fs.path, val, ""); err != nil {
				return nil, nil, err
			}
			f.Severity, f.Rule = validate.Info, RuleMoved
			f.Message = fmt.Sprintf("%s rewritten: %s", f.Field, fs.why)
			// The list is written anew (yamledit does not edit through lists): say what of its text
			// did not carry over.
			if c := innerComments(n); c != "" {
				f.Severity = validate.Warning
				f.Message += "; comments inside it were not kept: " + c
			}
			if blockScalars(n) {
				f.Severity = validate.Warning
				f.Message += "; its block scalars (| and >) are now quoted strings of the same value"
			}
		case fs.to == "":
			if src, _, err = yamledit.DeleteKey(src, i, fs.path); err != nil {
				return nil, nil, err
			}
			f.Severity, f.Rule, f.Message = validate.Warning, RuleDropped, fs.why+"; removed"
		default:
			parent := fs.path[:len(fs.path)-1]
			to := append(append([]string{}, parent...), fs.to)
			parentKey, err := keyNode(src, i, fs.path)
			if err != nil {
				return nil, nil, err
			}
			val := clean(n)
			if fs.convert != nil {
				if val, err = fs.convert(n); err != nil {
					return nil, nil, fmt.Errorf("%s: %w", f.Field, err)
				}
			} else if fs.list {
				val.LineComment = n.LineComment // the comment goes with the value
				val = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{val}}
			}
			if src, _, err = yamledit.SetNode(src, i, to, val, fs.path[len(fs.path)-1]); err != nil {
				return nil, nil, err
			}
			if src, _, err = yamledit.DeleteKey(src, i, fs.path); err != nil {
				return nil, nil, err
			}
			f.Severity, f.Rule = validate.Info, RuleMoved
			f.Message = fmt.Sprintf("%s renamed to %s: %s", f.Field, fs.to, fs.why)
			if fs.convert != nil {
				f.Message = fmt.Sprintf("%s rewritten as %s: %s", f.Field, fs.to, fs.why)
			}
			if c := headComment(parentKey); c != "" {
				f.Severity = validate.Warning
				f.Message += fmt.Sprintf("; the comment above %s went with it: %s", fs.path[len(fs.path)-1], c)
			}
		}
		out = append(out, f)
	}
	src, _, err := yamledit.SetScalar(src, i, []string{"apiVersion"}, group+"/"+step.target, yamledit.Str)
	if err != nil {
		return nil, nil, err
	}
	return src, out, nil
}

// keyNode returns the key node of path's last element.
func keyNode(src []byte, i int, path []string) (*yaml.Node, error) {
	var m *yaml.Node
	var err error
	if len(path) == 1 {
		docs, derr := documents(src)
		if derr != nil || i >= len(docs) || len(docs[i].Content) == 0 {
			return nil, derr
		}
		m = docs[i].Content[0]
	} else if m, err = yamledit.Lookup(src, i, path[:len(path)-1]); err != nil || m == nil {
		return nil, err
	}
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value == path[len(path)-1] {
			return m.Content[j], nil
		}
	}
	return nil, nil
}

// headComment is the comment lines above a key, on one line.
func headComment(k *yaml.Node) string {
	if k == nil || k.HeadComment == "" {
		return ""
	}
	return strings.Join(strings.Fields(k.HeadComment), " ")
}

// json6902 turns spec.patchesJson6902 items ({target, patch: [operations]}) into spec.patches
// items ({target, patch: "<the operations as JSON>"}).
func json6902(old *yaml.Node) (*yaml.Node, error) {
	if old.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("must be a list, not %s", kindOf(old))
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, it := range old.Content {
		target, patch := get(it, "target"), get(it, "patch")
		if target == nil || patch == nil {
			return nil, fmt.Errorf("line %d: an item needs target and patch", it.Line)
		}
		js, err := toJSON(patch)
		if err != nil {
			return nil, err
		}
		seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
			str("target"), clean(target), str("patch"), str(js)}})
	}
	return seq, nil
}

// postRenderers rewrites HelmRelease spec.postRenderers for helm-controller v2: in each item's
// kustomize, patchesJson6902 and patchesStrategicMerge become items of patches (after the patches
// already there, in the order written), at the place of the first of those keys; every other key
// stays as it is.
func postRenderers(old *yaml.Node) (*yaml.Node, error) {
	if old.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("must be a list, not %s", kindOf(old))
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, it := range old.Content {
		item := clean(it)
		k := get(it, "kustomize")
		if k == nil || k.Kind != yaml.MappingNode {
			seq.Content = append(seq.Content, item)
			continue
		}
		nk := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		var patches *yaml.Node
		var existing, moved []*yaml.Node
		for j := 0; j+1 < len(k.Content); j += 2 {
			key, val := k.Content[j].Value, k.Content[j+1]
			var conv func(*yaml.Node) (*yaml.Node, error)
			switch key {
			case "patches":
				if val.Kind != yaml.SequenceNode {
					return nil, fmt.Errorf("line %d: kustomize.patches must be a list, not %s", val.Line, kindOf(val))
				}
				for _, p := range val.Content {
					existing = append(existing, clean(p))
				}
			case "patchesJson6902":
				conv = json6902
			case "patchesStrategicMerge":
				conv = strategicMerge
			default:
				nk.Content = append(nk.Content, clean(k.Content[j]), clean(val))
				continue
			}
			if conv != nil {
				c, err := conv(val)
				if err != nil {
					return nil, fmt.Errorf("kustomize.%s: %w", key, err)
				}
				moved = append(moved, c.Content...)
			}
			if patches == nil {
				patches = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
				nk.Content = append(nk.Content, str("patches"), patches)
			}
		}
		if patches != nil {
			patches.Content = append(existing, moved...)
		}
		for j := 0; j+1 < len(item.Content); j += 2 {
			if item.Content[j].Value == "kustomize" {
				item.Content[j+1] = nk
			}
		}
		seq.Content = append(seq.Content, item)
	}
	return seq, nil
}

// blockScalars reports whether a scalar under n is written as a literal or folded block.
func blockScalars(n *yaml.Node) bool {
	if n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return true
	}
	for _, c := range n.Content {
		if blockScalars(c) {
			return true
		}
	}
	return false
}

// innerComments are the comments inside n (not on n itself), on one line; "" when none.
func innerComments(n *yaml.Node) string {
	var parts []string
	var walk func(*yaml.Node)
	walk = func(x *yaml.Node) {
		for _, c := range x.Content {
			for _, t := range []string{c.HeadComment, c.LineComment, c.FootComment} {
				if t != "" {
					parts = append(parts, strings.Join(strings.Fields(t), " "))
				}
			}
			walk(c)
		}
	}
	walk(n)
	return strings.Join(parts, " ")
}

// strategicMerge turns spec.patchesStrategicMerge items (objects) into spec.patches items
// ({patch: "<the object as JSON>"}); kustomize finds the target from the patch's kind and name.
func strategicMerge(old *yaml.Node) (*yaml.Node, error) {
	if old.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("must be a list, not %s", kindOf(old))
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, it := range old.Content {
		js, err := toJSON(it)
		if err != nil {
			return nil, err
		}
		seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{str("patch"), str(js)}})
	}
	return seq, nil
}

func toJSON(n *yaml.Node) (string, error) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		return n.Value, nil // already a patch document
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return "", fmt.Errorf("line %d: %w", n.Line, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("line %d: %w", n.Line, err)
	}
	return string(b), nil
}

func str(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

func kindOf(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return "a scalar"
	}
	return "another node"
}

// clean copies a scalar node without its position and comments, keeping value, tag and style.
func clean(n *yaml.Node) *yaml.Node {
	c := &yaml.Node{Kind: n.Kind, Tag: n.Tag, Value: n.Value, Style: n.Style}
	for _, k := range n.Content {
		c.Content = append(c.Content, clean(k))
	}
	return c
}

// mentions reports whether any mapping under n has one of keys.
func mentions(n *yaml.Node, keys []string) bool {
	if n.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(n.Content); j += 2 {
			for _, k := range keys {
				if n.Content[j].Value == k {
					return true
				}
			}
		}
	}
	for _, c := range n.Content {
		if mentions(c, keys) {
			return true
		}
	}
	return false
}

// capiMessage says why a Cluster API or CAPZ object is not moved and where to go.
func capiMessage(apiVersion, kind string) (msg, fix string) {
	if strings.HasPrefix(kind, "AzureManaged") {
		return fmt.Sprintf("%s %s: CAPZ no longer serves this version and the AzureManaged* kinds are superseded by the ASO-based AzureASOManaged* kinds; not moved, it needs a manual decision", apiVersion, kind),
			"move the cluster to AzureASOManagedCluster, AzureASOManagedControlPlane and AzureASOManagedMachinePool as " + ASOManagedDoc + " describes"
	}
	return fmt.Sprintf("%s %s: Cluster API no longer serves this version and its fields changed between versions; not moved, it needs a manual decision", apiVersion, kind),
		"rewrite it for the current Cluster API version (see the Cluster API book's version migration guides, https://cluster-api.sigs.k8s.io/developer/providers/migrations/overview)"
}

// documents parses every document of src.
func documents(src []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []*yaml.Node
	for {
		var d yaml.Node
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, &d)
	}
}

// head returns a document's apiVersion, kind and the line of its apiVersion.
func head(d *yaml.Node) (apiVersion, kind string, line int) {
	if len(d.Content) != 1 || d.Content[0].Kind != yaml.MappingNode {
		return "", "", 0
	}
	m := d.Content[0]
	for j := 0; j+1 < len(m.Content); j += 2 {
		k, v := m.Content[j], m.Content[j+1]
		if v.Kind != yaml.ScalarNode {
			continue
		}
		switch k.Value {
		case "apiVersion":
			apiVersion, line = v.Value, v.Line
		case "kind":
			kind = v.Value
		}
	}
	return apiVersion, kind, line
}

// object is "Kind namespace/name" (or "Kind name").
func object(d *yaml.Node, kind string) string {
	var ns, name string
	if len(d.Content) == 1 {
		if md := get(d.Content[0], "metadata"); md != nil {
			if n := get(md, "name"); n != nil {
				name = n.Value
			}
			if n := get(md, "namespace"); n != nil {
				ns = n.Value
			}
		}
	}
	if ns != "" {
		name = ns + "/" + name
	}
	return strings.TrimSpace(kind + " " + name)
}

func get(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value == key {
			return m.Content[j+1]
		}
	}
	return nil
}

// Template scans a Helm chart template (not YAML until rendered) for top-level apiVersion lines
// of removed versions and reports each object: templates are never rewritten.
func Template(p string, src []byte) []validate.Finding {
	var out []validate.Finding
	apiVersion, line := "", 0
	flush := func(kind string) {
		if apiVersion == "" {
			return
		}
		f := validate.Finding{Severity: validate.Warning, Rule: RuleManual, File: p, Line: line, Template: p, Object: kind}
		group, _, _ := strings.Cut(apiVersion, "/")
		if _, ok := flux[group]; ok {
			f.Message = fmt.Sprintf("%s %s: a Helm chart template is not rewritten", apiVersion, kind)
			f.Fix = "change the template's apiVersion by hand"
		} else {
			f.Message, f.Fix = capiMessage(apiVersion, kind)
		}
		out = append(out, f)
		apiVersion = ""
	}
	for i, l := range strings.Split(string(src), "\n") {
		t := strings.TrimRight(l, " \r")
		if t == "---" {
			flush("")
			continue
		}
		if v, ok := strings.CutPrefix(t, "kind:"); ok {
			flush(strings.Trim(strings.TrimSpace(v), `"'`))
			continue
		}
		v, ok := strings.CutPrefix(t, "apiVersion:")
		if !ok {
			continue
		}
		flush("")
		av := strings.Trim(strings.TrimSpace(v), `"'`)
		group, version, _ := strings.Cut(av, "/")
		if capi[group][version] || flux[group].removed[version] {
			apiVersion, line = av, i+1
		}
	}
	flush("")
	return out
}
