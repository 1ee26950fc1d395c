package spec

import "encoding/json"

// DescribeForTest renders a pool for comparisons in tests.
func DescribeForTest(p NodePool) string {
	b, _ := json.Marshal(p)
	return string(b)
}
