package remove_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetctl/fleetctl/pkg/cli"
	"github.com/fleetctl/fleetctl/pkg/cli/cmdutil"
	"github.com/fleetctl/fleetctl/pkg/fleet/fleettest"
)

// TestConfirmOnTerminal checks the prompt of `cluster remove` on a terminal: the typed cluster name
// removes it, anything else writes nothing.
func TestConfirmOnTerminal(t *testing.T) {
	env := map[string]string{"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com"}
	tests := []struct {
		typed    string
		wantCode int
		wantErr  string
	}{
		{"c0000-aks\n", 0, ""},
		{"  c0000-aks  \n", 0, ""},
		{"c0001-aks\n", 1, `not confirmed (typed "c0001-aks"); nothing written`},
		{"yes\n", 1, `not confirmed (typed "yes")`},
		{"", 1, "not confirmed (no answer)"},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSpace(tt.typed), func(t *testing.T) {
			fl, _ := fleettest.Repo(t, 2)
			ios, in, out, errOut := cmdutil.Test()
			ios.SetTTY(true, true)
			in.WriteString(tt.typed)
			f := &cmdutil.Factory{IO: ios, Getenv: func(k string) string { return env[k] }, Now: time.Now}
			code := cli.Run(f, []string{"--repo", fl.Root, "cluster", "remove", "c0000-aks"})
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, errOut)
			}
			if !strings.Contains(errOut.String(), "Merging this removal deletes the AKS cluster c0000-aks") ||
				!strings.Contains(errOut.String(), "Type the cluster name to confirm: ") {
				t.Errorf("prompt missing the warning:\n%s", errOut)
			}
			_, statErr := os.Stat(filepath.Join(fl.Root, "capi", "clusters", "c0000-aks"))
			if tt.wantErr != "" {
				if !strings.Contains(errOut.String(), tt.wantErr) {
					t.Errorf("stderr %q, want %q", errOut, tt.wantErr)
				}
				if statErr != nil {
					t.Errorf("refused removal deleted the folder: %v", statErr)
				}
				return
			}
			if !os.IsNotExist(statErr) {
				t.Errorf("confirmed removal left the folder (stat: %v)", statErr)
			}
			if !strings.Contains(out.String(), "branch   fleetctl/remove-c0000-aks") {
				t.Errorf("stdout:\n%s", out)
			}
		})
	}
}
