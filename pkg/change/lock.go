package change

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Holder says who holds the repo lock.
type Holder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// LockedError says another fleetctl process holds the repo lock.
type LockedError struct {
	Path   string
	Holder Holder
}

func (e *LockedError) Error() string {
	h := e.Holder
	if h.PID == 0 {
		return fmt.Sprintf("another fleetctl is running in this repo (lock %s): wait for it to finish", e.Path)
	}
	return fmt.Sprintf("another fleetctl (pid %d, %s) is running in this repo since %s: wait for it to finish",
		h.PID, h.Command, h.Since.Local().Format("15:04:05"))
}

// Lock is the repo lock: a file under the git folder, held with an advisory lock of the operating
// system for as long as the process runs. The kernel drops it when the process dies, however it dies,
// so a lock left by a killed fleetctl is taken over by the next one; the file only says who holds
// it.
type Lock struct {
	path string
	f    *os.File
}

// AcquireLock takes the lock at path (its folder is created), or fails with *LockedError.
func AcquireLock(path, command string) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("repo lock %s: %w", path, err)
		}
		held, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("repo lock %s: %w", path, err)
		}
		if !held {
			f.Close()
			return nil, &LockedError{Path: path, Holder: readHolder(path)}
		}
		// The holder before us may have removed the file between our open and our lock: then we hold
		// a lock on a file nobody else sees. Start again on the file that is there now.
		if same, err := samePath(f, path); err != nil || !same {
			f.Close()
			if attempt > 10 {
				return nil, fmt.Errorf("repo lock %s: keeps changing under us", path)
			}
			continue
		}
		data, _ := json.Marshal(Holder{PID: os.Getpid(), Command: command, Since: time.Now()})
		if err := f.Truncate(0); err == nil {
			_, _ = f.WriteAt(append(data, '\n'), 0)
		}
		return &Lock{path: path, f: f}, nil
	}
}

// readHolder reads who holds the lock. A holder that has just taken it may not have written itself
// down yet, and one that is letting go removes the file first: look again for a moment.
func readHolder(path string) Holder {
	var h Holder
	for range 20 {
		data, _ := os.ReadFile(path)
		if json.Unmarshal(data, &h) == nil && h.PID != 0 {
			return h
		}
		time.Sleep(5 * time.Millisecond)
	}
	return h
}

func samePath(f *os.File, path string) (bool, error) {
	a, err := f.Stat()
	if err != nil {
		return false, err
	}
	b, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}

// Release removes the lock file and drops the lock. It is safe to call more than once.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	os.Remove(l.path)
	l.f.Close() // closing drops the advisory lock
	l.f = nil
}
