//go:build !linux && !darwin && !freebsd && !netbsd

package gitrepo

import "io/fs"

// sysStatOf has nothing beyond fs.FileInfo on this platform; git re-reads files whose stat data
// it cannot match, so this costs time, not correctness.
func sysStatOf(fs.FileInfo) (sysStat, bool) { return sysStat{}, false }
