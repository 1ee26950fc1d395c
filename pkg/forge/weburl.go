package forge

import (
	"net/url"
	"strconv"
	"strings"
)

// NewPullRequestURL is the web page that opens the provider's "new pull request" form for head
// into base, both prefilled; title, when not empty, prefills the title where the form takes one
// (GitHub, GitLab):
//
//	GitHub        {web}/compare/{base}...{head}?expand=1&title={title}
//	GitLab        {web}/-/merge_requests/new?merge_request[source_branch]={head}&merge_request[target_branch]={base}&merge_request[title]={title}
//	Azure DevOps  {web}/pullrequestcreate?sourceRef={head}&targetRef={base}
//	Gitea         {web}/compare/{base}...{head}
//
// A branch in a path keeps its slashes and has each part escaped; in a query it is escaped
// whole. GitLab's brackets are escaped the way GitLab's own push hint writes them.
func (r Repo) NewPullRequestURL(head, base, title string) string {
	switch r.Provider {
	case GitHub:
		u := r.WebURL + "/compare/" + escapeBranch(base) + "..." + escapeBranch(head) + "?expand=1"
		if title != "" {
			u += "&title=" + url.QueryEscape(title)
		}
		return u
	case GitLab:
		q := url.Values{}
		q.Set("merge_request[source_branch]", head)
		q.Set("merge_request[target_branch]", base)
		if title != "" {
			q.Set("merge_request[title]", title)
		}
		return r.WebURL + "/-/merge_requests/new?" + q.Encode()
	case AzureDevOps:
		return r.WebURL + "/pullrequestcreate?sourceRef=" + url.QueryEscape(head) + "&targetRef=" + url.QueryEscape(base)
	case Gitea:
		return r.WebURL + "/compare/" + escapeBranch(base) + "..." + escapeBranch(head)
	}
	return r.WebURL
}

// PullRequestURL is the web page of pull request number n.
func (r Repo) PullRequestURL(n int) string {
	id := strconv.Itoa(n)
	switch r.Provider {
	case GitHub:
		return r.WebURL + "/pull/" + id
	case GitLab:
		return r.WebURL + "/-/merge_requests/" + id
	case AzureDevOps:
		return r.WebURL + "/pullrequest/" + id
	case Gitea:
		return r.WebURL + "/pulls/" + id
	}
	return r.WebURL
}

// escapeBranch escapes a branch name for a URL path: the slashes stay, each part is escaped.
func escapeBranch(b string) string {
	return escapePath(strings.Split(b, "/")...)
}
