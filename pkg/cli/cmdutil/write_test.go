package cmdutil

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestPRLabelFlags: --pr-label is the pull request's label on every write command; --label is its
// deprecated alias (the notice names --pr-label), the two mixed keep every value in order, and a
// command that registered its own --label first keeps it.
func TestPRLabelFlags(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		want       []string
		deprecated bool
	}{
		{args: []string{"--pr-label", "a", "--pr-label", "b"}, want: []string{"a", "b"}},
		{args: []string{"--label", "a"}, want: []string{"a"}, deprecated: true},
		{args: []string{"--pr-label", "a", "--label", "b", "--pr-label", "c"}, want: []string{"a", "b", "c"}, deprecated: true},
		{args: nil, want: nil},
	} {
		var w WriteFlags
		cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
		AddWriteFlags(cmd, &w, "b")
		var notices bytes.Buffer
		cmd.Flags().SetOutput(&notices)
		cmd.SetArgs(append(tc.args, "--pr"))
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if !slices.Equal(w.Labels, tc.want) {
			t.Errorf("%v: labels %q, want %q", tc.args, w.Labels, tc.want)
		}
		if got := strings.Contains(notices.String(), "Flag --label has been deprecated, use --pr-label"); got != tc.deprecated {
			t.Errorf("%v: deprecation notice %q", tc.args, notices.String())
		}
		if err := w.Validate(); err != nil {
			t.Errorf("%v with --pr: %v", tc.args, err)
		}
		w.PR = false
		var fe *FlagError
		if err := w.Validate(); len(tc.want) > 0 && (!errors.As(err, &fe) || err.Error() != "--pr-label, --reviewer and --draft describe the pull request: add --pr") {
			t.Errorf("%v without --pr: %v", tc.args, err)
		}
	}

	var w WriteFlags
	var own []string
	cmd := &cobra.Command{Use: "add"}
	cmd.Flags().StringArrayVar(&own, "label", nil, "the command's own label")
	AddWriteFlags(cmd, &w, "b")
	if err := cmd.ParseFlags([]string{"--label", "ring=canary", "--pr-label", "ready"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(own, []string{"ring=canary"}) || !slices.Equal(w.Labels, []string{"ready"}) {
		t.Errorf("own --label %q, --pr-label %q", own, w.Labels)
	}
	if f := cmd.Flags().Lookup("label"); f.Deprecated != "" || f.Hidden {
		t.Errorf("the command's own --label is deprecated or hidden: %+v", f)
	}
}
