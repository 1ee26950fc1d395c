package yamledit

import (
	"fmt"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// valuesWithPools returns a values file with n node pools of a few keys
// each, commented like a hand-edited one.
func valuesWithPools(n int) []byte {
	var sb strings.Builder
	sb.WriteString("# cluster values\nname: atlantic-aks\nlocation: westeurope # immutable\nnodePools:\n")
	for i := range n {
		fmt.Fprintf(&sb, "  # pool %d\n  pool%04d:\n    mode: User\n    vmSize: Standard_D4s_v5 # immutable\n    count: 2\n    zones: [\"1\", \"2\", \"3\"]\n", i, i)
	}
	return []byte(sb.String())
}

// BenchmarkEdits times the edits other than AddToList (see
// BenchmarkAddToList) on a values file with 300 pools and a list of 1,000
// items.
func BenchmarkEdits(b *testing.B) {
	values := valuesWithPools(300)
	items := make([]string, 1000)
	for i := range items {
		items[i] = fmt.Sprintf("  - cluster-%04d # comment\n", i)
	}
	list := []byte("kind: Kustomization\nresources:\n" + strings.Join(items, ""))
	autoscale := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "min"}, {Kind: yaml.ScalarNode, Value: "1"},
		{Kind: yaml.ScalarNode, Value: "max"}, {Kind: yaml.ScalarNode, Value: "10"},
	}}
	pool := func(k string) []string { return []string{"nodePools", "pool0150", k} }
	for _, bc := range []struct {
		name string
		src  []byte
		run  func(src []byte) error
	}{
		{"SetScalar", values, func(src []byte) error { _, _, err := SetScalar(src, 0, pool("count"), "5", Int); return err }},
		{"SetNode", values, func(src []byte) error {
			_, _, err := SetNode(src, 0, pool("autoscale"), autoscale, "count")
			return err
		}},
		{"DeleteKey", values, func(src []byte) error { _, _, err := DeleteKey(src, 0, pool("count")); return err }},
		{"RemoveFromList", list, func(src []byte) error { _, _, err := RemoveFromList(src, "resources", "cluster-0500"); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.src)))
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.run(bc.src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
