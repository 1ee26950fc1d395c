//go:build darwin || freebsd || netbsd

package gitrepo

import (
	"io/fs"
	"syscall"
	"time"
)

// sysStatOf returns the stat fields of a file beyond fs.FileInfo that git compares.
func sysStatOf(info fs.FileInfo) (sysStat, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return sysStat{}, false
	}
	return sysStat{ctime: time.Unix(int64(st.Ctimespec.Sec), int64(st.Ctimespec.Nsec)), dev: uint64(st.Dev), ino: uint64(st.Ino), uid: st.Uid, gid: st.Gid}, true
}
