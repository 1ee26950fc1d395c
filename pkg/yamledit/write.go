package yamledit

import (
	"fmt"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/fleetctl/fleetctl/pkg/yamlscalar"
)

// This file writes new text in the file's style; every scalar goes
// through pkg/yamlscalar.

// layout is how new block text is laid out.
type layout struct {
	eol  string
	step int // indentation of nested mappings
	dash int // indentation of the dashes of a block list, relative to its key
}

// layout returns the layout of the located document: its line breaks, and
// the indentation of its first nested block mapping and of its first
// block list under a key (2, and the mapping step, when there is none).
func (l *loc) layout() *layout {
	lay := &layout{eol: l.t.eol, step: 2, dash: -1}
	if l.di < 0 {
		lay.dash = lay.step
		return lay
	}
	d := l.docs[l.di]
	if s := mapStep(d); s > 0 {
		lay.step = s
	}
	if s := seqStep(d); s >= 0 {
		lay.dash = s
	} else {
		lay.dash = lay.step
	}
	return lay
}

func comment(c string) string {
	c = strings.TrimSpace(c)
	if c == "" {
		return ""
	}
	if !strings.HasPrefix(c, "#") {
		c = "# " + c
	}
	return " " + c
}

// entry renders "key: value" with the key indented by ind.
func (lay *layout) entry(name string, v *yaml.Node, ind int) (string, error) {
	key, err := scalarText(strNode(name), yamlscalar.BlockKey)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", ind) + key + ":")
	if err := lay.value(&b, v, ind, ""); err != nil {
		return "", err
	}
	return b.String(), nil
}

// items renders the lines of a block list of v's items under a key
// indented by ind, without a line break before the first.
func (lay *layout) items(v *yaml.Node, ind int) (string, error) {
	var b strings.Builder
	if err := lay.value(&b, v, ind, ""); err != nil {
		return "", err
	}
	return strings.TrimPrefix(b.String(), lay.eol), nil
}

func (lay *layout) headComment(b *strings.Builder, k *yaml.Node, ind int) {
	for _, l := range strings.Split(k.HeadComment, "\n") {
		if c := comment(strings.TrimRight(l, "\r")); c != "" {
			b.WriteString(strings.Repeat(" ", ind) + c[1:] + lay.eol)
		}
	}
}

// value writes what follows "key:" for a value whose key is indented by
// ind; keep is the comment to put on the key's line if v has none.
func (lay *layout) value(b *strings.Builder, v *yaml.Node, ind int, keep string) error {
	c := comment(v.LineComment)
	if c == "" {
		c = comment(keep)
	}
	switch {
	case oneLine(v):
		return lay.inline(b, v, yamlscalar.BlockValue, c)
	case v.Kind == yaml.MappingNode:
		b.WriteString(c)
		for i := 0; i < len(v.Content); i += 2 {
			b.WriteString(lay.eol)
			lay.headComment(b, v.Content[i], ind+lay.step)
			key, err := scalarText(v.Content[i], yamlscalar.BlockKey)
			if err != nil {
				return err
			}
			b.WriteString(strings.Repeat(" ", ind+lay.step) + key + ":")
			if err := lay.value(b, v.Content[i+1], ind+lay.step, v.Content[i].LineComment); err != nil {
				return err
			}
		}
	default:
		b.WriteString(c)
		for _, it := range v.Content {
			b.WriteString(lay.eol + strings.Repeat(" ", ind+lay.dash) + "-")
			if err := lay.item(b, it, ind+lay.dash); err != nil {
				return err
			}
		}
	}
	return nil
}

// item writes what follows the "-" of a list item at indentation ind.
func (lay *layout) item(b *strings.Builder, v *yaml.Node, ind int) error {
	switch {
	case oneLine(v):
		return lay.inline(b, v, yamlscalar.BlockItem, comment(v.LineComment))
	case v.Kind == yaml.MappingNode:
		for i := 0; i < len(v.Content); i += 2 {
			if i == 0 {
				b.WriteString(" ")
			} else {
				b.WriteString(lay.eol + strings.Repeat(" ", ind+2))
			}
			key, err := scalarText(v.Content[i], yamlscalar.BlockKey)
			if err != nil {
				return err
			}
			b.WriteString(key + ":")
			if err := lay.value(b, v.Content[i+1], ind+2, v.Content[i].LineComment); err != nil {
				return err
			}
		}
	default:
		for i, it := range v.Content {
			if i == 0 {
				b.WriteString(" -")
			} else {
				b.WriteString(lay.eol + strings.Repeat(" ", ind+2) + "-")
			}
			if err := lay.item(b, it, ind+2); err != nil {
				return err
			}
		}
	}
	return nil
}

// oneLine reports whether v is written on the line of its key or dash: a
// scalar, an empty collection or a flow collection.
func oneLine(v *yaml.Node) bool {
	return v.Kind == yaml.ScalarNode || len(v.Content) == 0 || v.Style&yaml.FlowStyle != 0
}

// inline writes " TEXT" for a oneLine value (a scalar for ctx, or a flow
// collection; nothing for an empty null), then the comment c.
func (lay *layout) inline(b *strings.Builder, v *yaml.Node, ctx yamlscalar.Context, c string) error {
	var s string
	var err error
	if v.Kind == yaml.ScalarNode {
		s, err = scalarText(v, ctx)
	} else {
		s, err = lay.flow(v)
	}
	if err != nil {
		return err
	}
	if s != "" {
		b.WriteString(" " + s)
	}
	b.WriteString(c)
	return nil
}

// flow renders v in flow style; comments inside are left out.
func (lay *layout) flow(v *yaml.Node) (string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		return scalarText(v, yamlscalar.FlowValue)
	case yaml.MappingNode:
		parts := make([]string, 0, len(v.Content)/2)
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, err := scalarText(v.Content[i], yamlscalar.FlowKey)
			if err != nil {
				return "", err
			}
			s, err := lay.flow(v.Content[i+1])
			if err != nil {
				return "", err
			}
			parts = append(parts, k+": "+s)
		}
		return "{" + strings.Join(parts, ", ") + "}", nil
	default:
		parts := make([]string, 0, len(v.Content))
		for _, c := range v.Content {
			s, err := lay.flow(c)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	}
}

// styles returns the order in which to try the styles of a scalar that
// replaces one written in style: its own quoting first when it has one,
// else plain, then double quotes.
func styles(style yaml.Style) []yamlscalar.Style {
	switch {
	case style&yaml.SingleQuotedStyle != 0:
		return []yamlscalar.Style{yamlscalar.Single, yamlscalar.Double, yamlscalar.Plain}
	case style&yaml.DoubleQuotedStyle != 0:
		return []yamlscalar.Style{yamlscalar.Double, yamlscalar.Single, yamlscalar.Plain}
	}
	return []yamlscalar.Style{yamlscalar.Plain, yamlscalar.Double, yamlscalar.Single}
}

// listStyles returns the order in which to try the styles of a new list
// item: plain when possible, else quoted like most quoted items.
func listStyles(items []*yaml.Node) []yamlscalar.Style {
	single, double := 0, 0
	for _, it := range items {
		switch {
		case it.Style&yaml.SingleQuotedStyle != 0:
			single++
		case it.Style&yaml.DoubleQuotedStyle != 0:
			double++
		}
	}
	if single > double {
		return []yamlscalar.Style{yamlscalar.Plain, yamlscalar.Single, yamlscalar.Double}
	}
	return []yamlscalar.Style{yamlscalar.Plain, yamlscalar.Double, yamlscalar.Single}
}

// candidates returns the texts that can write a scalar with value and
// tag, in the order of the styles given: for a string, those of
// yamlscalar.Candidates; for another tag, the plain text when its
// characters allow it.
func candidates(value, tag string, order []yamlscalar.Style) []string {
	if tag == "!!str" {
		return yamlscalar.Candidates(value, order...)
	}
	if yamlscalar.PlainForm(value) {
		return []string{value}
	}
	return nil
}

// stringText renders a new string item or key for ctx.
func stringText(value string, ctx yamlscalar.Context, order []yamlscalar.Style) (string, error) {
	if s, ok := yamlscalar.Text(value, ctx, order...); ok {
		return s, nil
	}
	return "", fmt.Errorf("yamledit: %w: cannot write %q as a YAML string", ErrUnsupported, value)
}

// tagRE matches the tags written in front of new scalars that need one.
var tagRE = regexp.MustCompile(`^!!?[A-Za-z0-9_.\-/]*$`)

// scalarText renders a new scalar for ctx: in the node's own style when it
// reads back as the node's value and tag, else plain, quoted or tagged.
func scalarText(n *yaml.Node, ctx yamlscalar.Context) (string, error) {
	tag := n.ShortTag()
	if n.Value == "" && tag == "!!null" && n.Style&quoted == 0 && ctx != yamlscalar.BlockKey && ctx != yamlscalar.FlowKey {
		return "", nil
	}
	order := styles(n.Style)
	for _, c := range candidates(n.Value, tag, order) {
		if yamlscalar.ReadsBack(c, n.Value, tag, ctx) {
			return c, nil
		}
	}
	if tagRE.MatchString(tag) && tag != "!" {
		for _, c := range yamlscalar.Candidates(n.Value, order...) {
			if s := tag + " " + c; yamlscalar.ReadsBack(s, n.Value, tag, ctx) {
				return s, nil
			}
		}
	}
	return "", fmt.Errorf("yamledit: %w: cannot write %q as a YAML %s", ErrUnsupported, n.Value, tag)
}
