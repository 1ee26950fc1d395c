package yamlpos

import (
	"fmt"
	"testing"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		path string
		want string // segments as key/idx, "!" appended when not ok
	}{
		{"", "[]"},
		{"a", "[{a -1}]"},
		{"a.b.c", "[{a -1} {b -1} {c -1}]"},
		{"a[0].b", "[{a -1} {0 0} {b -1}]"},
		{"[3]", "[{3 3}]"},
		{"a.12", "[{a -1} {12 12}]"},
		{"a.-1", "[{a -1} {-1 -1}]"},
		{`a["x.y/z"]`, "[{a -1} {x.y/z -1}]"},
		{`a["q\"]"].b`, `[{a -1} {q"] -1} {b -1}]`},
		{`a['x.y']`, "[{a -1} {x.y -1}]"},
		{`a[app.kubernetes.io/name]`, "[{a -1} {app.kubernetes.io/name -1}]"},
		{`a.[0]`, "[{a -1} {0 0}]"},
		{"a/b.c", "[{a/b -1} {c -1}]"},
		{".a", "[]!"},
		{"a.", "[{a -1}]!"},
		{"a..b", "[{a -1}]!"},
		{"a[]", "[{a -1}]!"},
		{"a[0", "[{a -1}]!"},
		{`a["x`, "[{a -1}]!"},
		{`a["x"`, "[{a -1}]!"},
		{`a["x"]b`, "[{a -1} {x -1}]!"},
		{`a["\q"]`, "[{a -1}]!"},
	}
	for _, tt := range tests {
		segs, ok := parsePath(tt.path)
		got := fmt.Sprint(segs)
		if !ok {
			got += "!"
		}
		if got != tt.want {
			t.Errorf("parsePath(%q) = %s, want %s", tt.path, got, tt.want)
		}
	}
}

func TestAppend(t *testing.T) {
	p := AppendKey("", "spec")
	p = AppendKey(p, "resources")
	p = AppendIndex(p, 0)
	p = AppendKey(p, "kustomize.toolkit.fluxcd.io/prune")
	p = AppendKey(p, "")
	p = AppendKey(p, `say "hi"`)
	want := `spec.resources[0]["kustomize.toolkit.fluxcd.io/prune"][""]["say \"hi\""]`
	if p != want {
		t.Errorf("got %s, want %s", p, want)
	}
	segs, ok := parsePath(p)
	if !ok || fmt.Sprint(segs) != `[{spec -1} {resources -1} {0 0} {kustomize.toolkit.fluxcd.io/prune -1} { -1} {say "hi" -1}]` {
		t.Errorf("round trip: %v %v", segs, ok)
	}
	if got := AppendKey("", "a/b"); got != `["a/b"]` {
		t.Errorf("slash key: %s", got)
	}
}
