package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// AddOutputFlag adds -o/--output with the allowed formats in its help text.
func AddOutputFlag(cmd *cobra.Command, p *string, def string, allowed ...string) {
	cmd.Flags().StringVarP(p, "output", "o", def, "output format: one of "+strings.Join(allowed, "|"))
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return allowed, cobra.ShellCompDirectiveNoFileComp
	})
}

// CheckOutput returns a usage error when format is not allowed.
func CheckOutput(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return FlagErrorf("--output %q: must be one of %s", format, strings.Join(allowed, "|"))
}

// EnumValue is a pflag.Value that accepts only the listed values (case-insensitively, stored in the
// listed spelling) and names them in its help text.
type EnumValue struct {
	allowed []string
	value   string
}

// NewEnum returns an EnumValue with a default (may be "").
func NewEnum(def string, allowed ...string) *EnumValue {
	return &EnumValue{allowed: allowed, value: def}
}

func (e *EnumValue) String() string { return e.value }
func (e *EnumValue) Type() string   { return "string" }

// Set accepts a listed value.
func (e *EnumValue) Set(v string) error {
	for _, a := range e.allowed {
		if strings.EqualFold(v, a) {
			e.value = a
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(e.allowed, "|"))
}

// Allowed returns the accepted values.
func (e *EnumValue) Allowed() []string { return e.allowed }

// AddEnumFlag registers an enum flag with completion of its values.
func AddEnumFlag(cmd *cobra.Command, e *EnumValue, name, usage string) {
	cmd.Flags().Var(e, name, usage+" ("+strings.Join(e.allowed, "|")+")")
	_ = cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return e.allowed, cobra.ShellCompDirectiveNoFileComp
	})
}

// AddSelectorFlag adds -l/--selector: a label selector in kubectl's syntax over the clusters' labels.
func AddSelectorFlag(cmd *cobra.Command, p *string, what string) {
	cmd.Flags().StringVarP(p, "selector", "l", "", what+": a label selector over the clusters' labels, as kubectl takes it (env=prod,ring in (early,broad),!canary)")
}

// appendStrings is a repeatable string flag that appends every value to one slice, so that two
// names of the same flag (--pr-label and its deprecated alias --label) can be mixed on one command
// line without one replacing the other's values.
type appendStrings struct{ p *[]string }

func (a appendStrings) String() string {
	if a.p == nil || len(*a.p) == 0 {
		return "" // the zero default, which help does not print
	}
	return "[" + strings.Join(*a.p, ",") + "]"
}
func (a appendStrings) Type() string { return "stringArray" }

// Set appends v.
func (a appendStrings) Set(v string) error {
	*a.p = append(*a.p, v)
	return nil
}
