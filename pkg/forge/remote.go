package forge

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Options tells Parse what it cannot see in a remote URL.
type Options struct {
	// Hosts maps the host of a self-hosted forge to its provider: GitHub Enterprise Server,
	// self-managed GitLab, Azure DevOps Server, Gitea or Forgejo. A key is a host name, or
	// host:port to tell two forges on one host apart; case is ignored and a scheme is dropped
	// ("https://git.example.com" is "git.example.com"). An entry wins over the hosts Parse knows.
	Hosts map[string]Provider
}

// Repo is a repository on a forge, as a git remote URL names it.
type Repo struct {
	Provider Provider

	// Host is the host of the web pages and the API, in lower case, with the port when an
	// https remote named one: "github.com", "dev.azure.com", "git.example.com:8443". The SSH
	// host of an SSH remote is mapped to it (ssh.dev.azure.com is dev.azure.com).
	Host string

	// Owner holds the repository: on GitHub and Gitea the user or organization; on GitLab the
	// whole namespace, subgroups included ("group/sub"); on Azure DevOps Services the
	// organization, and on Azure DevOps Server the collection ("DefaultCollection",
	// "tfs/DefaultCollection").
	Owner string

	// Project is the Azure DevOps project, decoded ("My Project"); empty for the others.
	Project string

	// Name is the repository's name, without ".git".
	Name string

	// WebURL is the repository's web page, with no trailing slash:
	// https://github.com/o/r, https://gitlab.com/group/sub/r,
	// https://dev.azure.com/org/My%20Project/_git/r.
	WebURL string

	// APIBase is the root of the REST API, ending in "/": https://api.github.com/,
	// https://ghe.example.com/api/v3/, https://gitlab.com/api/v4/, https://dev.azure.com/org/,
	// https://codeberg.org/api/v1/. Tests point it at a local server.
	APIBase string
}

// FullName is the repository's path for messages: "o/r", "group/sub/r", "org/My Project/r".
func (r Repo) FullName() string {
	if r.Provider == AzureDevOps {
		return r.Owner + "/" + r.Project + "/" + r.Name
	}
	return r.Owner + "/" + r.Name
}

// String is the host and the full name: "github.com/o/r".
func (r Repo) String() string { return r.Host + "/" + r.FullName() }

// UnknownHostError is returned by Parse for a host it cannot tell the provider of.
type UnknownHostError struct {
	Host string
}

func (e *UnknownHostError) Error() string {
	return fmt.Sprintf("unknown git host %q: set its provider (github, gitlab, azuredevops or gitea) for this host in the fleetctl config", e.Host)
}

// endpoint is a remote URL taken apart.
type endpoint struct {
	scheme string   // "https", "http" or "ssh" (scp-like, ssh:// and git:// remotes)
	host   string   // lower case, no port, no brackets
	port   string   // as written, "" when none
	segs   []string // decoded path segments, empty ones dropped, ".git" cut from the last
	shown  string   // the remote without user info, query and fragment, for error messages
}

// Parse reads a git remote URL: https://, http://, ssh://, git:// and the scp-like
// [user@]host:path, with or without ".git". User info is dropped and never shows in the
// result or in an error, so a token in the URL goes no further. The provider comes from o.Hosts,
// else from the host (github.com, *.ghe.com, gitlab.com, dev.azure.com, *.visualstudio.com,
// codeberg.org, gitea.com), else from a "_git" path segment (Azure DevOps Server); a host none of
// these names fails with an *UnknownHostError.
func Parse(remote string, o Options) (Repo, error) {
	ep, err := splitRemote(remote)
	if err != nil {
		return Repo{}, err
	}
	p, err := o.provider(ep)
	if err != nil {
		return Repo{}, err
	}
	switch p {
	case GitHub:
		return githubRepo(ep)
	case GitLab:
		return gitlabRepo(ep)
	case AzureDevOps:
		return azureRepo(ep)
	case Gitea:
		return giteaRepo(ep)
	}
	return Repo{}, &UnknownHostError{Host: ep.host}
}

func splitRemote(remote string) (endpoint, error) {
	s := strings.TrimSpace(remote)
	if s == "" {
		return endpoint{}, errors.New("empty git remote URL")
	}
	ep := endpoint{shown: showRemote(s)}
	var rawPath string
	if i := strings.Index(s, "://"); i >= 0 {
		switch scheme := strings.ToLower(s[:i]); scheme {
		case "https", "http":
			ep.scheme = scheme
		case "ssh", "git+ssh", "ssh+git", "git":
			ep.scheme = "ssh"
		case "file":
			return endpoint{}, fmt.Errorf("git remote %q is a local path, not a forge", ep.shown)
		default:
			return endpoint{}, fmt.Errorf("git remote %q: unsupported scheme %q: want https or ssh", ep.shown, scheme)
		}
		u, err := url.Parse(s)
		if err != nil {
			// url.Parse's error quotes the whole URL, user info too: say it without it.
			return endpoint{}, fmt.Errorf("git remote %q is not a valid URL", ep.shown)
		}
		ep.host, ep.port = u.Hostname(), u.Port()
		rawPath = u.EscapedPath()
	} else {
		// scp-like: git reads it so when a colon comes before any slash.
		auth := s
		if i := strings.IndexByte(auth, '/'); i >= 0 {
			auth = auth[:i]
		}
		if at := strings.LastIndexByte(auth, '@'); at >= 0 {
			s = s[at+1:]
		}
		colon := strings.IndexByte(s, ':')
		if strings.HasPrefix(s, "[") {
			end := strings.Index(s, "]:")
			if end < 0 {
				return endpoint{}, fmt.Errorf("git remote %q is not a valid URL", ep.shown)
			}
			colon = end + 1
		}
		slash := strings.IndexByte(s, '/')
		if colon <= 0 || (slash >= 0 && slash < colon) {
			return endpoint{}, fmt.Errorf("git remote %q is a local path, not a forge: want https://HOST/PATH or git@HOST:PATH", ep.shown)
		}
		ep.scheme = "ssh"
		ep.host = strings.Trim(s[:colon], "[]")
		rawPath = s[colon+1:]
		if i := strings.IndexAny(rawPath, "?#"); i >= 0 {
			rawPath = rawPath[:i]
		}
	}
	ep.host = strings.TrimSuffix(strings.ToLower(ep.host), ".")
	if ep.host == "" {
		return endpoint{}, fmt.Errorf("git remote %q names no host", ep.shown)
	}
	if !validHost(ep.host) {
		return endpoint{}, fmt.Errorf("git remote %q: host is not a valid host name", ep.shown)
	}
	for _, raw := range strings.Split(rawPath, "/") {
		if raw == "" {
			continue
		}
		seg, err := url.PathUnescape(raw)
		if err != nil {
			return endpoint{}, fmt.Errorf("git remote %q: bad %%-escape in path segment %q", ep.shown, raw)
		}
		if seg == "." || seg == ".." || strings.ContainsAny(seg, "/\\") || hasControl(seg) {
			return endpoint{}, fmt.Errorf("git remote %q: bad path segment %q", ep.shown, raw)
		}
		ep.segs = append(ep.segs, seg)
	}
	if n := len(ep.segs); n > 0 {
		ep.segs[n-1] = strings.TrimSuffix(ep.segs[n-1], ".git")
		if ep.segs[n-1] == "" {
			ep.segs = ep.segs[:n-1]
		}
	}
	return ep, nil
}

// showRemote strips s of user info, query and fragment, so it can go into an error.
func showRemote(s string) string {
	prefix, rest := "", s
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, rest = s[:i+3], s[i+3:]
	}
	// Anything up to the last "@" may be user info, however the rest is spelled.
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		rest = rest[at+1:]
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	return prefix + rest
}

var hostRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9_.-]*[a-z0-9_])?$`)

func validHost(h string) bool {
	return hostRE.MatchString(h) || net.ParseIP(h) != nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// provider tells which provider serves ep.
func (o Options) provider(ep endpoint) (Provider, error) {
	want := []string{ep.host}
	if ep.port != "" {
		want = []string{net.JoinHostPort(ep.host, ep.port), ep.host}
	}
	keys := slices.Sorted(maps.Keys(o.Hosts))
	for _, w := range want {
		for _, k := range keys {
			if normalizeHostKey(k) != w {
				continue
			}
			p, err := ParseProvider(string(o.Hosts[k]))
			if err != nil {
				return "", fmt.Errorf("config for git host %q: %w", k, err)
			}
			return p, nil
		}
	}
	h := ep.host
	switch {
	case h == "github.com" || h == "www.github.com" || h == "ssh.github.com" || strings.HasSuffix(h, ".ghe.com"):
		return GitHub, nil
	case h == "gitlab.com" || h == "www.gitlab.com" || h == "altssh.gitlab.com":
		return GitLab, nil
	case h == "dev.azure.com" || h == "ssh.dev.azure.com" || strings.HasSuffix(h, ".visualstudio.com"):
		return AzureDevOps, nil
	case h == "codeberg.org" || h == "gitea.com":
		return Gitea, nil
	}
	for _, s := range ep.segs {
		if s == "_git" {
			return AzureDevOps, nil
		}
	}
	return "", &UnknownHostError{Host: h}
}

func normalizeHostKey(k string) string {
	k = strings.ToLower(strings.TrimSpace(k))
	if i := strings.Index(k, "://"); i >= 0 {
		k = k[i+3:]
	}
	if at := strings.LastIndexByte(k, '@'); at >= 0 {
		k = k[at+1:]
	}
	k = strings.TrimRight(k, "/")
	return strings.TrimSuffix(k, ".")
}

// webBase is the scheme and host of the web pages: https unless the remote is http, and the
// port only of an http(s) remote (an SSH port says nothing about the web server's).
func (ep endpoint) webBase(host string) string {
	scheme := "https"
	if ep.scheme == "http" {
		scheme = "http"
	}
	switch {
	case ep.port != "" && ep.scheme != "ssh" && !(ep.scheme == "https" && ep.port == "443") && !(ep.scheme == "http" && ep.port == "80"):
		host = net.JoinHostPort(host, ep.port)
	case strings.Contains(host, ":"):
		host = "[" + host + "]"
	}
	return scheme + "://" + host
}

// hostOf is the host with the port webBase keeps.
func hostOf(base string) string {
	_, h, _ := strings.Cut(base, "://")
	return h
}

var simpleName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func githubRepo(ep endpoint) (Repo, error) {
	host := ep.host
	if host == "www.github.com" || host == "ssh.github.com" {
		host = "github.com"
	}
	if len(ep.segs) != 2 || !simpleName.MatchString(ep.segs[0]) || !simpleName.MatchString(ep.segs[1]) {
		return Repo{}, fmt.Errorf("git remote %q: want https://%s/OWNER/REPO or git@%s:OWNER/REPO.git", ep.shown, host, host)
	}
	base := ep.webBase(host)
	r := Repo{Provider: GitHub, Host: hostOf(base), Owner: ep.segs[0], Name: ep.segs[1]}
	r.WebURL = base + "/" + escapePath(r.Owner, r.Name)
	switch {
	case host == "github.com":
		r.APIBase = "https://api.github.com/"
	case strings.HasSuffix(host, ".ghe.com"):
		r.APIBase = "https://api." + host + "/"
	default:
		r.APIBase = base + "/api/v3/"
	}
	return r, nil
}

func gitlabRepo(ep endpoint) (Repo, error) {
	host := ep.host
	if host == "www.gitlab.com" || host == "altssh.gitlab.com" {
		host = "gitlab.com"
	}
	n := len(ep.segs)
	ok := n >= 2
	for _, s := range ep.segs {
		ok = ok && s != "-" && simpleName.MatchString(s)
	}
	if !ok {
		return Repo{}, fmt.Errorf("git remote %q: want https://%s/GROUP[/SUBGROUP...]/REPO or git@%s:GROUP/REPO.git", ep.shown, host, host)
	}
	base := ep.webBase(host)
	r := Repo{Provider: GitLab, Host: hostOf(base), Owner: strings.Join(ep.segs[:n-1], "/"), Name: ep.segs[n-1]}
	r.WebURL = base + "/" + escapePath(ep.segs...)
	r.APIBase = base + "/api/v4/"
	return r, nil
}

func giteaRepo(ep endpoint) (Repo, error) {
	if len(ep.segs) != 2 || !simpleName.MatchString(ep.segs[0]) || !simpleName.MatchString(ep.segs[1]) {
		return Repo{}, fmt.Errorf("git remote %q: want https://%s/OWNER/REPO or git@%s:OWNER/REPO.git", ep.shown, ep.host, ep.host)
	}
	base := ep.webBase(ep.host)
	r := Repo{Provider: Gitea, Host: hostOf(base), Owner: ep.segs[0], Name: ep.segs[1]}
	r.WebURL = base + "/" + escapePath(r.Owner, r.Name)
	r.APIBase = base + "/api/v1/"
	return r, nil
}

// azureRepo reads the Azure DevOps forms:
//
//	https://dev.azure.com/ORG/PROJECT/_git/REPO         (also https://ORG@dev.azure.com/...)
//	https://ORG.visualstudio.com[/DefaultCollection]/PROJECT/_git/REPO
//	git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO           (also ORG@vs-ssh.visualstudio.com:v3/...)
//	https://HOST/COLLECTION/PROJECT/_git/REPO           (Azure DevOps Server; /tfs/COLLECTION/... too)
//
// A URL without PROJECT (ORG/_git/REPO) names the project of the repository's own name, as
// Azure DevOps does.
func azureRepo(ep endpoint) (Repo, error) {
	h, segs := ep.host, ep.segs
	r := Repo{Provider: AzureDevOps}
	var err error
	services := true
	switch {
	case h == "ssh.dev.azure.com" || h == "vs-ssh.visualstudio.com":
		if len(segs) != 4 || segs[0] != "v3" {
			return Repo{}, fmt.Errorf("git remote %q: want git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO", ep.shown)
		}
		r.Owner, r.Project, r.Name = segs[1], segs[2], segs[3]
	case h == "dev.azure.com":
		if len(segs) < 1 {
			return Repo{}, fmt.Errorf("git remote %q: want https://dev.azure.com/ORG/PROJECT/_git/REPO", ep.shown)
		}
		r.Owner = segs[0]
		if r.Project, r.Name, err = azureGitPath(segs[1:]); err != nil {
			return Repo{}, fmt.Errorf("git remote %q: want https://dev.azure.com/ORG/PROJECT/_git/REPO", ep.shown)
		}
	case strings.HasSuffix(h, ".visualstudio.com"):
		r.Owner = strings.TrimSuffix(h, ".visualstudio.com")
		rest := segs
		if len(rest) > 0 && strings.EqualFold(rest[0], "DefaultCollection") {
			rest = rest[1:]
		}
		if r.Project, r.Name, err = azureGitPath(rest); err != nil {
			return Repo{}, fmt.Errorf("git remote %q: want https://%s/PROJECT/_git/REPO", ep.shown, h)
		}
	default:
		services = false
		i := indexOf(segs, "_git")
		want := fmt.Errorf("git remote %q: want https://%s/COLLECTION/PROJECT/_git/REPO (Azure DevOps Server)", ep.shown, h)
		if i < 1 {
			return Repo{}, want
		}
		prefix := segs[:i]
		var project string
		switch {
		case len(prefix) == 1:
			r.Owner = prefix[0]
		case len(prefix) == 2 && strings.EqualFold(prefix[0], "tfs"):
			r.Owner = prefix[0] + "/" + prefix[1]
		default:
			r.Owner, project = strings.Join(prefix[:len(prefix)-1], "/"), prefix[len(prefix)-1]
		}
		if _, r.Name, err = azureGitPath(segs[i:]); err != nil {
			return Repo{}, want
		}
		r.Project = project
		if r.Project == "" {
			r.Project = r.Name
		}
	}
	if r.Owner == "" || r.Project == "" || r.Name == "" || r.Owner == "_git" {
		return Repo{}, fmt.Errorf("git remote %q: want https://dev.azure.com/ORG/PROJECT/_git/REPO", ep.shown)
	}
	var base string
	if services {
		base = "https://dev.azure.com/" + escapePath(r.Owner)
		r.Host = "dev.azure.com"
	} else {
		web := ep.webBase(h)
		r.Host = hostOf(web)
		base = web + "/" + escapePath(strings.Split(r.Owner, "/")...)
	}
	r.WebURL = base + "/" + escapePath(r.Project) + "/_git/" + escapePath(r.Name)
	r.APIBase = base + "/"
	return r, nil
}

// azureGitPath reads [PROJECT/]_git/REPO; the legacy _optimized and _full segments after _git
// are skipped. With no PROJECT, project is REPO.
func azureGitPath(segs []string) (project, name string, err error) {
	i := indexOf(segs, "_git")
	if i < 0 || i > 1 {
		return "", "", errors.New("no _git segment")
	}
	rest := segs[i+1:]
	if len(rest) == 2 && (rest[0] == "_optimized" || rest[0] == "_full") {
		rest = rest[1:]
	}
	if len(rest) != 1 || strings.HasPrefix(rest[0], "_") {
		return "", "", errors.New("want one repository after _git")
	}
	name = rest[0]
	project = name
	if i == 1 {
		project = segs[0]
	}
	return project, name, nil
}

func indexOf(segs []string, s string) int {
	for i, v := range segs {
		if v == s {
			return i
		}
	}
	return -1
}

// escapePath joins decoded segments into a URL path, each escaped.
func escapePath(segs ...string) string {
	out := make([]string, len(segs))
	for i, s := range segs {
		out[i] = url.PathEscape(s)
	}
	return strings.Join(out, "/")
}
