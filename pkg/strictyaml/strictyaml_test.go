package strictyaml

import (
	"strings"
	"testing"
)

type target struct {
	NodePools map[string]int `json:"nodePools"`
	Name      string         `json:"name"`
}

func TestUnmarshal(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"name: a\nnodePools: {x: 1}\n", ""},
		{"nodepools: {x: 1}\n", `unknown field "nodepools"`},
		{"Name: a\n", `unknown field "Name"`},
		{"name: a\nname: b\n", `already set in map`},
		{"name: [a\n", "line 1"},
	}
	for _, tt := range tests {
		var v target
		err := Unmarshal([]byte(tt.in), &v)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%q: %v", tt.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%q: error %v, want %q", tt.in, err, tt.wantErr)
		}
	}
}
