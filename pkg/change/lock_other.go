//go:build !windows && !linux && !darwin && !freebsd && !netbsd && !openbsd && !dragonfly

package change

import "os"

// tryLock: without an advisory lock of the system, the lock is held by whoever created the file
// (AcquireLock then treats an existing holder as running).
func tryLock(f *os.File) (bool, error) {
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	return st.Size() == 0, nil
}
