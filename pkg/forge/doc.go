// Package forge opens and updates the pull requests fleetctl's changes become, on GitHub,
// GitLab, Azure DevOps and Gitea/Forgejo.
//
// Parse reads a git remote URL into a Repo: its provider, owner and name, web page and API
// root. Repo.NewPullRequestURL is the web form for a new pull request with head and base filled
// in, for when there is no token. Token finds a token in the environment, NewClient makes the
// provider's Client, and Upsert opens a pull request or, when one is open for the same head and
// base, updates it, so running a change again never opens a second one.
//
// A token is sent only to the API's own host and never shows in an error or a result: every
// message from a host or a library goes through a redactor that replaces the token (raw,
// escaped, or base64 in a Basic header) and any URL user info with "***". Errors are one line
// that says what to do, and wrap ErrUnauthorized, ErrNotFound, ErrExists, ErrRejected,
// ErrRateLimited or ErrUnavailable.
//
// # Client per provider
//
// GitHub uses github.com/google/go-github: Google keeps it current with the API, it has typed
// errors (rate limits included) and covers draft, labels (issues API) and reviewers
// (requested_reviewers). It costs about 6.8 MiB of binary for the six calls used (measured on
// cmd/fleetctl; fleetctl already links text/template, so the linker keeps every exported method).
//
// Gitea and Forgejo use code.gitea.io/sdk/gitea, kept by the Gitea project, about 1.8 MiB. Labels
// go by id (looked up by name first), draft is the "WIP: " title prefix, and reviewers are
// requested after the pull request is opened (requested_reviewers), which works on older
// servers and on Forgejo too. The SDK takes a context per client, so each call makes a client;
// the server version check is off.
//
// GitLab uses net/http on REST API v4. gitlab.com/gitlab-org/api/client-go/v2 builds, but adds
// about 9 MiB and upgrades github.com/google/cel-go and cel.dev/expr under the Kubernetes
// validation code, with hashicorp/go-retryablehttp, for four endpoints. The token goes as
// Authorization: Bearer (GitLab takes personal, project and group tokens so), reviewers are
// looked up by user name (reviewer_ids), labels are added with add_labels, and draft is the
// "Draft: " title prefix.
//
// Azure DevOps uses net/http on REST API 7.1. github.com/microsoft/azure-devops-go-api/azuredevops/v7
// builds (0.7 MiB), but has not been released since 2023, asks the server for resource areas and
// locations (two extra requests, cached in process-wide maps) before its first call, names only
// preview API versions (7.1-preview.1), and builds its own http.Client. The PAT goes as Basic
// with an empty user name, with X-TFS-FedAuthRedirect: Suppress so a bad one gets a 401, not a
// sign-in page. isDraft, labels and reviewers are API fields; reviewers given by name or e-mail
// are looked up with the Identities API.
//
// github.com/fluxcd/go-git-providers was considered: its newest version needs Go 1.27, the one
// before has no Azure DevOps, and its pull request API has no draft, labels, reviewers or search
// by head branch.
package forge
