//go:build darwin || freebsd || netbsd

package gitrepo

import (
	"io/fs"
	"syscall"
)

// indexSysKeyOf returns the device, inode and ctime of a file, for telling
// whether the index file changed since it was read.
func indexSysKeyOf(fi fs.FileInfo) indexSysKey {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return indexSysKey{}
	}
	return indexSysKey{
		dev:   uint64(st.Dev),
		ino:   uint64(st.Ino),
		ctime: int64(st.Ctimespec.Sec)*1e9 + int64(st.Ctimespec.Nsec),
	}
}
