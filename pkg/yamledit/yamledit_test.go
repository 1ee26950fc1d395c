package yamledit

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

type editCase struct {
	name    string // golden file testdata/golden/NAME.yaml
	in      string // input file in testdata
	op      string // "add" or "remove"
	key     string // "resources" when empty
	value   string
	changed bool
	err     string // when set, an error containing this is expected
}

var editCases = []editCase{
	// Block lists.
	{name: "add_kustomization", in: "kustomization.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_comments_everywhere", in: "comments_everywhere.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_non_indented", in: "non_indented.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_wide_indent", in: "wide_indent.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_quoted_prefers_single", in: "quoted.yaml", op: "add", value: "true", changed: true},
	{name: "add_quoted_plain", in: "quoted.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_needs_double_quotes", in: "non_indented.yaml", op: "add", value: "tab\there: \"x\"", changed: true},
	{name: "add_number_like", in: "non_indented.yaml", op: "add", value: "0x1F", changed: true},
	{name: "add_colon_space", in: "kustomization.yaml", op: "add", value: "a: b", changed: true},
	{name: "add_hash", in: "kustomization.yaml", op: "add", value: "#hash", changed: true},
	{name: "add_empty_string", in: "kustomization.yaml", op: "add", value: "", changed: true},
	{name: "add_unicode", in: "kustomization.yaml", op: "add", value: "météo-aks", changed: true},
	{name: "add_block_scalar_last", in: "block_scalar_last.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_multiline_items", in: "multiline_items.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_tagged_items", in: "tagged_items.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_crlf", in: "crlf.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_no_trailing_newline", in: "no_trailing_newline.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_bom", in: "bom.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_multidoc", in: "multidoc.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_indented_root", in: "indented_root.yaml", op: "add", value: "b", changed: true},
	{name: "add_present", in: "kustomization.yaml", op: "add", value: "pacific-aks"},
	{name: "add_present_tagged", in: "tagged_items.yaml", op: "add", value: "pacific-aks"},

	// Flow lists.
	{name: "add_flow", in: "flow.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_flow_multiline", in: "flow_multiline.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_flow_trailing_comma", in: "flow_trailing_comma.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_flow_trailing_comma_inline", in: "flow_trailing_comma.yaml", op: "add", key: "other", value: "z", changed: true},
	{name: "add_flow_needs_quotes", in: "flow.yaml", op: "add", value: "a,b", changed: true},
	{name: "add_empty_flow", in: "empty_flow.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_crlf_empty_flow", in: "crlf_flow.yaml", op: "add", value: "indian-aks", changed: true},

	// Null values and missing keys.
	{name: "add_null_value", in: "null_value.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_null_tilde", in: "null_tilde.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_missing_key", in: "missing_key.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_missing_key_doc_end", in: "missing_key_doc_end.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_missing_key_trailing_separator", in: "missing_key_trailing_separator.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_missing_key_no_trailing_newline", in: "no_trailing_newline_missing.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_missing_key_quoted", in: "missing_key.yaml", op: "add", key: "key: with colon", value: "v", changed: true},
	{name: "add_empty_file", in: "empty.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_only_comments", in: "only_comments.yaml", op: "add", value: "indian-aks", changed: true},
	{name: "add_missing_key_multidoc_one_target", in: "missing_key_trailing_separator.yaml", op: "add", key: "patches", value: "p.yaml", changed: true},

	// Removal.
	{name: "remove_first_with_comment", in: "kustomization.yaml", op: "remove", value: "atlantic-aks", changed: true},
	{name: "remove_last_quoted", in: "kustomization.yaml", op: "remove", value: "pacific-aks", changed: true},
	{name: "remove_comments_everywhere_middle", in: "comments_everywhere.yaml", op: "remove", value: "baltic-aks", changed: true},
	{name: "remove_comments_everywhere_last", in: "comments_everywhere.yaml", op: "remove", value: "pacific-aks", changed: true},
	{name: "remove_only_item", in: "single_item.yaml", op: "remove", value: "atlantic-aks", changed: true},
	{name: "remove_duplicates", in: "duplicates.yaml", op: "remove", value: "dup", changed: true},
	{name: "remove_multiline_item", in: "multiline_items.yaml", op: "remove", value: "a quoted item that continues", changed: true},
	{name: "remove_block_scalar", in: "block_scalar_last.yaml", op: "remove", value: "a literal block\n# not a comment\n", changed: true},
	{name: "remove_crlf", in: "crlf.yaml", op: "remove", value: "atlantic-aks", changed: true},
	{name: "remove_no_trailing_newline", in: "no_trailing_newline.yaml", op: "remove", value: "pacific-aks", changed: true},
	{name: "remove_flow_first", in: "flow.yaml", op: "remove", value: "atlantic-aks", changed: true},
	{name: "remove_flow_last", in: "flow.yaml", op: "remove", value: "pacific-aks", changed: true},
	{name: "remove_flow_multiline_last", in: "flow_multiline.yaml", op: "remove", value: "pacific-aks", changed: true},
	{name: "remove_flow_multiline_first", in: "flow_multiline.yaml", op: "remove", value: "atlantic-aks", changed: true},
	{name: "remove_flow_trailing_comma", in: "flow_trailing_comma.yaml", op: "remove", value: "pacific-aks", changed: true},
	{name: "remove_non_indented", in: "non_indented.yaml", op: "remove", value: "pacific-aks", changed: true},
	{name: "remove_missing_value", in: "kustomization.yaml", op: "remove", value: "old-one"},
	{name: "remove_missing_key", in: "missing_key.yaml", op: "remove", value: "x"},
	{name: "remove_null", in: "null_value.yaml", op: "remove", value: "x"},
	{name: "remove_multidoc", in: "multidoc.yaml", op: "remove", value: "atlantic-aks", changed: true},

	// Errors.
	{in: "multidoc_ambiguous.yaml", op: "add", value: "c", err: "ambiguous"},
	{in: "multidoc_ambiguous.yaml", op: "remove", value: "a", err: "ambiguous"},
	{in: "multidoc_missing.yaml", op: "add", value: "c", err: "ambiguous"},
	{in: "root_list.yaml", op: "add", value: "c", err: "not a mapping"},
	{in: "root_list.yaml", op: "remove", value: "a", err: "not a mapping"},
	{in: "not_a_list.yaml", op: "add", value: "c", err: `value of "resources" at 1:12 is a scalar, not a list`},
	{in: "mapping_items.yaml", op: "add", value: "c", err: "item at 2:5 of \"resources\" is a mapping, not a scalar"},
	{in: "mapping_items.yaml", op: "remove", value: "b", err: "not a scalar"},
	{in: "invalid.yaml", op: "add", value: "c", err: "invalid YAML: line 2: did not find expected key"},
	{in: "invalid.yaml", op: "remove", value: "c", err: "invalid YAML"},
	{in: "duplicate_key.yaml", op: "add", value: "c", err: "defined twice, at 1:1 and 3:1"},
	{in: "kustomization.yaml", op: "add", value: "\xff", err: "UTF-8"},
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func runOp(op string, src []byte, key, value string) ([]byte, bool, error) {
	if op == "add" {
		return AddToList(src, key, value)
	}
	return RemoveFromList(src, key, value)
}

func TestEdits(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range editCases {
		name := tc.name
		if name == "" {
			name = tc.op + "_error_" + strings.TrimSuffix(tc.in, ".yaml")
		}
		if seen[name] {
			name += "_2"
		}
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			key := tc.key
			if key == "" {
				key = "resources"
			}
			src := readTestdata(t, tc.in)
			orig := bytes.Clone(src)
			before, beforeErr := ListItems(src, key)
			out, changed, err := runOp(tc.op, src, key, tc.value)
			if !bytes.Equal(src, orig) {
				t.Fatal("input was modified")
			}
			if tc.err != "" {
				if err == nil {
					t.Fatalf("no error, want one containing %q; output:\n%s", tc.err, out)
				}
				if !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %q: want one line containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.op, err)
			}
			if beforeErr != nil {
				t.Fatalf("ListItems before: %v", beforeErr)
			}
			if changed != tc.changed {
				t.Errorf("changed = %v, want %v", changed, tc.changed)
			}
			if !changed {
				if !bytes.Equal(out, src) {
					t.Errorf("unchanged result differs from input:\n%s", out)
				}
				return
			}
			golden := filepath.Join("testdata", "golden", tc.name+".yaml")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", golden, out, want)
			}

			after, err := ListItems(out, key)
			if err != nil {
				t.Fatalf("ListItems after: %v", err)
			}
			wantItems := slices.DeleteFunc(slices.Clone(before), func(s string) bool { return s == tc.value })
			if tc.op == "add" {
				wantItems = append(slices.Clone(before), tc.value)
			}
			if !slices.Equal(after, wantItems) {
				t.Errorf("items after %s = %q, want %q", tc.op, after, wantItems)
			}
			// Doing it again changes nothing.
			again, changedAgain, err := runOp(tc.op, out, key, tc.value)
			if err != nil || changedAgain || !bytes.Equal(again, out) {
				t.Errorf("repeating %s: changed=%v err=%v", tc.op, changedAgain, err)
			}
			checkEdit(t, tc.op, src, key, tc.value, out, changed, nil)
		})
	}
}

// TestAddRemoveRoundTrip checks that removing what was just appended to a
// block list gives back the original bytes.
func TestAddRemoveRoundTrip(t *testing.T) {
	for _, in := range []string{
		"kustomization.yaml", "comments_everywhere.yaml", "non_indented.yaml", "wide_indent.yaml",
		"quoted.yaml", "block_scalar_last.yaml", "multiline_items.yaml", "crlf.yaml",
		"no_trailing_newline.yaml", "bom.yaml", "multidoc.yaml", "flow.yaml", "flow_multiline.yaml",
		"flow_trailing_comma.yaml",
	} {
		t.Run(in, func(t *testing.T) {
			src := readTestdata(t, in)
			for _, v := range []string{"indian-aks", "needs: quotes", "'", "123"} {
				added, _, err := AddToList(src, "resources", v)
				if err != nil {
					t.Fatal(err)
				}
				back, changed, err := RemoveFromList(added, "resources", v)
				if err != nil || !changed {
					t.Fatalf("remove %q: changed=%v err=%v", v, changed, err)
				}
				if !bytes.Equal(back, src) {
					t.Errorf("add+remove %q:\n--- got\n%s\n--- want\n%s", v, back, src)
				}
			}
		})
	}
}

func TestListItems(t *testing.T) {
	tests := []struct {
		in   string
		key  string
		want []string
		err  string
	}{
		{in: "kustomization.yaml", want: []string{"atlantic-aks", "pacific-aks"}},
		{in: "quoted.yaml", want: []string{"atlantic-aks", "it's-quoted", "pacific-aks", "last"}},
		{in: "multiline_items.yaml", want: []string{"a plain item that continues", "a quoted item that continues", "last plain continued"}},
		{in: "flow.yaml", want: []string{"atlantic-aks", "pacific-aks"}},
		{in: "empty_flow.yaml"},
		{in: "null_value.yaml"},
		{in: "missing_key.yaml"},
		{in: "empty.yaml"},
		{in: "crlf.yaml", want: []string{"atlantic-aks", "pacific-aks"}},
		{in: "multidoc.yaml", want: []string{"atlantic-aks"}},
		{in: "multidoc.yaml", key: "kind", err: "ambiguous"},
		{in: "not_a_list.yaml", err: "not a list"},
		{in: "root_list.yaml", err: "not a mapping"},
		{in: "invalid.yaml", err: "invalid YAML"},
	}
	for _, tc := range tests {
		t.Run(tc.in+"/"+tc.key, func(t *testing.T) {
			key := tc.key
			if key == "" {
				key = "resources"
			}
			got, err := ListItems(readTestdata(t, tc.in), key)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("ListItems = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestFuzzFindings pins inputs the fuzzers turned up (they are also seeds
// in testdata/fuzz): each used to be refused or mishandled.
func TestFuzzFindings(t *testing.T) {
	tests := []struct{ op, src, key, value, want string }{
		// A quoted last item whose continuation line is left of the dashes.
		{"add", "resources:\n- \"\n\"", "resources", "0", "resources:\n- \"\n\"\n- \"0\""},
		{"add", "resources:\n  - ''\n  - ''\n  - \"00000000000\n 000\"", "resources", "0", "resources:\n  - ''\n  - ''\n  - \"00000000000\n 000\"\n  - '0'"},
		{"remove", "resources:\n- \"\n\"\n- x", "resources", "x", "resources:\n- \"\n\""},
		{"remove", "resources:\n  - \"00000000000\n 000\"\n  - x", "resources", "x", "resources:\n  - \"00000000000\n 000\""},
		// In a flow list, ':' ends a plain scalar only before white space.
		{"add", "rDsources: [0:]", "rDsources", "0", "rDsources: [0:, \"0\"]"},
		{"remove", "rDsources: [0:, a]", "rDsources", "a", "rDsources: [0:]"},
		{"remove", "rDsources: [a, 0:]", "rDsources", "0:", "rDsources: [a]"},
		// A new key is indented like the first key, not like the root's tag.
		{"add", "!\n 0:", "k", "v", "!\n 0:\n k:\n   - v"},
		// "-" before a line break would start a block list inside the flow.
		{"add", "resources: [\n0\n]", "resources", "-", "resources: [\n0,\n\"-\"\n]"},
	}
	for _, tc := range tests {
		out, changed, err := runOp(tc.op, []byte(tc.src), tc.key, tc.value)
		if err != nil || !changed || string(out) != tc.want {
			t.Errorf("%s(%q, %q, %q) = %q, %v, %v; want %q", tc.op, tc.src, tc.key, tc.value, out, changed, err, tc.want)
		}
	}
	// UTF-16 input parses, but cannot be spliced as UTF-8 text.
	if _, _, err := AddToList([]byte("\xfe\xff"), "k", "v"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("UTF-16 input: err = %v, want ErrUnsupported", err)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	_, _, err := AddToList(readTestdata(t, "invalid.yaml"), "resources", "x")
	if !errors.Is(err, ErrInvalidYAML) {
		t.Errorf("invalid YAML: %v does not wrap ErrInvalidYAML", err)
	}
	_, _, err = AddToList([]byte("resources: !!seq\n  - a\n"), "resources", "x")
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("tagged block list: %v does not wrap ErrUnsupported", err)
	}
}

func BenchmarkAddToList(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
	for i := range 1000 {
		fmt.Fprintf(&sb, "  - cluster-%04d # comment\n", i)
	}
	src := []byte(sb.String())
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := AddToList(src, "resources", "new-cluster"); err != nil {
			b.Fatal(err)
		}
	}
}
