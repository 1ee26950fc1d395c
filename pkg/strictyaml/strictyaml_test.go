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

func TestTypeErrorsInPlainWords(t *testing.T) {
	type pool struct {
		Count *int     `json:"count,omitempty"`
		Zones []string `json:"zones,omitempty"`
	}
	type values struct {
		Name      string          `json:"name,omitempty"`
		NodePools map[string]pool `json:"nodePools,omitempty"`
		Debug     bool            `json:"debug,omitempty"`
	}
	for _, tt := range []struct{ in, want string }{
		{"nodePools:\n  work:\n    count: three\n", `nodePools.work.count: must be a whole number, not a string`},
		{"nodePools:\n  work:\n    count: 1.5\n", `nodePools.work.count: must be a whole number, not the number 1.5`},
		{"name: [a]\n", `name: must be a string, not a list`},
		{"nodePools:\n  a: {}\n  work:\n    zones: 1\n", `nodePools.work.zones: must be a list of strings, not a number`},
		{"nodePools:\n  work:\n    zones: [\"1\", [2]]\n", `nodePools.work.zones[1]: must be a string, not a list`},
		{"nodePools: 3\n", `nodePools: must be a mapping, not a number`},
		{"debug: yes please\n", `debug: must be true or false, not a string`},
	} {
		var v values
		err := Unmarshal([]byte(tt.in), &v)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q: got %v, want %s", tt.in, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "Go struct") {
			t.Errorf("%q: a Go type name reaches the user: %v", tt.in, err)
		}
	}
}
