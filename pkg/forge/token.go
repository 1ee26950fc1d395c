package forge

import (
	"os"
	"strings"
)

// TokenEnv is the variable that holds a token for any provider; it wins over the provider's own.
const TokenEnv = "FLEETCTL_GIT_TOKEN"

// TokenVars lists the variables Token reads for p, in the order it reads them.
func TokenVars(p Provider) []string {
	switch p {
	case GitHub:
		return []string{TokenEnv, "GITHUB_TOKEN", "GH_TOKEN"}
	case GitLab:
		return []string{TokenEnv, "GITLAB_TOKEN"}
	case AzureDevOps:
		return []string{TokenEnv, "AZURE_DEVOPS_EXT_PAT"}
	case Gitea:
		return []string{TokenEnv, "GITEA_TOKEN"}
	}
	return []string{TokenEnv}
}

// Token finds the API token for p in the environment, looking variables up with getenv
// (os.Getenv when nil): FLEETCTL_GIT_TOKEN first, then the variable the provider's own tools
// read (GITHUB_TOKEN then GH_TOKEN, GITLAB_TOKEN, AZURE_DEVOPS_EXT_PAT, GITEA_TOKEN). Surrounding
// white space is dropped and an empty variable is skipped. source is the variable's name, for
// messages; it is never the value. Both are "" when no variable is set.
func Token(p Provider, getenv func(string) string) (token, source string) {
	if getenv == nil {
		getenv = os.Getenv
	}
	for _, name := range TokenVars(p) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v, name
		}
	}
	return "", ""
}
