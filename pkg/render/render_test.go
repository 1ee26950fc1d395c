package render

import (
	"strings"
	"testing"
	"testing/fstest"

	"go.yaml.in/yaml/v3"
)

func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{
		"atlantic-aks", "v1.37.2", "10.0.0.0/16", "1", "on", "No", "null", "~", "", " lead", "a: b",
		"x\n---\ny: z", "key: value\nevil: true", "#comment", "- item", "{a: 1}", "'q'", `"dq"`, "tab\there",
		"1e3", "0x1F", ".inf", "ünïcode", "./infra/base", "Standard_D4s_v5",
	} {
		q := Quote(s)
		if strings.Contains(q, "\n") {
			t.Errorf("Quote(%q) = %q spans lines", s, q)
		}
		var got map[string]any
		if err := yaml.Unmarshal([]byte("k: "+q+"\n"), &got); err != nil {
			t.Fatalf("Quote(%q) = %q does not parse: %v", s, q, err)
		}
		if got["k"] != s {
			t.Errorf("Quote(%q) = %q reads back as %#v", s, q, got["k"])
		}
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range []string{"a", "1", "on", "a: b", "x\n---\n", "\x00", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := Quote(s)
		var got map[string]any
		if err := yaml.Unmarshal([]byte("k: "+q+"\nother: 1\n"), &got); err != nil {
			t.Fatalf("Quote(%q) = %q does not parse: %v", s, q, err)
		}
		if len(got) != 2 {
			t.Fatalf("Quote(%q) = %q injected keys: %v", s, q, got)
		}
		if str, ok := got["k"].(string); ok && str != s && strings.ToValidUTF8(s, "\uFFFD") == s {
			t.Fatalf("Quote(%q) = %q reads back as %q", s, q, str)
		}
	})
}

func TestRenderRejectsInjectionAndBadTemplates(t *testing.T) {
	fsys := fstest.MapFS{
		"a.tmpl":    {Data: []byte("name: {{ .Name }}\nkind: x\n")},
		"dup.tmpl":  {Data: []byte("name: {{ .Name }}\nname: again\n")},
		"docs.tmpl": {Data: []byte("a: 1\n---\nb: 2\n")},
		"miss.tmpl": {Data: []byte("a: {{ .Nope }}\n")},
	}
	e := New(fsys, nil)
	type data struct{ Name Scalar }
	out, err := e.Render("a.tmpl", data{Name: "x\n---\nkind: Secret"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(out, &m); err != nil || m["name"] != "x\n---\nkind: Secret" || m["kind"] != "x" {
		t.Fatalf("value injected structure: %s", out)
	}
	if _, err := e.Render("dup.tmpl", data{Name: "a"}, 1); err == nil || !strings.Contains(err.Error(), "already defined") {
		t.Fatalf("duplicate key not caught: %v", err)
	}
	if _, err := e.Render("docs.tmpl", nil, 1); err == nil || !strings.Contains(err.Error(), "2 YAML documents, want 1") {
		t.Fatalf("document count not checked: %v", err)
	}
	if _, err := e.Render("miss.tmpl", data{}, 1); err == nil {
		t.Fatal("missing field not an error")
	}
	if _, err := e.Render("nope.tmpl", nil, 1); err == nil {
		t.Fatal("missing template not an error")
	}
}

func TestOverlay(t *testing.T) {
	base := fstest.MapFS{"a.tmpl": {Data: []byte("a: base\n")}, "b.tmpl": {Data: []byte("b: base\n")}}
	top := fstest.MapFS{"a.tmpl": {Data: []byte("a: top\n")}}
	e := New(base, top)
	for name, want := range map[string]string{"a.tmpl": "a: top\n", "b.tmpl": "b: base\n"} {
		got, err := e.Render(name, nil, 1)
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
}
