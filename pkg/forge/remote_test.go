package forge_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/forge"
)

// hosts is the config of the self-hosted forges the tests use.
var hosts = map[string]forge.Provider{
	"ghe.example.com":           forge.GitHub,
	"gitlab.example.com":        forge.GitLab,
	"https://tfs.example.com/":  forge.AzureDevOps,
	"git.example.com":           "forgejo",
	"code.example.com:8443":     forge.GitLab,
	"Mixed.Example.COM":         forge.Gitea,
	"ado.example.com":           forge.AzureDevOps,
	"gitlab-ssh.example.com":    forge.GitLab,
	"git.internal.example.com.": forge.GitHub,
}

const head, base = "fleetctl/add-cluster-atlantic-aks", "main"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		remote string
		want   forge.Repo
		newPR  string // NewPullRequestURL(head, base, "")
	}{
		// GitHub
		{
			"https://github.com/acme/fleet.git",
			forge.Repo{Provider: forge.GitHub, Host: "github.com", Owner: "acme", Name: "fleet", WebURL: "https://github.com/acme/fleet", APIBase: "https://api.github.com/"},
			"https://github.com/acme/fleet/compare/main...fleetctl/add-cluster-atlantic-aks?expand=1",
		},
		{
			"https://github.com/acme/fleet",
			forge.Repo{Provider: forge.GitHub, Host: "github.com", Owner: "acme", Name: "fleet", WebURL: "https://github.com/acme/fleet", APIBase: "https://api.github.com/"},
			"https://github.com/acme/fleet/compare/main...fleetctl/add-cluster-atlantic-aks?expand=1",
		},
		{
			"https://github.com/acme/fleet/",
			forge.Repo{Provider: forge.GitHub, Host: "github.com", Owner: "acme", Name: "fleet", WebURL: "https://github.com/acme/fleet", APIBase: "https://api.github.com/"},
			"https://github.com/acme/fleet/compare/main...fleetctl/add-cluster-atlantic-aks?expand=1",
		},
		{
			"git@github.com:acme/fleet.git",
			forge.Repo{Provider: forge.GitHub, Host: "github.com", Owner: "acme", Name: "fleet", WebURL: "https://github.com/acme/fleet", APIBase: "https://api.github.com/"},
			"https://github.com/acme/fleet/compare/main...fleetctl/add-cluster-atlantic-aks?expand=1",
		},
		{
			"git@github.com:acme/fleet",
			forge.Repo{Provider: forge.GitHub, Host: "github.com", Owner: "acme", Name: "fleet", WebURL: "https://github.com/acme/fleet", APIBase: "https://api.github.com/"},
			"https://github.com/acme/fleet/compare/main...fleetctl/add-cluster-atlantic-aks?expand=1",
		},
		{
			"ssh://git@github.com/acme/fleet.git",
			forge.Repo{Provider: forge.GitHub, Host: "github.com", Owner: "acme", Name: "fleet", WebURL: "https://github.com/acme/fleet", APIBase: "https://api.github.com/"},
			"https://github.com/acme/fleet/compare/main...fleetctl/add-cluster-atlantic-aks?expand=1",
		},
		{
			"ssh://git@ssh.github.com:443/acme/fleet.git",
			forge.Repo{Provider: forge.GitHub, Host: "github.com", Owner: "acme", Name: "fleet", WebURL: "https://github.com/acme/fleet", APIBase: "https://api.github.com/"},
			"https://github.com/acme/fleet/compare/main...fleetctl/add-cluster-atlantic-aks?expand=1",
		},
		{
			"https://x-access-token:ghs_SECRET123@github.com/acme/fleet.git",
			forge.Repo{Provider: forge.GitHub, Host: "github.com", Owner: "acme", Name: "fleet", WebURL: "https://github.com/acme/fleet", APIBase: "https://api.github.com/"},
			"https://github.com/acme/fleet/compare/main...fleetctl/add-cluster-atlantic-aks?expand=1",
		},
		{
			"https://ghp_SECRET123@GitHub.com/Acme/Fleet.git",
			forge.Repo{Provider: forge.GitHub, Host: "github.com", Owner: "Acme", Name: "Fleet", WebURL: "https://github.com/Acme/Fleet", APIBase: "https://api.github.com/"},
			"https://github.com/Acme/Fleet/compare/main...fleetctl/add-cluster-atlantic-aks?expand=1",
		},
		{
			"https://github.com/acme/fleet.git?foo=bar#frag",
			forge.Repo{Provider: forge.GitHub, Host: "github.com", Owner: "acme", Name: "fleet", WebURL: "https://github.com/acme/fleet", APIBase: "https://api.github.com/"},
			"https://github.com/acme/fleet/compare/main...fleetctl/add-cluster-atlantic-aks?expand=1",
		},
		{
			"https://octo.ghe.com/acme/fleet.git",
			forge.Repo{Provider: forge.GitHub, Host: "octo.ghe.com", Owner: "acme", Name: "fleet", WebURL: "https://octo.ghe.com/acme/fleet", APIBase: "https://api.octo.ghe.com/"},
			"https://octo.ghe.com/acme/fleet/compare/main...fleetctl/add-cluster-atlantic-aks?expand=1",
		},
		// GitHub Enterprise Server, from config
		{
			"https://ghe.example.com/platform/fleet.git",
			forge.Repo{Provider: forge.GitHub, Host: "ghe.example.com", Owner: "platform", Name: "fleet", WebURL: "https://ghe.example.com/platform/fleet", APIBase: "https://ghe.example.com/api/v3/"},
			"https://ghe.example.com/platform/fleet/compare/main...fleetctl/add-cluster-atlantic-aks?expand=1",
		},
		{
			"git@ghe.example.com:platform/fleet.git",
			forge.Repo{Provider: forge.GitHub, Host: "ghe.example.com", Owner: "platform", Name: "fleet", WebURL: "https://ghe.example.com/platform/fleet", APIBase: "https://ghe.example.com/api/v3/"},
			"https://ghe.example.com/platform/fleet/compare/main...fleetctl/add-cluster-atlantic-aks?expand=1",
		},
		{
			"ssh://git@git.internal.example.com:7999/platform/fleet.git",
			forge.Repo{Provider: forge.GitHub, Host: "git.internal.example.com", Owner: "platform", Name: "fleet", WebURL: "https://git.internal.example.com/platform/fleet", APIBase: "https://git.internal.example.com/api/v3/"},
			"https://git.internal.example.com/platform/fleet/compare/main...fleetctl/add-cluster-atlantic-aks?expand=1",
		},
		// GitLab
		{
			"https://gitlab.com/acme/fleet.git",
			forge.Repo{Provider: forge.GitLab, Host: "gitlab.com", Owner: "acme", Name: "fleet", WebURL: "https://gitlab.com/acme/fleet", APIBase: "https://gitlab.com/api/v4/"},
			"https://gitlab.com/acme/fleet/-/merge_requests/new?merge_request%5Bsource_branch%5D=fleetctl%2Fadd-cluster-atlantic-aks&merge_request%5Btarget_branch%5D=main",
		},
		{
			"https://gitlab.com/acme/platform/infra/fleet",
			forge.Repo{Provider: forge.GitLab, Host: "gitlab.com", Owner: "acme/platform/infra", Name: "fleet", WebURL: "https://gitlab.com/acme/platform/infra/fleet", APIBase: "https://gitlab.com/api/v4/"},
			"https://gitlab.com/acme/platform/infra/fleet/-/merge_requests/new?merge_request%5Bsource_branch%5D=fleetctl%2Fadd-cluster-atlantic-aks&merge_request%5Btarget_branch%5D=main",
		},
		{
			"git@gitlab.com:acme/platform/fleet.git",
			forge.Repo{Provider: forge.GitLab, Host: "gitlab.com", Owner: "acme/platform", Name: "fleet", WebURL: "https://gitlab.com/acme/platform/fleet", APIBase: "https://gitlab.com/api/v4/"},
			"https://gitlab.com/acme/platform/fleet/-/merge_requests/new?merge_request%5Bsource_branch%5D=fleetctl%2Fadd-cluster-atlantic-aks&merge_request%5Btarget_branch%5D=main",
		},
		{
			"ssh://git@altssh.gitlab.com:443/acme/fleet.git",
			forge.Repo{Provider: forge.GitLab, Host: "gitlab.com", Owner: "acme", Name: "fleet", WebURL: "https://gitlab.com/acme/fleet", APIBase: "https://gitlab.com/api/v4/"},
			"https://gitlab.com/acme/fleet/-/merge_requests/new?merge_request%5Bsource_branch%5D=fleetctl%2Fadd-cluster-atlantic-aks&merge_request%5Btarget_branch%5D=main",
		},
		{
			"https://oauth2:glpat-SECRET123@gitlab.com/acme/fleet.git",
			forge.Repo{Provider: forge.GitLab, Host: "gitlab.com", Owner: "acme", Name: "fleet", WebURL: "https://gitlab.com/acme/fleet", APIBase: "https://gitlab.com/api/v4/"},
			"https://gitlab.com/acme/fleet/-/merge_requests/new?merge_request%5Bsource_branch%5D=fleetctl%2Fadd-cluster-atlantic-aks&merge_request%5Btarget_branch%5D=main",
		},
		// self-managed GitLab, from config
		{
			"https://gitlab.example.com/infra/aks/fleet.git",
			forge.Repo{Provider: forge.GitLab, Host: "gitlab.example.com", Owner: "infra/aks", Name: "fleet", WebURL: "https://gitlab.example.com/infra/aks/fleet", APIBase: "https://gitlab.example.com/api/v4/"},
			"https://gitlab.example.com/infra/aks/fleet/-/merge_requests/new?merge_request%5Bsource_branch%5D=fleetctl%2Fadd-cluster-atlantic-aks&merge_request%5Btarget_branch%5D=main",
		},
		{
			"ssh://git@gitlab.example.com:2222/infra/aks/fleet.git",
			forge.Repo{Provider: forge.GitLab, Host: "gitlab.example.com", Owner: "infra/aks", Name: "fleet", WebURL: "https://gitlab.example.com/infra/aks/fleet", APIBase: "https://gitlab.example.com/api/v4/"},
			"https://gitlab.example.com/infra/aks/fleet/-/merge_requests/new?merge_request%5Bsource_branch%5D=fleetctl%2Fadd-cluster-atlantic-aks&merge_request%5Btarget_branch%5D=main",
		},
		{
			"https://code.example.com:8443/infra/fleet.git",
			forge.Repo{Provider: forge.GitLab, Host: "code.example.com:8443", Owner: "infra", Name: "fleet", WebURL: "https://code.example.com:8443/infra/fleet", APIBase: "https://code.example.com:8443/api/v4/"},
			"https://code.example.com:8443/infra/fleet/-/merge_requests/new?merge_request%5Bsource_branch%5D=fleetctl%2Fadd-cluster-atlantic-aks&merge_request%5Btarget_branch%5D=main",
		},
		{
			"http://gitlab.example.com/infra/fleet",
			forge.Repo{Provider: forge.GitLab, Host: "gitlab.example.com", Owner: "infra", Name: "fleet", WebURL: "http://gitlab.example.com/infra/fleet", APIBase: "http://gitlab.example.com/api/v4/"},
			"http://gitlab.example.com/infra/fleet/-/merge_requests/new?merge_request%5Bsource_branch%5D=fleetctl%2Fadd-cluster-atlantic-aks&merge_request%5Btarget_branch%5D=main",
		},
		// Azure DevOps Services
		{
			"https://dev.azure.com/contoso/Fleet/_git/fleet",
			forge.Repo{Provider: forge.AzureDevOps, Host: "dev.azure.com", Owner: "contoso", Project: "Fleet", Name: "fleet", WebURL: "https://dev.azure.com/contoso/Fleet/_git/fleet", APIBase: "https://dev.azure.com/contoso/"},
			"https://dev.azure.com/contoso/Fleet/_git/fleet/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		{
			"https://contoso@dev.azure.com/contoso/My%20Project/_git/fleet",
			forge.Repo{Provider: forge.AzureDevOps, Host: "dev.azure.com", Owner: "contoso", Project: "My Project", Name: "fleet", WebURL: "https://dev.azure.com/contoso/My%20Project/_git/fleet", APIBase: "https://dev.azure.com/contoso/"},
			"https://dev.azure.com/contoso/My%20Project/_git/fleet/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		{
			"https://contoso:PATSECRET123@dev.azure.com/contoso/My%20Project/_git/My%20Repo",
			forge.Repo{Provider: forge.AzureDevOps, Host: "dev.azure.com", Owner: "contoso", Project: "My Project", Name: "My Repo", WebURL: "https://dev.azure.com/contoso/My%20Project/_git/My%20Repo", APIBase: "https://dev.azure.com/contoso/"},
			"https://dev.azure.com/contoso/My%20Project/_git/My%20Repo/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		{
			"https://dev.azure.com/contoso/_git/fleet",
			forge.Repo{Provider: forge.AzureDevOps, Host: "dev.azure.com", Owner: "contoso", Project: "fleet", Name: "fleet", WebURL: "https://dev.azure.com/contoso/fleet/_git/fleet", APIBase: "https://dev.azure.com/contoso/"},
			"https://dev.azure.com/contoso/fleet/_git/fleet/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		{
			"https://contoso.visualstudio.com/Fleet/_git/fleet",
			forge.Repo{Provider: forge.AzureDevOps, Host: "dev.azure.com", Owner: "contoso", Project: "Fleet", Name: "fleet", WebURL: "https://dev.azure.com/contoso/Fleet/_git/fleet", APIBase: "https://dev.azure.com/contoso/"},
			"https://dev.azure.com/contoso/Fleet/_git/fleet/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		{
			"https://contoso.visualstudio.com/DefaultCollection/My%20Project/_git/fleet",
			forge.Repo{Provider: forge.AzureDevOps, Host: "dev.azure.com", Owner: "contoso", Project: "My Project", Name: "fleet", WebURL: "https://dev.azure.com/contoso/My%20Project/_git/fleet", APIBase: "https://dev.azure.com/contoso/"},
			"https://dev.azure.com/contoso/My%20Project/_git/fleet/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		{
			"https://contoso.visualstudio.com/DefaultCollection/Fleet/_git/_optimized/fleet",
			forge.Repo{Provider: forge.AzureDevOps, Host: "dev.azure.com", Owner: "contoso", Project: "Fleet", Name: "fleet", WebURL: "https://dev.azure.com/contoso/Fleet/_git/fleet", APIBase: "https://dev.azure.com/contoso/"},
			"https://dev.azure.com/contoso/Fleet/_git/fleet/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		{
			"git@ssh.dev.azure.com:v3/contoso/Fleet/fleet",
			forge.Repo{Provider: forge.AzureDevOps, Host: "dev.azure.com", Owner: "contoso", Project: "Fleet", Name: "fleet", WebURL: "https://dev.azure.com/contoso/Fleet/_git/fleet", APIBase: "https://dev.azure.com/contoso/"},
			"https://dev.azure.com/contoso/Fleet/_git/fleet/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		{
			"git@ssh.dev.azure.com:v3/contoso/My%20Project/fleet",
			forge.Repo{Provider: forge.AzureDevOps, Host: "dev.azure.com", Owner: "contoso", Project: "My Project", Name: "fleet", WebURL: "https://dev.azure.com/contoso/My%20Project/_git/fleet", APIBase: "https://dev.azure.com/contoso/"},
			"https://dev.azure.com/contoso/My%20Project/_git/fleet/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		{
			"ssh://git@ssh.dev.azure.com/v3/contoso/Fleet/fleet",
			forge.Repo{Provider: forge.AzureDevOps, Host: "dev.azure.com", Owner: "contoso", Project: "Fleet", Name: "fleet", WebURL: "https://dev.azure.com/contoso/Fleet/_git/fleet", APIBase: "https://dev.azure.com/contoso/"},
			"https://dev.azure.com/contoso/Fleet/_git/fleet/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		{
			"contoso@vs-ssh.visualstudio.com:v3/contoso/Fleet/fleet",
			forge.Repo{Provider: forge.AzureDevOps, Host: "dev.azure.com", Owner: "contoso", Project: "Fleet", Name: "fleet", WebURL: "https://dev.azure.com/contoso/Fleet/_git/fleet", APIBase: "https://dev.azure.com/contoso/"},
			"https://dev.azure.com/contoso/Fleet/_git/fleet/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		// Azure DevOps Server, by the _git segment or from config
		{
			"https://devops.corp.example/tfs/DefaultCollection/Fleet/_git/fleet",
			forge.Repo{Provider: forge.AzureDevOps, Host: "devops.corp.example", Owner: "tfs/DefaultCollection", Project: "Fleet", Name: "fleet", WebURL: "https://devops.corp.example/tfs/DefaultCollection/Fleet/_git/fleet", APIBase: "https://devops.corp.example/tfs/DefaultCollection/"},
			"https://devops.corp.example/tfs/DefaultCollection/Fleet/_git/fleet/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		{
			"https://tfs.example.com/DefaultCollection/My%20Project/_git/fleet.git",
			forge.Repo{Provider: forge.AzureDevOps, Host: "tfs.example.com", Owner: "DefaultCollection", Project: "My Project", Name: "fleet", WebURL: "https://tfs.example.com/DefaultCollection/My%20Project/_git/fleet", APIBase: "https://tfs.example.com/DefaultCollection/"},
			"https://tfs.example.com/DefaultCollection/My%20Project/_git/fleet/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		{
			"http://tfs.example.com:8080/tfs/DefaultCollection/_git/fleet",
			forge.Repo{Provider: forge.AzureDevOps, Host: "tfs.example.com:8080", Owner: "tfs/DefaultCollection", Project: "fleet", Name: "fleet", WebURL: "http://tfs.example.com:8080/tfs/DefaultCollection/fleet/_git/fleet", APIBase: "http://tfs.example.com:8080/tfs/DefaultCollection/"},
			"http://tfs.example.com:8080/tfs/DefaultCollection/fleet/_git/fleet/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		{
			"ssh://ado.example.com:22/DefaultCollection/Fleet/_git/fleet",
			forge.Repo{Provider: forge.AzureDevOps, Host: "ado.example.com", Owner: "DefaultCollection", Project: "Fleet", Name: "fleet", WebURL: "https://ado.example.com/DefaultCollection/Fleet/_git/fleet", APIBase: "https://ado.example.com/DefaultCollection/"},
			"https://ado.example.com/DefaultCollection/Fleet/_git/fleet/pullrequestcreate?sourceRef=fleetctl%2Fadd-cluster-atlantic-aks&targetRef=main",
		},
		// Gitea and Forgejo
		{
			"https://codeberg.org/acme/fleet.git",
			forge.Repo{Provider: forge.Gitea, Host: "codeberg.org", Owner: "acme", Name: "fleet", WebURL: "https://codeberg.org/acme/fleet", APIBase: "https://codeberg.org/api/v1/"},
			"https://codeberg.org/acme/fleet/compare/main...fleetctl/add-cluster-atlantic-aks",
		},
		{
			"git@codeberg.org:acme/fleet.git",
			forge.Repo{Provider: forge.Gitea, Host: "codeberg.org", Owner: "acme", Name: "fleet", WebURL: "https://codeberg.org/acme/fleet", APIBase: "https://codeberg.org/api/v1/"},
			"https://codeberg.org/acme/fleet/compare/main...fleetctl/add-cluster-atlantic-aks",
		},
		{
			"https://gitea.com/acme/fleet",
			forge.Repo{Provider: forge.Gitea, Host: "gitea.com", Owner: "acme", Name: "fleet", WebURL: "https://gitea.com/acme/fleet", APIBase: "https://gitea.com/api/v1/"},
			"https://gitea.com/acme/fleet/compare/main...fleetctl/add-cluster-atlantic-aks",
		},
		{
			"ssh://git@git.example.com:2222/ops/fleet.git",
			forge.Repo{Provider: forge.Gitea, Host: "git.example.com", Owner: "ops", Name: "fleet", WebURL: "https://git.example.com/ops/fleet", APIBase: "https://git.example.com/api/v1/"},
			"https://git.example.com/ops/fleet/compare/main...fleetctl/add-cluster-atlantic-aks",
		},
		{
			"https://mixed.example.com:3000/ops/fleet.git",
			forge.Repo{Provider: forge.Gitea, Host: "mixed.example.com:3000", Owner: "ops", Name: "fleet", WebURL: "https://mixed.example.com:3000/ops/fleet", APIBase: "https://mixed.example.com:3000/api/v1/"},
			"https://mixed.example.com:3000/ops/fleet/compare/main...fleetctl/add-cluster-atlantic-aks",
		},
	} {
		t.Run(tc.remote, func(t *testing.T) {
			got, err := forge.Parse(tc.remote, forge.Options{Hosts: hosts})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tc.want {
				t.Errorf("Parse:\n got %+v\nwant %+v", got, tc.want)
			}
			if u := got.NewPullRequestURL(head, base, ""); u != tc.newPR {
				t.Errorf("NewPullRequestURL:\n got %s\nwant %s", u, tc.newPR)
			}
			if strings.Contains(got.WebURL+got.APIBase+got.Host+got.Owner, "SECRET") {
				t.Errorf("user info leaked into %+v", got)
			}
			// The web URL is a remote for the same repository.
			again, err := forge.Parse(got.WebURL, forge.Options{Hosts: hosts})
			if err != nil || again != got {
				t.Errorf("Parse(WebURL) = %+v, %v; want %+v", again, err, got)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		remote string
		want   string // part of the error
	}{
		{"", "empty git remote URL"},
		{"   ", "empty git remote URL"},
		{"/srv/git/fleet.git", "is a local path"},
		{"./fleet", "is a local path"},
		{"file:///srv/git/fleet.git", "is a local path"},
		{"ftp://github.com/acme/fleet", `unsupported scheme "ftp"`},
		{"https://git.unknown.example/acme/fleet.git", `unknown git host "git.unknown.example": set its provider (github, gitlab, azuredevops or gitea) for this host in the fleetctl config`},
		{"git@git.unknown.example:acme/fleet.git", `unknown git host "git.unknown.example"`},
		{"https://github.com/acme", "want https://github.com/OWNER/REPO"},
		{"https://github.com/acme/fleet/tree/main", "want https://github.com/OWNER/REPO"},
		{"https://github.com/acme/../fleet", "bad path segment"},
		{"https://github.com/acme/a%2Fb", "bad path segment"},
		{"https://github.com/acme/%zz", "is not a valid URL"},
		{"git@github.com:acme/%zz", "bad %-escape"},
		{"https://gitlab.com/acme", "want https://gitlab.com/GROUP"},
		{"https://gitlab.com/acme/fleet/-/tree/main", "want https://gitlab.com/GROUP"},
		{"https://dev.azure.com/contoso/Fleet", "want https://dev.azure.com/ORG/PROJECT/_git/REPO"},
		{"https://dev.azure.com/contoso/Fleet/_git", "want https://dev.azure.com/ORG/PROJECT/_git/REPO"},
		{"git@ssh.dev.azure.com:v2/contoso/Fleet/fleet", "want git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO"},
		{"https://tfs.example.com/DefaultCollection/Fleet", "want https://tfs.example.com/COLLECTION/PROJECT/_git/REPO"},
		{"https://codeberg.org/acme/sub/fleet", "want https://codeberg.org/OWNER/REPO"},
		{"https://bad_host!/acme/fleet", "not a valid"},
		{"https://user:pa ss@github.com/acme/fleet", `git remote "https://github.com/acme/fleet" is not a valid URL`},
	} {
		t.Run(tc.remote, func(t *testing.T) {
			_, err := forge.Parse(tc.remote, forge.Options{Hosts: hosts})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse(%q) error = %v, want it to contain %q", tc.remote, err, tc.want)
			}
		})
	}
}

func TestParseUnknownHostIsTyped(t *testing.T) {
	_, err := forge.Parse("https://tok:SECRET@git.unknown.example/acme/fleet", forge.Options{})
	var uh *forge.UnknownHostError
	if !errors.As(err, &uh) || uh.Host != "git.unknown.example" {
		t.Fatalf("err = %v, want *UnknownHostError for git.unknown.example", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error echoes the token: %v", err)
	}
}

func TestParseBadConfig(t *testing.T) {
	_, err := forge.Parse("https://git.example.com/acme/fleet", forge.Options{Hosts: map[string]forge.Provider{"git.example.com": "bitbucket"}})
	want := `config for git host "git.example.com": unknown git provider "bitbucket": want one of github, gitlab, azuredevops, gitea`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

func TestConfigWinsOverKnownHost(t *testing.T) {
	got, err := forge.Parse("https://gitlab.com/acme/fleet", forge.Options{Hosts: map[string]forge.Provider{"gitlab.com": forge.Gitea}})
	if err != nil || got.Provider != forge.Gitea {
		t.Fatalf("got %+v, %v; want Gitea", got, err)
	}
}

func TestNewPullRequestURLEscaping(t *testing.T) {
	repos := map[forge.Provider]string{
		forge.GitHub:      "https://github.com/acme/fleet",
		forge.GitLab:      "https://gitlab.com/acme/sub/fleet",
		forge.AzureDevOps: "https://dev.azure.com/contoso/My%20Project/_git/fleet",
		forge.Gitea:       "https://codeberg.org/acme/fleet",
	}
	for _, tc := range []struct {
		provider          forge.Provider
		head, base, title string
		want              string
	}{
		{forge.GitHub, "feature/a b#1", "release/1.0", "Add cluster atlantic-aks & more",
			"https://github.com/acme/fleet/compare/release/1.0...feature/a%20b%231?expand=1&title=Add+cluster+atlantic-aks+%26+more"},
		{forge.GitHub, "fleetctl/scale-x-y", "main", "",
			"https://github.com/acme/fleet/compare/main...fleetctl/scale-x-y?expand=1"},
		{forge.GitLab, "feature/a b#1", "release/1.0", "Add cluster & more",
			"https://gitlab.com/acme/sub/fleet/-/merge_requests/new?merge_request%5Bsource_branch%5D=feature%2Fa+b%231&merge_request%5Btarget_branch%5D=release%2F1.0&merge_request%5Btitle%5D=Add+cluster+%26+more"},
		{forge.AzureDevOps, "feature/a b#1", "release/1.0", "ignored",
			"https://dev.azure.com/contoso/My%20Project/_git/fleet/pullrequestcreate?sourceRef=feature%2Fa+b%231&targetRef=release%2F1.0"},
		{forge.Gitea, "feature/a b#1", "release/1.0", "ignored",
			"https://codeberg.org/acme/fleet/compare/release/1.0...feature/a%20b%231"},
	} {
		t.Run(string(tc.provider)+" "+tc.head, func(t *testing.T) {
			r, err := forge.Parse(repos[tc.provider], forge.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.NewPullRequestURL(tc.head, tc.base, tc.title); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestPullRequestURL(t *testing.T) {
	for _, tc := range []struct{ remote, want string }{
		{"git@github.com:acme/fleet.git", "https://github.com/acme/fleet/pull/7"},
		{"git@gitlab.com:acme/sub/fleet.git", "https://gitlab.com/acme/sub/fleet/-/merge_requests/7"},
		{"git@ssh.dev.azure.com:v3/contoso/My%20Project/fleet", "https://dev.azure.com/contoso/My%20Project/_git/fleet/pullrequest/7"},
		{"git@codeberg.org:acme/fleet.git", "https://codeberg.org/acme/fleet/pulls/7"},
	} {
		r, err := forge.Parse(tc.remote, forge.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.PullRequestURL(7); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.remote, got, tc.want)
		}
	}
}

func TestFullName(t *testing.T) {
	r, err := forge.Parse("https://dev.azure.com/contoso/My%20Project/_git/fleet", forge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.String(); got != "dev.azure.com/contoso/My Project/fleet" {
		t.Errorf("String() = %q", got)
	}
}

func TestParseProvider(t *testing.T) {
	for in, want := range map[string]forge.Provider{
		"github": forge.GitHub, "GitLab": forge.GitLab, "azuredevops": forge.AzureDevOps,
		"azure-devops": forge.AzureDevOps, "gitea": forge.Gitea, " Forgejo ": forge.Gitea,
	} {
		var p forge.Provider
		if err := p.Set(in); err != nil || p != want {
			t.Errorf("Set(%q) = %q, %v; want %q", in, p, err, want)
		}
	}
	if _, err := forge.ParseProvider("bitbucket"); err == nil {
		t.Error("ParseProvider(bitbucket) succeeded")
	}
}
