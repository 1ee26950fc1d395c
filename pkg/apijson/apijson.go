// Package apijson decodes YAML documents and normalizes objects into the shapes the Kubernetes
// decoders produce, without their JSON round trip.
//
// sigs.k8s.io/yaml (what the API server's and Flux's YAML decoders use) parses YAML with yaml.v2,
// encodes the result as JSON and decodes that JSON again; the API server then re-reads JSON numbers
// as int64 where they are integers. On a 1,000-cluster fleet those round trips were a tenth of
// validate's CPU. The functions here walk the parsed values once and produce exactly what the round
// trips produce; anything they do not know how to convert exactly (a non-string map key, invalid
// UTF-8, a value that is not valid JSON, a type other than the decoders' own) is handed to the round
// trip itself, so every result, and every error, is the library's.
package apijson

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"

	yamlv2 "go.yaml.in/yaml/v2"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// DecodeObject decodes one YAML document into a map, as sigs.k8s.io/yaml.Unmarshal(doc, &m) does:
// YAML 1.1 scalars, every number a float64, nil for an empty document.
func DecodeObject(doc []byte) (map[string]any, error) {
	if m, ok := decodeDirect(doc); ok {
		return m, nil
	}
	// The library's own path: its error messages, and the rare values not converted by hand.
	return decodeRoundTrip(doc)
}

// decodeRoundTrip is the library's decoding, the result decodeDirect must equal.
func decodeRoundTrip(doc []byte) (map[string]any, error) {
	var m map[string]any
	err := yaml.Unmarshal(doc, &m)
	return m, err
}

// decodeDirect is DecodeObject without the JSON round trip; ok is false when the document needs it.
func decodeDirect(doc []byte) (map[string]any, bool) {
	var raw any
	if err := yamlv2.Unmarshal(doc, &raw); err != nil {
		return nil, false
	}
	switch r := raw.(type) {
	case nil:
		return nil, true
	case map[any]any:
		return fromYAMLMap(r)
	}
	return nil, false
}

func fromYAMLMap(in map[any]any) (map[string]any, bool) {
	out := make(map[string]any, len(in))
	for k, v := range in {
		ks, ok := k.(string)
		if !ok || !utf8.ValidString(ks) {
			return nil, false // keys the library stringifies (numbers, booleans), or would rewrite
		}
		cv, ok := fromYAML(v)
		if !ok {
			return nil, false
		}
		out[ks] = cv
	}
	return out, true
}

func fromYAML(v any) (any, bool) {
	switch t := v.(type) {
	case nil, bool:
		return t, true
	case string:
		return t, utf8.ValidString(t)
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case uint64:
		return float64(t), true
	case float64:
		return t, !math.IsInf(t, 0) && !math.IsNaN(t)
	case map[any]any:
		return fromYAMLMap(t)
	case []any:
		return convertSlice(t, fromYAML)
	}
	return nil, false
}

// Normalize returns obj as the API server holds it after decoding it from JSON: a new map in
// which integral numbers are int64 and other numbers float64 (what json.Marshal followed by
// k8s.io/apimachinery's json.Unmarshal gives). obj is not modified.
func Normalize(obj map[string]any) (map[string]any, error) {
	if obj == nil {
		return map[string]any{}, nil
	}
	if out, ok := normalizeMap(obj); ok {
		return out, nil
	}
	return normalizeRoundTrip(obj)
}

// normalizeRoundTrip is the JSON round trip itself, the result normalizeMap must equal.
func normalizeRoundTrip(obj map[string]any) (map[string]any, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var u map[string]any
	if err := utiljson.Unmarshal(b, &u); err != nil {
		return nil, err
	}
	if u == nil {
		u = map[string]any{}
	}
	return u, nil
}

func normalizeMap(in map[string]any) (map[string]any, bool) {
	out := make(map[string]any, len(in))
	for k, v := range in {
		if !utf8.ValidString(k) {
			return nil, false
		}
		c, ok := normalize(v)
		if !ok {
			return nil, false
		}
		out[k] = c
	}
	return out, true
}

func normalize(v any) (any, bool) {
	switch t := v.(type) {
	case nil, bool, int64:
		return t, true
	case string:
		return t, utf8.ValidString(t)
	case int:
		return int64(t), true
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return nil, false // json.Marshal refuses these: the round trip reports it
		}
		// json.Marshal writes a float below 1e21 in its shortest decimal form; the decoder reads that
		// as an int64 when it has no decimal point and fits one. Below 2^53 an integral float's
		// shortest form is its exact digits; above, it may end in rounded zeros that no longer fit.
		if t != math.Trunc(t) || math.Abs(t) >= 1e21 {
			return t, true
		}
		if math.Abs(t) < 1<<53 {
			return int64(t), true
		}
		if i, err := strconv.ParseInt(strconv.FormatFloat(t, 'f', -1, 64), 10, 64); err == nil {
			return i, true
		}
		return t, true
	case map[string]any:
		if t == nil {
			return nil, true
		}
		return normalizeMap(t)
	case []any:
		if t == nil {
			return nil, true
		}
		return convertSlice(t, normalize)
	}
	return nil, false
}

// convertSlice converts every element of in with conv; ok is false as soon as one cannot be.
func convertSlice(in []any, conv func(any) (any, bool)) (any, bool) {
	out := make([]any, len(in))
	for i, e := range in {
		c, ok := conv(e)
		if !ok {
			return nil, false
		}
		out[i] = c
	}
	return out, true
}
