package forge_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fleetctl/fleetctl/pkg/forge"
)

// FuzzParse checks that Parse never panics and never hands back user info: a marker planted
// as the user name or the password of each input never shows in the Repo or the error.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"https://github.com/acme/fleet.git",
		"https://x-access-token:ghs_abc@github.com/acme/fleet.git",
		"git@github.com:acme/fleet.git",
		"ssh://git@ssh.github.com:443/acme/fleet.git",
		"https://gitlab.com/acme/sub/fleet.git",
		"ssh://git@gitlab.example.com:2222/infra/aks/fleet.git",
		"https://contoso@dev.azure.com/contoso/My%20Project/_git/fleet",
		"https://contoso.visualstudio.com/DefaultCollection/My%20Project/_git/fleet",
		"git@ssh.dev.azure.com:v3/contoso/My%20Project/fleet",
		"contoso@vs-ssh.visualstudio.com:v3/contoso/Fleet/fleet",
		"https://tfs.example.com/tfs/DefaultCollection/Fleet/_git/fleet",
		"https://codeberg.org/acme/fleet",
		"tok:pw@github.com:acme/fleet",
		"https://user:pa ss@github.com/acme/fleet",
		"https://a@b@github.com/acme/fleet",
		"https://[::1]:3000/acme/fleet",
		"[::1]:acme/fleet",
		"https://github.com/acme/%zz",
		"file:///srv/fleet.git",
		"http@",
		"",
	} {
		f.Add(seed)
	}
	const marker = "FUZZSECRET"
	f.Fuzz(func(t *testing.T, remote string) {
		check(t, remote, "")
		if strings.Contains(remote, marker) {
			return
		}
		s := strings.TrimSpace(remote)
		for _, info := range []string{marker + "@", marker + ":pw@", "user:" + marker + "@"} {
			planted := info + s
			if i := strings.Index(s, "://"); i >= 0 {
				planted = s[:i+3] + info + s[i+3:]
			}
			check(t, planted, marker)
		}
	})
}

// check parses remote and fails when secret shows in what Parse returns.
func check(t *testing.T, remote, secret string) {
	r, err := forge.Parse(remote, forge.Options{Hosts: hosts})
	out := fmt.Sprintf("%+v", r)
	if err != nil {
		if r != (forge.Repo{}) {
			t.Errorf("Parse(%q) returned %+v with error %v", remote, r, err)
		}
		out = err.Error()
	} else {
		out += r.NewPullRequestURL("a/b", "main", "t") + r.PullRequestURL(1) + r.String()
	}
	if secret != "" && strings.Contains(out, secret) {
		t.Errorf("Parse(%q) gave back the user info: %s", remote, out)
	}
}
