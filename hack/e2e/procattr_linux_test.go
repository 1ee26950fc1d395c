//go:build e2e && linux

package e2e

import "syscall"

// procAttr puts each component in its own process group (so the whole group can
// be signalled) and kills it if the test process dies without cleaning up.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
