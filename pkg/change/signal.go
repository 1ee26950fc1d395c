package change

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// InterruptedError says SIGINT or SIGTERM stopped a write, and that what it had done was rolled back
// (Err says what could not be).
type InterruptedError struct {
	Signal os.Signal
	Err    error
}

func (e *InterruptedError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("interrupted by %s; rolling back failed: %v: run fleetctl repair", signalName(e.Signal), e.Err)
	}
	return fmt.Sprintf("interrupted by %s: rolled back, the repo is as it was before", signalName(e.Signal))
}

// Name says which signal interrupted: "interrupted by SIGINT".
func (e *InterruptedError) Name() string { return "interrupted by " + signalName(e.Signal) }

// ExitCode is the shell's code for death by the signal: 130 for SIGINT, 143 for SIGTERM.
func (e *InterruptedError) ExitCode() int { return exitCode(e.Signal) }

func exitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// guard catches SIGINT and SIGTERM for the life of a session. Outside a critical section (nothing
// written yet) a signal ends the process at once, after the session's cleanup; inside one it is
// only recorded, and the write checks for it between steps and rolls back.
type guard struct {
	ch   chan os.Signal
	done chan struct{}
	// signalled is closed when a signal is recorded during a critical section.
	signalled chan struct{}

	mu       sync.Mutex
	critical bool
	written  bool // a write completed: a signal now comes after it
	sig      os.Signal
	// exit ends the process for a signal outside a critical section: cleanup, say so, exit code.
	exit func(sig os.Signal, written bool)
}

func newGuard(exit func(os.Signal, bool)) *guard {
	g := &guard{ch: make(chan os.Signal, 2), done: make(chan struct{}), signalled: make(chan struct{}), exit: exit}
	signal.Notify(g.ch, os.Interrupt, syscall.SIGTERM)
	go g.loop()
	return g
}

func (g *guard) loop() {
	for {
		select {
		case sig := <-g.ch:
			g.mu.Lock()
			if !g.critical {
				g.exit(sig, g.written) // does not return in the real process
				g.mu.Unlock()
				continue
			}
			if g.sig == nil {
				g.sig = sig
				close(g.signalled)
			}
			g.mu.Unlock()
		case <-g.done:
			return
		}
	}
}

func (g *guard) enter() {
	g.mu.Lock()
	g.critical = true
	g.mu.Unlock()
}

// leave ends the critical section; written says the write completed. A signal that came in after
// the last check of a completed write is dropped: the process is about to end anyway, with the
// change made.
func (g *guard) leave(written bool) {
	g.mu.Lock()
	g.critical = false
	g.written = g.written || written
	g.sig = nil
	g.mu.Unlock()
}

// interrupted returns the signal received during the critical section, if any.
func (g *guard) interrupted() os.Signal {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sig
}

func (g *guard) stop() {
	signal.Stop(g.ch)
	close(g.done)
}
