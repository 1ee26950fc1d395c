package change

import (
	"os"
	"slices"
	"strings"
	"time"
)

// Fault points let a test stop a write at a named step and signal or kill it there (the fault
// injection suite in cmd/fleetctl). They are off unless FLEETCTL_TEST_PAUSE_AT names steps
// (comma-separated); at such a step the process writes the step's name to the file
// FLEETCTL_TEST_PAUSE_FILE and waits until the test removes that file, a signal arrives during a
// write, or 10 s have passed.
//
// The steps, in order: "open" (lock taken), "planned", "checked" (validation passed), "journal"
// (journal written), then before each write step "step-1" ... and "done" (journal removed).
const (
	PauseAtEnv   = "FLEETCTL_TEST_PAUSE_AT"
	PauseFileEnv = "FLEETCTL_TEST_PAUSE_FILE"
)

var pauseAt = func() []string {
	v := os.Getenv(PauseAtEnv)
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}()

// pause stops at a fault point when a test asks for it.
func (s *Session) pause(step string) {
	if len(pauseAt) == 0 || !slices.Contains(pauseAt, step) {
		return
	}
	f := os.Getenv(PauseFileEnv)
	if f != "" {
		_ = os.WriteFile(f, []byte(step+"\n"), 0o644)
	}
	var signalled <-chan struct{}
	if s.guard != nil {
		signalled = s.guard.signalled
	}
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-deadline:
			return
		case <-signalled:
			return
		case <-tick.C:
			if _, err := os.Stat(f); f != "" && err != nil {
				return // the test let it go on
			}
		}
	}
}
