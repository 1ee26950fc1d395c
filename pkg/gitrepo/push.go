package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	git "github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
)

// Credentials say how a push authenticates, the way `flux bootstrap` does: HTTPS with a token
// (sent as the basic-auth password, never written anywhere), or SSH with the agent or a key file,
// checking the server's host key against known_hosts.
type Credentials struct {
	// Username for HTTPS (default: the URL's user, else "git"); the token is the password.
	Username string
	Token    string
	// TokenSource names where the token came from ("$GITHUB_TOKEN"), for messages.
	TokenSource string
	// SSHKeyFile is a private key file; empty uses the SSH agent (SSH_AUTH_SOCK).
	SSHKeyFile       string
	SSHKeyPassphrase string
	// KnownHosts are known_hosts files (default: $SSH_KNOWN_HOSTS, else ~/.ssh/known_hosts and
	// /etc/ssh/ssh_known_hosts). A host that is in none of them is refused.
	KnownHosts []string
}

// PushOptions name the branch to push and where.
type PushOptions struct {
	Remote      string // default "origin"
	Branch      string
	Credentials Credentials
}

// RemoteURL returns the first URL of a remote, with any password in it masked.
func (r *Repo) RemoteURL(remote string) (string, error) {
	u, err := r.remoteURL(remote)
	return Redact(u, ""), err
}

func (r *Repo) remoteURL(remote string) (string, error) {
	if remote == "" {
		remote = "origin"
	}
	rem, err := r.repo.Remote(remote)
	if err != nil {
		if errors.Is(err, git.ErrRemoteNotFound) {
			return "", fmt.Errorf("no remote %q in this repository (git remote add %s URL)", remote, remote)
		}
		return "", err
	}
	urls := rem.Config().URLs
	if len(urls) == 0 {
		return "", fmt.Errorf("remote %q has no URL", remote)
	}
	return urls[0], nil
}

// ErrPushRejected is wrapped by the errors of a push the remote refused.
var ErrPushRejected = errors.New("push rejected")

// Push pushes one local branch to the branch of the same name on the remote, and nothing else: no
// other ref, no tags, never forced. A rejected push leaves the local branch and commit as they are.
// Errors are one line, say what to do, and never hold the token.
func (r *Repo) Push(ctx context.Context, o PushOptions) error {
	if o.Remote == "" {
		o.Remote = "origin"
	}
	if o.Branch == "" {
		return errors.New("push: no branch")
	}
	raw, err := r.remoteURL(o.Remote)
	if err != nil {
		return err
	}
	shown := Redact(raw, o.Credentials.Token)
	ref := plumbing.NewBranchReferenceName(o.Branch)
	if _, err := r.repo.Reference(ref, false); err != nil {
		return fmt.Errorf("push: there is no local branch %s", o.Branch)
	}
	ep, err := transport.NewEndpoint(raw)
	if err != nil {
		return fmt.Errorf("push to %s: the remote URL does not parse: %s", shown, Redact(err.Error(), o.Credentials.Token))
	}
	auth, err := authFor(ep, o.Credentials)
	if err != nil {
		return fmt.Errorf("push to %s: %s", shown, Redact(err.Error(), o.Credentials.Token))
	}
	if strings.Contains(ep.Host, "dev.azure.com") || strings.Contains(ep.Host, "visualstudio.com") {
		// Azure DevOps only speaks multi_ack; go-git needs thin packs off to talk to it (the
		// workaround Flux uses).
		transport.UnsupportedCapabilities = []capability.Capability{capability.ThinPack}
	}
	spec := gitconfig.RefSpec(ref.String() + ":" + ref.String())
	err = r.repo.PushContext(ctx, &git.PushOptions{RemoteName: o.Remote, RefSpecs: []gitconfig.RefSpec{spec}, Auth: auth})
	if err == nil || errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	return pushError(err, o, shown)
}

func pushError(err error, o PushOptions, shown string) error {
	msg := Redact(strings.Join(strings.Fields(err.Error()), " "), o.Credentials.Token)
	kept := fmt.Sprintf("; the local branch %s and its commit are kept", o.Branch)
	var what string
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed):
		if o.Credentials.Token != "" {
			what = fmt.Sprintf("the token from %s was refused (%s): check that it has not expired and may push to this repository", o.Credentials.TokenSource, msg)
		} else {
			what = fmt.Sprintf("the remote asks for credentials (%s): set FLEETCTL_GIT_TOKEN (or the provider's token variable) for HTTPS, or use an SSH remote", msg)
		}
	case errors.Is(err, git.ErrNonFastForwardUpdate), errors.Is(err, git.ErrForceNeeded), strings.Contains(msg, "non-fast-forward"):
		what = fmt.Sprintf("the remote already has a branch %s with commits this one does not have: fetch it and compare, or give another --branch; nothing is forced", o.Branch)
	case strings.Contains(msg, "known_hosts") || strings.Contains(msg, "knownhosts"):
		what = msg
	case strings.Contains(msg, "protected") || strings.Contains(msg, "pre-receive") || strings.Contains(msg, "declined") || strings.Contains(msg, "rejected"):
		what = fmt.Sprintf("the remote refused branch %s (%s): check the repository's branch rules and your permissions", o.Branch, msg)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		what = fmt.Sprintf("the remote repository does not exist or the credentials cannot see it (%s)", msg)
	default:
		what = msg
	}
	return &pushErr{msg: fmt.Sprintf("push %s to %s: %s%s", o.Branch, shown, what, kept)}
}

// pushErr is a refused push; errors.Is(err, ErrPushRejected) tells it.
type pushErr struct{ msg string }

func (e *pushErr) Error() string        { return e.msg }
func (e *pushErr) Is(target error) bool { return target == ErrPushRejected }

// authFor chooses the transport's authentication.
func authFor(ep *transport.Endpoint, c Credentials) (transport.AuthMethod, error) {
	switch ep.Protocol {
	case "http", "https":
		if c.Token == "" {
			return nil, nil // public, or a credential the server does not need
		}
		user := c.Username
		if user == "" {
			user = ep.User
		}
		if user == "" {
			user = "git"
		}
		return &githttp.BasicAuth{Username: user, Password: c.Token}, nil
	case "ssh":
		user := ep.User
		if user == "" {
			user = "git"
		}
		var auth sshAuth
		if c.SSHKeyFile != "" {
			k, err := gitssh.NewPublicKeysFromFile(user, c.SSHKeyFile, c.SSHKeyPassphrase)
			if err != nil {
				return nil, fmt.Errorf("SSH key %s: %v", c.SSHKeyFile, err)
			}
			auth = sshAuth{k, &k.HostKeyCallbackHelper}
		} else {
			if os.Getenv("SSH_AUTH_SOCK") == "" {
				return nil, errors.New("no SSH agent (SSH_AUTH_SOCK is not set) and no key file: start ssh-agent and add your key, or set FLEETCTL_SSH_KEY to a key file")
			}
			a, err := gitssh.NewSSHAgentAuth(user)
			if err != nil {
				return nil, fmt.Errorf("SSH agent: %v", err)
			}
			auth = sshAuth{a, &a.HostKeyCallbackHelper}
		}
		files := c.KnownHosts
		if len(files) == 0 {
			files = defaultKnownHosts()
		}
		var present []string
		for _, f := range files {
			if _, err := os.Stat(f); err == nil {
				present = append(present, f)
			}
		}
		if len(present) == 0 {
			return nil, fmt.Errorf("no known_hosts file (%s): add the host's key after checking its fingerprint, e.g. ssh-keyscan %s >> ~/.ssh/known_hosts", strings.Join(files, ", "), ep.Host)
		}
		db, err := gitssh.NewKnownHostsDb(present...)
		if err != nil {
			return nil, fmt.Errorf("known_hosts: %v", err)
		}
		hostport := ep.Host
		if ep.Port != 0 && ep.Port != 22 {
			hostport = net.JoinHostPort(ep.Host, fmt.Sprint(ep.Port))
		}
		check := db.HostKeyCallback()
		auth.helper.HostKeyCallback = (func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			if err := check(hostname, remote, key); err != nil {
				return fmt.Errorf("host %s is not trusted by known_hosts (%s): add its key after checking its fingerprint, e.g. ssh-keyscan %s >> ~/.ssh/known_hosts", hostport, strings.Join(present, ", "), ep.Host)
			}
			return nil
		})
		// The algorithms known_hosts has for the host, so that an RSA host key is asked for as
		// rsa-sha2-256/512 (Azure DevOps and GitHub refuse ssh-rsa with SHA-1).
		auth.helper.HostKeyAlgorithms = db.HostKeyAlgorithms(hostport)
		return auth, nil
	case "file":
		return nil, nil
	}
	return nil, fmt.Errorf("unsupported remote protocol %q", ep.Protocol)
}

// sshAuth is an SSH auth method with its host key helper reachable.
type sshAuth struct {
	gitssh.AuthMethod
	helper *gitssh.HostKeyCallbackHelper
}

func defaultKnownHosts() []string {
	if v := os.Getenv("SSH_KNOWN_HOSTS"); v != "" {
		return filepath.SplitList(v)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return []string{"/etc/ssh/ssh_known_hosts"}
	}
	return []string{filepath.Join(home, ".ssh", "known_hosts"), "/etc/ssh/ssh_known_hosts"}
}

var userinfoPassword = regexp.MustCompile(`(://[^/\s:@]+):[^@\s/]+@`)

// Redact masks a token, and any password in URLs, in s.
func Redact(s, token string) string {
	if token != "" {
		s = strings.ReplaceAll(s, token, "***")
	}
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "***")
			return strings.Replace(u.String(), "%2A%2A%2A", "***", 1)
		}
	}
	return userinfoPassword.ReplaceAllString(s, "$1:***@")
}
