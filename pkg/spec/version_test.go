package spec

import (
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in   string
		want Version
		ok   bool
	}{
		{"v1.37.2", Version{1, 37, 2}, true},
		{"v0.0.0", Version{}, true},
		{"1.37.2", Version{}, false},
		{"v1.37", Version{}, false},
		{"v1.033.2", Version{}, false},
		{"v1.99999999999999999999.0", Version{}, false},
		{"", Version{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseVersion(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseVersion(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok && got.String() != tt.in {
			t.Errorf("ParseVersion(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestCheckUpgrade(t *testing.T) {
	tests := []struct {
		old, new string
		wantErr  string // substring; "" means allowed
	}{
		{"v1.37.2", "v1.37.3", ""},
		{"v1.37.2", "v1.37.2", ""},
		{"v1.37.2", "v1.38.0", ""},
		{"v1.37.2", "v1.38.9", ""},
		{"v1.37.2", "v1.39.0", "skips minor versions from v1.37.2"},
		{"v1.37.2", "v2.0.0", "skips minor versions"},
		{"v1.37.2", "v1.37.1", "AKS does not downgrade"},
		{"v1.37.2", "v1.36.9", "AKS does not downgrade"},
		{"v1.37.2", "1.38.0", "must be v<major>.<minor>.<patch>"},
		{"1.37", "v1.38.0", "current kubernetesVersion"},
	}
	for _, tt := range tests {
		err := CheckUpgrade("--kubernetes-version", tt.old, tt.new)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s -> %s: unexpected error %v", tt.old, tt.new, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s -> %s: error %v, want one containing %q", tt.old, tt.new, err, tt.wantErr)
		case err != nil && strings.Contains(err.Error(), "\n"):
			t.Errorf("%s -> %s: error is not one line: %q", tt.old, tt.new, err)
		}
	}
}

func TestCheckPoolSkew(t *testing.T) {
	tests := []struct {
		pool, cp string
		wantErr  string
	}{
		{"v1.37.2", "v1.37.2", ""},
		{"v1.36.0", "v1.37.2", ""},
		{"v1.35.9", "v1.37.2", ""},
		{"v1.34.9", "v1.37.2", "more than 2 minor versions behind"},
		{"v1.37.3", "v1.37.2", "newer than the control plane's"},
		{"v2.0.0", "v1.37.2", "newer than the control plane's"},
		{"v0.33.0", "v1.37.2", "more than 2 minor versions behind"},
		{"1.37", "v1.37.2", "must be v<major>.<minor>.<patch>"},
		{"v1.37.2", "bad", ""},
	}
	for _, tt := range tests {
		err := CheckPoolSkew(`node pool "work"`, tt.pool, tt.cp)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s vs %s: unexpected error %v", tt.pool, tt.cp, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s vs %s: error %v, want one containing %q", tt.pool, tt.cp, err, tt.wantErr)
		}
	}
}
