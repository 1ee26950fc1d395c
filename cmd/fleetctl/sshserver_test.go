package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/crypto/ssh"
)

// sshserve ROOT: serve the bare repositories under ROOT over SSH on loopback (the real
// git-receive-pack and git-upload-pack behind a minimal SSH server), until the script ends. It
// writes a client key the server accepts to $WORK/id_ed25519, the server's host key line to
// $WORK/known_hosts_ok (not trusted until the script says so), and sets $SSHSERVER_HOSTPORT.
func sshServeCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sshserve ROOT")
	}
	root := ts.MkAbs(args[0])
	_, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	ts.Check(err)
	hostSigner, err := ssh.NewSignerFromKey(hostPriv)
	ts.Check(err)
	clientPub, clientPriv, err := ed25519.GenerateKey(rand.Reader)
	ts.Check(err)
	block, err := ssh.MarshalPrivateKey(clientPriv, "")
	ts.Check(err)
	work := ts.Getenv("WORK")
	ts.Check(os.WriteFile(filepath.Join(work, "id_ed25519"), pem.EncodeToMemory(block), 0o600))
	allowed, err := ssh.NewPublicKey(clientPub)
	ts.Check(err)

	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
		if string(key.Marshal()) == string(allowed.Marshal()) {
			return nil, nil
		}
		return nil, fmt.Errorf("unknown key")
	}}
	cfg.AddHostKey(hostSigner)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := l.Addr().(*net.TCPAddr).Port
	line := fmt.Sprintf("[127.0.0.1]:%d %s", port, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(hostSigner.PublicKey()))))
	ts.Check(os.WriteFile(filepath.Join(work, "known_hosts_ok"), []byte(line+"\n"), 0o644))
	ts.Setenv("SSHSERVER_HOSTPORT", l.Addr().String())
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serveSSH(c, cfg, root)
		}
	}()
	ts.Defer(func() { l.Close() })
}

func serveSSH(c net.Conn, cfg *ssh.ServerConfig, root string) {
	defer c.Close()
	_, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "session only")
			continue
		}
		ch, requests, err := nc.Accept()
		if err != nil {
			return
		}
		go func() {
			defer ch.Close()
			for req := range requests {
				if req.Type != "exec" || len(req.Payload) < 4 {
					req.Reply(false, nil)
					continue
				}
				cmdline := string(req.Payload[4:])
				prog, repo, ok := strings.Cut(cmdline, " ")
				if !ok || (prog != "git-receive-pack" && prog != "git-upload-pack") {
					req.Reply(false, nil)
					continue
				}
				req.Reply(true, nil)
				dir := filepath.Join(root, filepath.FromSlash(strings.Trim(repo, "'/")))
				cmd := exec.Command("git", strings.TrimPrefix(prog, "git-"), dir)
				cmd.Stdin, cmd.Stdout, cmd.Stderr = ch, ch, io.Discard
				code := 0
				if err := cmd.Run(); err != nil {
					code = 1
				}
				ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(code)}))
				return
			}
		}()
	}
}
