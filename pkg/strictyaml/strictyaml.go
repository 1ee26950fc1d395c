// Package strictyaml decodes YAML into Go types the way the Kubernetes API server reads objects:
// field names match case-sensitively, and unknown or duplicate fields are errors.
package strictyaml

import (
	"errors"
	"fmt"
	"strings"

	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Unmarshal decodes data into v. Errors are one line and name the offending field.
func Unmarshal(data []byte, v any) error {
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return errors.New(oneLine(err.Error()))
	}
	strict, err := kjson.UnmarshalStrict(j, v, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
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

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
