package forge_test

import (
	"testing"

	"github.com/fleetctl/fleetctl/pkg/forge"
)

func TestToken(t *testing.T) {
	for _, tc := range []struct {
		name       string
		provider   forge.Provider
		env        map[string]string
		wantToken  string
		wantSource string
	}{
		{"fleetctl first", forge.GitHub, map[string]string{"FLEETCTL_GIT_TOKEN": "f", "GITHUB_TOKEN": "g", "GH_TOKEN": "h"}, "f", "FLEETCTL_GIT_TOKEN"},
		{"GITHUB_TOKEN before GH_TOKEN", forge.GitHub, map[string]string{"GITHUB_TOKEN": "g", "GH_TOKEN": "h"}, "g", "GITHUB_TOKEN"},
		{"GH_TOKEN", forge.GitHub, map[string]string{"GH_TOKEN": "h"}, "h", "GH_TOKEN"},
		{"empty skipped", forge.GitHub, map[string]string{"FLEETCTL_GIT_TOKEN": "  ", "GITHUB_TOKEN": "", "GH_TOKEN": "h\n"}, "h", "GH_TOKEN"},
		{"gitlab", forge.GitLab, map[string]string{"GITHUB_TOKEN": "g", "GITLAB_TOKEN": "l"}, "l", "GITLAB_TOKEN"},
		{"azure", forge.AzureDevOps, map[string]string{"AZURE_DEVOPS_EXT_PAT": "a"}, "a", "AZURE_DEVOPS_EXT_PAT"},
		{"gitea", forge.Gitea, map[string]string{"GITEA_TOKEN": "t"}, "t", "GITEA_TOKEN"},
		{"other provider's variable ignored", forge.Gitea, map[string]string{"GITHUB_TOKEN": "g"}, "", ""},
		{"none", forge.GitLab, nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, src := forge.Token(tc.provider, func(k string) string { return tc.env[k] })
			if tok != tc.wantToken || src != tc.wantSource {
				t.Errorf("Token = %q, %q; want %q, %q", tok, src, tc.wantToken, tc.wantSource)
			}
		})
	}
}

func TestTokenNilGetenv(t *testing.T) {
	t.Setenv("FLEETCTL_GIT_TOKEN", "from-env")
	if tok, src := forge.Token(forge.GitLab, nil); tok != "from-env" || src != "FLEETCTL_GIT_TOKEN" {
		t.Errorf("Token = %q, %q", tok, src)
	}
}
