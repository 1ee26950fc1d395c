package chart

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// printer formats the validator's messages.
var printer = message.NewPrinter(language.English)

// schemaURL is where the schema is registered with the compiler; it is the
// location Helm uses too, so that relative references resolve the same way.
const schemaURL = "file:///values.schema.json"

// errorMessageKeyword is a non-standard annotation in values.schema.json: a
// subschema that has it reports its text instead of the validator's generic
// message (useful for "not" and if/then rules). Standard validators, Helm's
// included, ignore unknown keywords.
const errorMessageKeyword = "errorMessage"

// valuesSchema is a compiled values.schema.json.
type valuesSchema struct {
	doc    any // the decoded schema document, for errorMessage look-ups
	schema *jsonschema.Schema
}

// refuseLoader is the compiler's only loader: the schema must be
// self-contained, so any reference outside it (file, http, urn...) is an
// error at load time instead of a network or disk access at render time.
type refuseLoader struct{}

func (refuseLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("schema reference %q is outside values.schema.json; only local references (#/...) are supported", u)
}

// compileSchema compiles a values.schema.json document the way Helm v4
// (chart/common/util.ValidateAgainstSingleSchema) does: same library, same
// resource URL, and no default draft of our own, so a schema without $schema
// is read as the library's latest draft (2020-12), as helm-controller reads
// it. Compiling also checks the document against its draft's metaschema, as
// Helm does before it validates anything. Only the loaders differ: Helm
// fetches file, http(s) and urn references, fleetctl refuses them.
func compileSchema(data []byte) (*valuesSchema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(refuseLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, err
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		return nil, err
	}
	return &valuesSchema{doc: doc, schema: sch}, nil
}

// Violation is one way in which values break values.schema.json.
type Violation struct {
	// Path is the dotted path of the offending value, e.g.
	// "nodePools.work.maxPods"; empty for the values as a whole.
	Path string
	// Rule is the JSON pointer, in values.schema.json, of the keyword that
	// failed, e.g. "/definitions/nodePool/properties/maxPods/maximum".
	Rule string
	// Message says what is wrong.
	Message string
	// Schema is the chart path of the values.schema.json that holds the
	// rule: empty for the chart's own, "charts/<name>" (and so on down) for
	// a subchart's.
	Schema string
}

func (v Violation) String() string {
	p := v.Path
	if p == "" {
		p = "(values)"
	}
	if v.Rule == "" {
		return fmt.Sprintf("%s: %s", p, v.Message)
	}
	return fmt.Sprintf("%s: %s [%s#%s]", p, v.Message, path.Join(v.Schema, "values.schema.json"), v.Rule)
}

// SchemaError lists every violation of values.schema.json found in a set of
// values, sorted by path.
type SchemaError struct {
	Violations []Violation
}

// Error prints one violation per line.
func (e *SchemaError) Error() string {
	lines := make([]string, 0, len(e.Violations)+1)
	lines = append(lines, "values do not match values.schema.json:")
	for _, v := range e.Violations {
		lines = append(lines, "  "+v.String())
	}
	return strings.Join(lines, "\n")
}

// validate checks values, which must hold JSON-compatible types only.
func (s *valuesSchema) validate(values map[string]any) error {
	out, err := s.violations(values)
	if err != nil || len(out) == 0 {
		return err
	}
	return &SchemaError{Violations: sortViolations(out)}
}

// violations lists how values break the schema, unsorted; the values are
// those at path prefix of the whole.
func (s *valuesSchema) violations(values map[string]any, prefix ...string) ([]Violation, error) {
	inst, err := normalize(values)
	if err != nil {
		return nil, err
	}
	err = s.schema.Validate(inst)
	if err == nil {
		return nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, err
	}
	var out []Violation
	s.collect(ve, prefix, &out)
	if len(out) == 0 {
		out = append(out, Violation{Path: dotted(prefix), Message: ve.Error()})
	}
	return out, nil
}

// sortViolations sorts by path and message and drops repeats: the same
// failure can be reached twice (for instance through allOf and a $ref).
func sortViolations(out []Violation) []Violation {
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Message < out[j].Message
	})
	uniq := out[:0]
	for i, v := range out {
		if i > 0 && v == out[i-1] {
			continue
		}
		uniq = append(uniq, v)
	}
	return uniq
}

// collect appends the leaves of a validation error tree as violations, their
// paths under prefix.
func (s *valuesSchema) collect(e *jsonschema.ValidationError, prefix []string, out *[]Violation) {
	dotted := func(toks []string) string { return dotted(append(clone(prefix), toks...)) }
	schemaPtr := fragment(e.SchemaURL)
	rule := schemaPtr + jsonPointer(e.ErrorKind.KeywordPath())
	// A subschema with an errorMessage speaks for everything below it.
	if msg, ok := s.errorMessage(schemaPtr); ok {
		*out = append(*out, Violation{Path: dotted(e.InstanceLocation), Rule: rule, Message: msg})
		return
	}
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			*out = append(*out, Violation{Path: dotted(append(clone(e.InstanceLocation), m)), Rule: rule, Message: "required value is missing"})
		}
		return
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			*out = append(*out, Violation{Path: dotted(append(clone(e.InstanceLocation), p)), Rule: rule, Message: "unknown key (not allowed here)"})
		}
		return
	case *kind.PropertyNames:
		// Here SchemaURL already points at the propertyNames subschema. The
		// validator (v6.0.2, the one Helm v4.2 pins) validates the key as a
		// document of its own and so reports it at the root, as Helm prints
		// it; derive the location from the schema location when that is a
		// plain chain of properties.
		loc := e.InstanceLocation
		if derived, ok := instanceFromSchema(strings.TrimSuffix(schemaPtr, "/propertyNames")); ok {
			loc = derived
		}
		msg := "invalid key"
		if m, ok := s.causeMessage(e); ok {
			msg = "invalid key: " + m
		} else if pat := s.stringAt(schemaPtr + "/pattern"); pat != "" {
			msg = fmt.Sprintf("invalid key: must match %s", pat)
		}
		*out = append(*out, Violation{Path: dotted(append(clone(loc), k.Property)), Rule: schemaPtr, Message: msg})
		return
	}
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			s.collect(c, prefix, out)
		}
		return
	}
	*out = append(*out, Violation{Path: dotted(e.InstanceLocation), Rule: rule, Message: e.ErrorKind.LocalizedString(printer)})
}

// causeMessage is the errorMessage of the first subschema below e that has one (a key that fails a
// propertyNames subschema with its own message, for instance).
func (s *valuesSchema) causeMessage(e *jsonschema.ValidationError) (string, bool) {
	for _, c := range e.Causes {
		if msg, ok := s.errorMessage(fragment(c.SchemaURL)); ok {
			return msg, true
		}
		if msg, ok := s.causeMessage(c); ok {
			return msg, true
		}
	}
	return "", false
}

// instanceFromSchema maps a schema pointer made of properties/<key> steps
// (and of in-place applicators such as allOf/<i>, then, else) to the
// instance location it validates.
func instanceFromSchema(ptr string) ([]string, bool) {
	if ptr == "" {
		return nil, true
	}
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	loc := []string{}
	for i := 0; i < len(toks); i++ {
		switch toks[i] {
		case "properties":
			if i+1 >= len(toks) {
				return nil, false
			}
			i++
			loc = append(loc, strings.ReplaceAll(strings.ReplaceAll(toks[i], "~1", "/"), "~0", "~"))
		case "allOf", "anyOf", "oneOf":
			i++ // skip the index
		case "if", "then", "else":
		default:
			return nil, false
		}
	}
	return loc, true
}

// errorMessage returns the errorMessage annotation of the subschema at ptr.
func (s *valuesSchema) errorMessage(ptr string) (string, bool) {
	obj, ok := s.at(ptr).(map[string]any)
	if !ok {
		return "", false
	}
	msg, ok := obj[errorMessageKeyword].(string)
	return msg, ok && msg != ""
}

func (s *valuesSchema) stringAt(ptr string) string {
	v, _ := s.at(ptr).(string)
	return v
}

// at resolves a JSON pointer in the schema document.
func (s *valuesSchema) at(ptr string) any {
	cur := s.doc
	if ptr == "" {
		return cur
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch t := cur.(type) {
		case map[string]any:
			cur = t[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(t) {
				return nil
			}
			cur = t[i]
		default:
			return nil
		}
	}
	return cur
}

// fragment returns the JSON pointer in a schema URL's fragment, unescaped.
func fragment(u string) string {
	_, frag, ok := strings.Cut(u, "#")
	if !ok {
		return ""
	}
	if f, err := url.PathUnescape(frag); err == nil {
		return f
	}
	return frag
}

func jsonPointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// dotted renders an instance location as a Helm-style dotted path; keys
// that would be ambiguous are bracketed.
func dotted(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		if _, err := strconv.Atoi(t); err == nil {
			fmt.Fprintf(&b, "[%s]", t)
			continue
		}
		if t == "" || strings.ContainsAny(t, ".[]\" ") {
			fmt.Fprintf(&b, "[%q]", t)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

func clone(s []string) []string { return append([]string(nil), s...) }
