package yamlpos

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	kyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// fleetSrc is a multi-document file as a fleet repo holds them: a comment-only head, an empty
// document between two separators, block and flow styles, quoted and unquoted dotted keys.
const fleetSrc = `# fleet objects
---
apiVersion: cluster.x-k8s.io/v1beta1
kind: MachinePool
metadata:
  name: atlantic-aks-system
  namespace: fleet-clusters
  annotations:
    kustomize.toolkit.fluxcd.io/prune: disabled
    "a.b/c": quoted
spec:
  replicas: 3   # inline comment
  template:
    spec:
      version: v1.30.4
      tags: [a, {k: v}, c]
---
---
apiVersion: infrastructure.cluster.x-k8s.io/v1beta1
kind: AzureASOManagedControlPlane
metadata: {name: atlantic-aks, labels: {app.kubernetes.io/name: x}}
spec:
  resources:
    - apiVersion: containerservice.azure.com/v1api20240901
      kind: ManagedCluster
      spec:
        vmSize: Standard_D4s_v5
    -   kind: Other
        spec: {vmSize: big}
`

const anchorSrc = `defaults: &defaults
  vmSize: small
  count: 3
pools:
  system: *defaults
  work:
    <<: *defaults
    count: 5
  extra:
    <<: [*defaults, {zone: 1}]
list: &l [a, b]
copy: *l
`

const valuesSrc = "# values\r\nnodePools:\r\n  work:\r\n    count: 3 # three\r\n  system: {count: 1}\r\n"

type lookupCase struct {
	name  string
	src   string
	doc   int
	path  string
	line  int
	at    string // the text the column points at, on line; "" for column 1
	exact bool
}

var lookupCases = []lookupCase{
	{"comment-only document", fleetSrc, 0, "", 1, "", true},
	{"in comment-only document", fleetSrc, 0, "kind", 1, "", false},
	{"root is the first key", fleetSrc, 1, "", 3, "apiVersion", true},
	{"block key", fleetSrc, 1, "metadata.name", 6, "name", true},
	{"raw bracketed key", fleetSrc, 1, "metadata.annotations[kustomize.toolkit.fluxcd.io/prune]", 9, "kustomize", true},
	{"quoted bracketed key", fleetSrc, 1, `metadata.annotations["kustomize.toolkit.fluxcd.io/prune"]`, 9, "kustomize", true},
	{"key quoted in the file", fleetSrc, 1, `metadata.annotations["a.b/c"]`, 10, `"a.b/c"`, true},
	{"key with comment", fleetSrc, 1, "spec.replicas", 12, "replicas", true},
	{"deep", fleetSrc, 1, "spec.template.spec.version", 15, "version", true},
	{"flow sequence", fleetSrc, 1, "spec.template.spec.tags[2]", 16, "c]", true},
	{"flow mapping in sequence", fleetSrc, 1, "spec.template.spec.tags[1]", 16, "{k", true},
	{"key in flow mapping", fleetSrc, 1, "spec.template.spec.tags[1].k", 16, "k:", true},
	{"index out of range", fleetSrc, 1, "spec.template.spec.tags[5]", 16, "tags", false},
	{"index into scalar", fleetSrc, 1, "spec.replicas[0]", 12, "replicas", false},
	{"missing key", fleetSrc, 1, "spec.missing.deeper", 11, "spec", false},
	{"missing root key", fleetSrc, 1, "status", 3, "apiVersion", false},
	{"after two separators", fleetSrc, 2, "kind", 20, "kind", true},
	{"flow metadata", fleetSrc, 2, "metadata.name", 21, "name", true},
	{"dotted key in flow", fleetSrc, 2, "metadata.labels[app.kubernetes.io/name]", 21, "app.", true},
	{"dotted key quoted", fleetSrc, 2, `metadata.labels["app.kubernetes.io/name"]`, 21, "app.", true},
	{"dotted key single-quoted", fleetSrc, 2, `metadata.labels['app.kubernetes.io/name']`, 21, "app.", true},
	{"dotted key unbracketed", fleetSrc, 2, "metadata.labels.app.kubernetes.io/name", 21, "labels", false},
	{"sequence item", fleetSrc, 2, "spec.resources[0]", 24, "apiVersion", true},
	{"in sequence item", fleetSrc, 2, "spec.resources[0].spec.vmSize", 27, "vmSize", true},
	{"odd indentation", fleetSrc, 2, "spec.resources[1].kind", 28, "kind", true},
	{"flow in block", fleetSrc, 2, "spec.resources[1].spec.vmSize", 29, "vmSize", true},
	{"bare index", fleetSrc, 2, "spec.resources.1.kind", 28, "kind", true},
	{"dot before bracket", fleetSrc, 2, "spec.resources.[1].kind", 28, "kind", true},
	{"bad path", fleetSrc, 2, "spec..resources", 22, "spec", false},
	{"unclosed bracket", fleetSrc, 2, `spec.resources["x`, 23, "resources", false},
	{"doc out of range", fleetSrc, 3, "", 0, "", false},
	{"negative doc", fleetSrc, -1, "", 0, "", false},

	{"anchor definition", anchorSrc, 0, "defaults.vmSize", 2, "vmSize", true},
	{"alias value", anchorSrc, 0, "pools.system", 5, "system", true},
	{"through alias", anchorSrc, 0, "pools.system.vmSize", 5, "*defaults", true},
	{"missing through alias", anchorSrc, 0, "pools.system.nope", 5, "system", false},
	{"explicit key beats merge", anchorSrc, 0, "pools.work.count", 8, "count", true},
	{"merged key", anchorSrc, 0, "pools.work.vmSize", 7, "*defaults", true},
	{"merge list alias", anchorSrc, 0, "pools.extra.vmSize", 10, "*defaults", true},
	{"merge list inline mapping", anchorSrc, 0, "pools.extra.zone", 10, "zone", true},
	{"merge key itself", anchorSrc, 0, `pools.work["<<"]`, 7, "<<", true},
	{"flow sequence anchor", anchorSrc, 0, "list[1]", 11, "b]", true},
	{"sequence alias", anchorSrc, 0, "copy[1]", 12, "*l", true},

	{"crlf", valuesSrc, 0, "nodePools.work.count", 4, "count", true},
	{"crlf flow", valuesSrc, 0, "nodePools.system.count", 5, "count", true},
	{"crlf deepest", valuesSrc, 0, "nodePools.gpu.count", 2, "nodePools", false},

	{"empty file", "", 0, "", 0, "", false},
	{"only a separator", "---\n", 0, "", 1, "", true},
	{"separators in a row", "a: 1\n---\n---\n---\nb: 2\n", 2, "b", 5, "b", true},
	{"empty document after one", "a: 1\n---\n\n", 1, "", 3, "", true},
	{"null document", "---\n~\n", 0, "", 2, "", true},
	{"explicit end", "a: 1\n...\n---\nb: 2\n", 1, "b", 4, "b", true},
	{"directive", "%YAML 1.1\n---\na: 1\n", 0, "a", 3, "a", true},
	{"top-level sequence", "- a\n- b: 1\n", 0, "[1].b", 2, "b", true},
	{"scalar key types", "1: one\ntrue: yes\n", 0, "[1]", 1, "1", true},
	{"numeric key", "ports: {80: http}\n", 0, "ports.80", 1, "80", true},
	{"empty key", "\"\": x\n", 0, `[""]`, 1, `""`, true},
	{"duplicate uses last", "a: 1\nb: 2\na: 3\n", 0, "a", 3, "a", true},
	{"multi-line scalar", "a: |\n  x\n  y\nb: 1\n", 0, "b", 4, "b", true},
	{"unicode column", "ä: {ö: 1, ü: 2}\n", 0, "ä.ü", 1, "ü", true},
	{"byte order mark", "\ufeffa: {b: 1}\n", 0, "a.b", 1, "b", true},
	{"lone cr", "a: 1\rb: {c: 2}\n", 0, "b.c", 1, "c:", true},
	{"line separator in string", "a: \"x\u2028y\"\nb: {c: 2}\n", 0, "b.c", 2, "c", true},
	{"separator with comment", "a: 1\n--- # next\nb: 2\n", 1, "b", 3, "b", true},
	{"merge cycle", "a: &a\n  <<: *a\n  x: 1\n", 0, "a.nope", 1, "a", false},
	{"merge cycle found", "a: &a\n  <<: *a\n  x: 1\n", 0, "a.x", 3, "x", true},
}

// column returns the 1-based column of the first at on line of src, or 1 for an empty at.
func column(t testing.TB, src string, line int, at string) int {
	if at == "" {
		return 1
	}
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		t.Fatalf("line %d out of range", line)
	}
	i := strings.Index(lines[line-1], at)
	if i < 0 {
		t.Fatalf("%q not on line %d: %q", at, line, lines[line-1])
	}
	return utf8.RuneCountInString(strings.TrimPrefix(lines[line-1][:i], "\ufeff")) + 1
}

func TestLookup(t *testing.T) {
	for _, tc := range lookupCases {
		t.Run(tc.name, func(t *testing.T) {
			ix, err := Parse([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			line, col, exact := ix.Lookup(tc.doc, tc.path)
			wantCol := 0
			if tc.line > 0 {
				wantCol = column(t, tc.src, tc.line, tc.at)
			}
			if tc.at != "" && strings.Contains(tc.src, "\r") && !strings.Contains(tc.src, "\r\n") {
				// Lone CR: the column counts from the start of the "\n" line.
				wantCol = strings.Index(strings.ReplaceAll(strings.Split(tc.src, "\n")[tc.line-1], "\r", " "), tc.at) + 1
			}
			if line != tc.line || col != wantCol || exact != tc.exact {
				t.Errorf("Lookup(%d, %q) = %d:%d %v, want %d:%d %v", tc.doc, tc.path, line, col, exact, tc.line, wantCol, tc.exact)
			}
		})
	}
}

func TestDocuments(t *testing.T) {
	tests := []struct {
		src  string
		want int
	}{
		{"", 0},
		{"---\n", 1},
		{"---\n---\n", 1},
		{"---\n---\na: 1\n", 2},
		{"a: 1\n---\n---\n---\nb: 2\n", 3},
		{"a: 1\n---\n---\n", 2},
		{"a: 1\n", 1},
		{"a: 1", 1},
		{"---\na: 1\n", 1},
		{"a: 1\n---\n", 1},
		{"a: 1\n---\n\n", 2},
		{"# head\n---\na: 1\n", 2},
		{"a: 1\n---\n---\nb: 2\n", 2},
		{"a: 1\n---\n# only a comment\n---\nb: 2\n", 3},
		{"a: 1\r\n---\r\nb: 2\r\n", 2},
		{"a: 1\n--- # comment\nb: 2\n", 2},
		{"a: |\n  x\n---\nb: 2\n", 2},
		{"---\n# c\n---\na: 1\n", 2},
		{"a: 1\n--- !!map\nb: 2\n", 2},
		{"%YAML 1.1\n---\na: 1\n", 1},
		{fleetSrc, 3},
	}
	for _, tt := range tests {
		ix, err := Parse([]byte(tt.src))
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if got := ix.Documents(); got != tt.want {
			t.Errorf("%q: %d documents, want %d", tt.src, got, tt.want)
		}
		if n, ok := kubernetesDocuments([]byte(tt.src)); ok && n != ix.Documents() {
			t.Errorf("%q: %d documents, the Kubernetes reader reads %d", tt.src, ix.Documents(), n)
		}
	}
}

// kubernetesDocuments counts the documents the Kubernetes YAML reader splits src into; ok is
// false when it rejects src or src has directives (which yamlpos attaches to the next document).
// It is also false when src ends in a line of 4096 bytes or more without a line break: the reader
// drops that line (its line reader returns the line together with io.EOF).
func kubernetesDocuments(src []byte) (int, bool) {
	if bytes.HasPrefix(src, []byte("%")) || bytes.Contains(src, []byte("\n%")) {
		return 0, false
	}
	if last := src[bytes.LastIndexByte(src, '\n')+1:]; len(last) >= 4096 {
		return 0, false
	}
	rd := kyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(src)))
	for n := 0; ; n++ {
		if _, err := rd.Read(); errors.Is(err, io.EOF) {
			return n, true
		} else if err != nil {
			return 0, false
		}
	}
}

func TestObjectAt(t *testing.T) {
	ix, err := Parse([]byte(fleetSrc))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		apiVersion, kind, name string
		want                   int
	}{
		{"cluster.x-k8s.io/v1beta1", "MachinePool", "atlantic-aks-system", 1},
		{"", "AzureASOManagedControlPlane", "atlantic-aks", 2},
		{"", "", "atlantic-aks", 2},
		{"v1", "MachinePool", "atlantic-aks-system", -1},
		{"", "MachinePool", "other", -1},
		{"", "", "", 1},
	}
	for _, tt := range tests {
		if got := ix.ObjectAt(tt.apiVersion, tt.kind, tt.name); got != tt.want {
			t.Errorf("ObjectAt(%q, %q, %q) = %d, want %d", tt.apiVersion, tt.kind, tt.name, got, tt.want)
		}
	}
	// Fields written through an alias count.
	ix, err = Parse([]byte("apiVersion: v1\nkind: &k ConfigMap\nmetadata: {name: *k}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := ix.ObjectAt("v1", "ConfigMap", "ConfigMap"); got != 0 {
		t.Errorf("ObjectAt through alias = %d, want 0", got)
	}
}

const dupSrc = `a: 1
b:
  c: 1
  c: 2
a: 3
list:
  - {x: 1, x: 2}
"d.e": 1
d.e: 2
anchor: &x {y: 1, y: 2}
again: *x
---
a: 1
'a': 2
`

func TestDuplicateKeys(t *testing.T) {
	ix, err := Parse([]byte(dupSrc))
	if err != nil {
		t.Fatal(err)
	}
	want := []Duplicate{
		{0, "b.c", 4, 3, 3},
		{0, "a", 5, 1, 1},
		{0, "list[0].x", 7, 12, 7},
		{0, `["d.e"]`, 9, 1, 8},
		{0, "anchor.y", 10, 19, 10},
		{1, "a", 14, 1, 13},
	}
	got := ix.DuplicateKeys()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("DuplicateKeys:\n got %v\nwant %v", got, want)
	}
	got[0].Path = "changed"
	if ix.DuplicateKeys()[0].Path != "b.c" {
		t.Error("DuplicateKeys returns the index's own slice")
	}
}

// TestLargeMapping covers the hash index of large mappings, with a duplicate among them.
func TestLargeMapping(t *testing.T) {
	var b strings.Builder
	b.WriteString("m:\n")
	for i := range 40 {
		fmt.Fprintf(&b, "  k%d: {v: %d}\n", i, i)
	}
	b.WriteString("  k7: {w: 1}\n") // line 42
	ix, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if l, c, ok := ix.Lookup(0, "m.k30.v"); l != 32 || c != 9 || !ok {
		t.Errorf("m.k30.v = %d:%d %v", l, c, ok)
	}
	if l, _, ok := ix.Lookup(0, "m.k7.w"); l != 42 || !ok {
		t.Errorf("m.k7.w = %d %v, want the last k7", l, ok)
	}
	if l, c, ok := ix.Lookup(0, "m.k99"); l != 1 || c != 1 || ok {
		t.Errorf("m.k99 = %d:%d %v", l, c, ok)
	}
	d := ix.DuplicateKeys()
	if len(d) != 1 || d[0] != (Duplicate{0, "m.k7", 42, 3, 9}) {
		t.Errorf("DuplicateKeys = %v", d)
	}
}

type syntaxCase struct {
	src        string
	line, col  int
	msgContain string
}

var syntaxCases = []syntaxCase{
	{"a: b: c\n", 1, 5, "mapping values are not allowed"},
	{"a: 1\nb: 2\n  c: 3\n", 3, 4, "mapping values are not allowed"},
	{"a: 1\r\nb: 2\r\n  c: 3\r\n", 3, 4, "mapping values are not allowed"},
	{"a: b\nc: [d\n", 2, 5, "did not find expected ',' or ']'"},
	{"a: 1\n\tb: 2\n", 2, 1, "tab character"},
	{"a: 1\nb: \"x\n", 2, 4, "unexpected end of stream"},
	{"a: *nope\n", 1, 4, "unknown anchor 'nope'"},
	{"a: 1\nb:\n  - x\n  y: 2\n", 4, 4, "did not find expected '-' indicator"},
	{"x: 1\n- a\n", 2, 1, "did not find expected key"},
	{"a:\n  b: 1\n c: 2\n", 3, 2, "did not find expected key"},
	{"c: [d,\n  e]\nx: 1\n  y: 2\n", 4, 4, "mapping values are not allowed"},
	{"ok: 1\n---\nfine: 2\n---\nc: [\n", 5, 4, "did not find expected node content"},
	{"a: @x\n", 1, 4, "cannot start any token"},
	{"\ufeffa: b: c\n", 1, 5, "mapping values are not allowed"},
	{"ä: ö: 1\n", 1, 5, "mapping values are not allowed"},
	{"a: \xff\n", 1, 0, "UTF-8"},
}

func TestSyntaxError(t *testing.T) {
	for _, tc := range syntaxCases {
		_, err := Parse([]byte(tc.src))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v, want a *SyntaxError", tc.src, err)
			continue
		}
		if se.Line != tc.line || (tc.col > 0 && se.Column != tc.col) || !strings.Contains(se.Msg, tc.msgContain) {
			t.Errorf("%q: %d:%d %q, want %d:%d %q", tc.src, se.Line, se.Column, se.Msg, tc.line, tc.col, tc.msgContain)
		}
		if strings.Contains(se.Msg, "line ") || strings.HasPrefix(se.Msg, "yaml:") {
			t.Errorf("%q: message %q keeps the parser's position", tc.src, se.Msg)
		}
	}
}

func TestSyntaxErrorString(t *testing.T) {
	for _, tt := range []struct {
		e    SyntaxError
		want string
	}{
		{SyntaxError{3, 4, "bad"}, "yaml: line 3, column 4: bad"},
		{SyntaxError{3, 0, "bad"}, "yaml: line 3: bad"},
		{SyntaxError{0, 0, "bad"}, "yaml: bad"},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.e, got, tt.want)
		}
	}
}

func BenchmarkParseAndLookup(b *testing.B) {
	var sb strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&sb, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  a.b: x\n  list: [1, 2, 3]\n", i)
	}
	src := []byte(sb.String())
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		ix, err := Parse(src)
		if err != nil {
			b.Fatal(err)
		}
		for d := range ix.Documents() {
			ix.Lookup(d, `data["a.b"]`)
			ix.Lookup(d, "data.list[2]")
		}
	}
}
