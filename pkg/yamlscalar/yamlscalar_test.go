package yamlscalar

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
	k8syaml "sigs.k8s.io/yaml"
)

var contexts = []Context{BlockValue, BlockKey, BlockItem, FlowValue, FlowKey}

// readsBackAnywhere reports whether text reads back as the string value
// in every context, under YAML 1.2 and YAML 1.1.
func readsBackAnywhere(t *testing.T, text, value string) bool {
	t.Helper()
	for _, ctx := range contexts {
		if !ReadsBack(text, value, "!!str", ctx) {
			t.Logf("%q does not read back as %q in context %d", text, value, ctx)
			return false
		}
		if !readsBackK8s(t, text, ctx) {
			return false
		}
	}
	return true
}

// readsBackK8s reports whether sigs.k8s.io/yaml (YAML 1.1, as Kubernetes,
// Helm and kubectl read it) reads the documents that ReadsBack checks for
// ctx as go.yaml.in/yaml/v3 does.
func readsBackK8s(t *testing.T, text string, ctx Context) bool {
	t.Helper()
	for _, p := range probes[ctx] {
		doc := []byte(p.before + text + p.after)
		var v3, k8s any
		if err := yaml.Unmarshal(doc, &v3); err != nil {
			if strings.Contains(err.Error(), "already defined") {
				continue // text is the probe's other key: "{z: x, z: x}"
			}
			t.Logf("yaml v3: %q: %v", doc, err)
			return false
		}
		if err := k8syaml.Unmarshal(doc, &k8s); err != nil {
			t.Logf("sigs.k8s.io/yaml: %q: %v", doc, err)
			return false
		}
		if !reflect.DeepEqual(v3, k8s) {
			t.Logf("%q: sigs.k8s.io/yaml reads %#v, yaml v3 %#v", doc, k8s, v3)
			return false
		}
	}
	return true
}

func TestSpecial(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"y", true}, {"Y", true}, {"yes", true}, {"YES", true}, {"yEs", true}, {"n", true}, {"No", true},
		{"on", true}, {"OFF", true}, {"true", true}, {"False", true}, {"null", true}, {"NULL", true}, {"~", true},
		{"0", true}, {"-1", true}, {"+12", true}, {"1_000", true}, {"017", true}, {"0o17", true}, {"0O17", true},
		{"0x1F", true}, {"0X1f", true}, {"0b101", true}, {"-0B1", true}, {"1:20", true}, {"190:20:30", true},
		{"1.5", true}, {".5", true}, {"1.", true}, {"-.5e3", true}, {"1e3", true}, {"1E+3", true}, {"1_0.5", true},
		{"1:20.5", true}, {".", true}, {".inf", true}, {"-.Inf", true}, {"+.INF", true}, {".nan", true}, {".NaN", true},
		{"2001-12-14", true}, {"2001-12-14t21:59:43.10-05:00", true}, {"2001-12-14 21:59:43.10 -5", true}, {"<<", true},
		{"", false}, {"yess", false}, {"nope", false}, {"atlantic-aks", false}, {"v1.37.2", false}, {"1.37.2", false},
		{"10.0.0.0/16", false}, {"10m", false}, {"0x", false}, {"0xG", false}, {"1e", false}, {"-", false},
		{"inf", false}, {"NaN", false}, {"2001-12", false}, {"./base", false}, {"_", false}, {"a: b", false},
	} {
		if got := Special(tc.s); got != tc.want {
			t.Errorf("Special(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"atlantic-aks", "atlantic-aks"},
		{"v1.37.2", "v1.37.2"},
		{"./infra/base", "./infra/base"},
		{"Standard_D4s_v5", "Standard_D4s_v5"},
		{"10.0.0.0/16", `"10.0.0.0/16"`},
		{"10m", `"10m"`},
		{"on", `"on"`},
		{"No", `"No"`},
		{".5", `".5"`},
		{".", `"."`},
		{".inf", `".inf"`},
		{"", `""`},
		{"a: b", `"a: b"`},
		{"x\n---\ny: z", `"x\n---\ny: z"`},
		{"tab\there\r", `"tab\there\r"`},
		{`"dq" \`, `"\"dq\" \\"`},
		{"ünïcode", `"ünïcode"`},
		{"\x00\x7f\u0085\u00a0\ufeff\u2028\U000e0001", `"\x00\x7f\x85\xa0\ufeff\u2028\U000e0001"`},
		{"\xff", `"` + "\ufffd" + `"`},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestPlainReadsBackEverywhere(t *testing.T) {
	for _, s := range []string{
		"atlantic-aks", "v1.37.2", "./infra/base", "Standard_D4s_v5", "_x", "/", "a.b", "..", "...", "..5",
		"yess", "nope", "inf", "NaN", "x-1", "a--b",
	} {
		if !Word(s) {
			t.Errorf("Word(%q) = false", s)
			continue
		}
		if !readsBackAnywhere(t, s, s) {
			t.Errorf("word %q does not read back everywhere", s)
		}
	}
}

func TestText(t *testing.T) {
	plain := []Style{Plain, Double, Single}
	single := []Style{Plain, Single, Double}
	for _, tc := range []struct {
		value string
		ctx   Context
		order []Style
		want  string
	}{
		{"indian-aks", BlockItem, plain, "indian-aks"},
		{"it's here", BlockValue, plain, "it's here"},
		{"météo-aks", BlockItem, plain, "météo-aks"},
		{"yes", BlockItem, plain, `"yes"`},
		{"yes", BlockItem, single, `'yes'`},
		{"1:20", BlockValue, plain, `"1:20"`},
		{"a: b", BlockItem, plain, `"a: b"`},
		{"a,b", BlockItem, plain, "a,b"},
		{"a,b", FlowValue, plain, `"a,b"`},
		{"0:", FlowValue, plain, `"0:"`},
		{"-", BlockValue, plain, `"-"`},
		{"-", FlowValue, plain, `"-"`},
		{"-x", FlowValue, plain, "-x"},
		{"#hash", BlockItem, plain, `"#hash"`},
		{"a #b", BlockValue, plain, `"a #b"`},
		{"a#b", BlockValue, plain, "a#b"},
		{"key: with colon", BlockKey, plain, `"key: with colon"`},
		{"", BlockItem, single, "''"},
		{"tab\there", BlockItem, single, `"tab\there"`},
		{"? x", BlockKey, plain, `"? x"`},
	} {
		got, ok := Text(tc.value, tc.ctx, tc.order...)
		if !ok || got != tc.want {
			t.Errorf("Text(%q, %d) = %s, %v; want %s", tc.value, tc.ctx, got, ok, tc.want)
		}
	}
	if _, ok := Text(strings.Repeat("k", 1100), BlockKey, Plain, Single, Double); ok {
		t.Error("a key longer than 1024 characters cannot be an implicit key")
	}
}

func TestReadsBackTags(t *testing.T) {
	for _, tc := range []struct {
		text, value, tag string
		want             bool
	}{
		{"5", "5", "!!int", true},
		{"0x1F", "0x1F", "!!int", true},
		{"five", "five", "!!int", false},
		{"5", "5", "!!str", false},
		{`"5"`, "5", "!!str", true},
		{"&a x", "x", "!!str", false},
		{"!!str 5", "5", "!!str", true},
	} {
		if got := ReadsBack(tc.text, tc.value, tc.tag, BlockValue); got != tc.want {
			t.Errorf("ReadsBack(%q, %q, %s) = %v, want %v", tc.text, tc.value, tc.tag, got, tc.want)
		}
	}
}

// FuzzQuoter checks the rules on any string: Quote's result reads back in
// every context and in YAML 1.1 as the same string, and so does what Text
// writes in its context, plain included.
func FuzzQuoter(f *testing.F) {
	for _, s := range []string{"a", "1", "on", "a: b", "x\n---\n", "\x00", "\xff", ".5", "-", "0:", "a,b", "'q'", "#x", "2001-12-14"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, s string, c uint8) {
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		if q := Quote(s); strings.ContainsAny(q, "\r\n") || !readsBackAnywhere(t, q, s) {
			t.Fatalf("Quote(%q) = %s does not read back as the string everywhere", s, q)
		}
		ctx := contexts[int(c)%len(contexts)]
		if !ReadsBack(DoubleQuoted(s), s, "!!str", ctx) && len(s) < 1000 {
			t.Fatalf("DoubleQuoted(%q) does not read back in context %d", s, ctx)
		}
		text, ok := Text(s, ctx, Plain, Single, Double)
		if !ok {
			if len(s) < 1000 {
				t.Fatalf("Text(%q, %d) found no way to write it", s, ctx)
			}
			return
		}
		if text == s && Special(s) || !readsBackK8s(t, text, ctx) {
			t.Fatalf("Text(%q, %d) = %s, which YAML 1.1 reads as something else", s, ctx, text)
		}
	})
}
