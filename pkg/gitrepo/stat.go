package gitrepo

import (
	"io/fs"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// sysStat is what the platform tells of a file beyond fs.FileInfo (sysStatOf, per platform).
type sysStat struct {
	ctime    time.Time
	dev, ino uint64
	uid, gid uint32
}

// fillSysStat records the stat fields git compares besides size and mtime.
func fillSysStat(e *index.Entry, info fs.FileInfo) {
	st, ok := sysStatOf(info)
	if !ok {
		return
	}
	e.CreatedAt = st.ctime
	e.Dev = uint32(st.dev)
	e.Inode = uint32(st.ino)
	e.UID = st.uid
	e.GID = st.gid
}

// sysStatMatches compares the ctime and inode recorded in e, when it has them, with the file's,
// as git does with core.trustCtime and core.checkStat at their defaults.
func sysStatMatches(e *index.Entry, info fs.FileInfo) bool {
	st, ok := sysStatOf(info)
	if !ok {
		return true
	}
	if !e.CreatedAt.IsZero() && !e.CreatedAt.Equal(st.ctime) {
		return false
	}
	return e.Inode == 0 || e.Inode == uint32(st.ino)
}

// indexSysKeyOf returns the device, inode and ctime of a file, for telling whether the index file
// changed since it was read.
func indexSysKeyOf(fi fs.FileInfo) indexSysKey {
	st, ok := sysStatOf(fi)
	if !ok {
		return indexSysKey{}
	}
	return indexSysKey{dev: st.dev, ino: st.ino, ctime: st.ctime.UnixNano()}
}
