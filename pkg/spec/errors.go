// Package spec holds the model of one AKS cluster as fleetctl writes it, and the AKS rules that every
// input is checked against before anything is rendered or written.
package spec

import "fmt"

// FieldError is a rejected input: the field, the value given and the rule it breaks. Its message is one
// line so a command can print it as is.
type FieldError struct {
	// Scope says which object the field belongs to, e.g. `cluster "atlantic-aks": node pool "work"`.
	Scope string
	Field string
	Value string
	Rule  string
}

func (e *FieldError) Error() string {
	msg := fmt.Sprintf("%s %q: %s", e.Field, e.Value, e.Rule)
	if e.Scope != "" {
		return e.Scope + ": " + msg
	}
	return msg
}

func fieldErr(scope, field, value, rule string) error {
	return &FieldError{Scope: scope, Field: field, Value: value, Rule: rule}
}
