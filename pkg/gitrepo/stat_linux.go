//go:build linux

package gitrepo

import (
	"io/fs"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// fillSysStat records the stat fields git compares besides size and mtime.
func fillSysStat(e *index.Entry, info fs.FileInfo) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	e.CreatedAt = time.Unix(int64(st.Ctim.Sec), int64(st.Ctim.Nsec))
	e.Dev = uint32(st.Dev)
	e.Inode = uint32(st.Ino)
	e.UID = st.Uid
	e.GID = st.Gid
}

// sysStatMatches compares the ctime and inode recorded in e, when it has
// them, with the file's, as git does with core.trustCtime and core.checkStat
// at their defaults.
func sysStatMatches(e *index.Entry, info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	if !e.CreatedAt.IsZero() && !e.CreatedAt.Equal(time.Unix(int64(st.Ctim.Sec), int64(st.Ctim.Nsec))) {
		return false
	}
	return e.Inode == 0 || e.Inode == uint32(st.Ino)
}
