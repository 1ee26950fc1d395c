package forge

import (
	"fmt"
	"strings"
)

// Provider names a kind of forge: the API that opens pull requests on it.
type Provider string

// The providers fleetctl opens pull requests on. Forgejo (Codeberg) speaks the Gitea API and is
// Gitea here.
const (
	GitHub      Provider = "github"
	GitLab      Provider = "gitlab"
	AzureDevOps Provider = "azuredevops"
	Gitea       Provider = "gitea"
)

// Providers lists every provider, in the order help texts show them.
var Providers = []Provider{GitHub, GitLab, AzureDevOps, Gitea}

// ParseProvider reads a provider name as a config file or a flag gives it. Case is ignored;
// "forgejo" is taken for Gitea and "azure-devops" for azuredevops.
func ParseProvider(s string) (Provider, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "github":
		return GitHub, nil
	case "gitlab":
		return GitLab, nil
	case "azuredevops", "azure-devops":
		return AzureDevOps, nil
	case "gitea", "forgejo":
		return Gitea, nil
	}
	return "", fmt.Errorf("unknown git provider %q: want one of github, gitlab, azuredevops, gitea", s)
}

// String returns the provider's config name.
func (p Provider) String() string { return string(p) }

// Set parses s into p; with String and Type it makes *Provider a pflag.Value.
func (p *Provider) Set(s string) error {
	v, err := ParseProvider(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Type names the flag value type in help texts.
func (p *Provider) Type() string { return "provider" }

// Name returns the product name for messages: "GitHub", "GitLab", "Azure DevOps", "Gitea".
func (p Provider) Name() string {
	switch p {
	case GitHub:
		return "GitHub"
	case GitLab:
		return "GitLab"
	case AzureDevOps:
		return "Azure DevOps"
	case Gitea:
		return "Gitea"
	}
	return string(p)
}

// Noun is what the provider calls a pull request: "merge request" on GitLab, else "pull request".
func (p Provider) Noun() string {
	if p == GitLab {
		return "merge request"
	}
	return "pull request"
}

// scopes says what a token needs to open and update pull requests, for error messages.
func (p Provider) scopes() string {
	switch p {
	case GitHub:
		return `scope "repo", or fine-grained "Pull requests: read and write"`
	case GitLab:
		return `scope "api" and at least the Developer role`
	case AzureDevOps:
		return `scope "Code (read & write)", and "Identity (read)" to name reviewers`
	case Gitea:
		return `scopes "write:repository" and "write:issue"`
	}
	return "write access to pull requests"
}
