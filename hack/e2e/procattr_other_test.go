//go:build e2e && !linux && unix

package e2e

import "syscall"

// procAttr puts each component in its own process group, so the whole group can be signalled.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
