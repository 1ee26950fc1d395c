// Package strictyaml decodes YAML into Go types the way the Kubernetes API server reads objects:
// field names match case-sensitively, and unknown or duplicate fields are errors.
package strictyaml

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Unmarshal decodes data into v. Errors are one line and name the offending field by its path in
// the document ("nodePools.work.count") and what it must be, in plain words, never Go type names.
func Unmarshal(data []byte, v any) error {
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return errors.New(oneLine(err.Error()))
	}
	strict, err := kjson.UnmarshalStrict(j, v, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := pathAt(j, te.Offset)
		if field == "" {
			field = te.Field
		}
		return fmt.Errorf("%s: must be %s, not %s", field, describeType(te.Type), article(te.Value))
	}
	if err != nil {
		return errors.New(oneLine(err.Error()))
	}
	if len(strict) > 0 {
		msgs := make([]string, len(strict))
		for i, e := range strict {
			msgs[i] = oneLine(e.Error())
		}
		return fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	return nil
}

// pathAt returns the dotted path ("nodePools.work.zones[0]") of the value the decoder was reading
// when it stopped at offset in the JSON document j.
func pathAt(j []byte, offset int64) string {
	type frame struct {
		obj     bool
		wantKey bool
		key     string
		idx     int
	}
	var stack []*frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.obj {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			} else {
				fmt.Fprintf(&b, "[%d]", f.idx)
			}
		}
		return b.String()
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.wantKey {
			top.key, _ = tok.(string)
			top.wantKey = false
			continue
		}
		// tok starts a value: the stack is its path.
		if top != nil && !top.obj {
			top.idx++
		}
		p := path()
		if top != nil && top.obj {
			top.wantKey = true
		}
		if dec.InputOffset() >= offset {
			return p
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &frame{obj: d == '{', wantKey: d == '{', idx: -1})
		}
	}
}

// describeType names what a Go type expects, in the words of a values file.
func describeType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list of " + plural(describeType(t.Elem()))
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return "of another type"
}

func plural(s string) string {
	switch s {
	case "a whole number":
		return "whole numbers"
	case "a number":
		return "numbers"
	case "a string":
		return "strings"
	case "a mapping":
		return "mappings"
	}
	return "values"
}

// article turns the decoder's word for what it found ("string", "number 1.5") into plain words.
func article(v string) string {
	switch {
	case v == "array":
		return "a list"
	case v == "object":
		return "a mapping"
	case v == "bool":
		return "true or false"
	case strings.HasPrefix(v, "number "):
		return "the number " + strings.TrimPrefix(v, "number ")
	}
	return "a " + v
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
