package cmdutil

import (
	"errors"
	"fmt"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// FlagError is a usage error: the command prints it with its usage and exits 2.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf returns a usage error.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ErrSilent is returned when the command already printed what went wrong.
var ErrSilent = errors.New("silent error")

// Steps are the phases of every command's Options: Complete fills in what the flags and the repo
// imply, Validate checks it, Run does the work.
type Steps interface {
	Complete() error
	Validate() error
	Run() error
}

// RunSteps runs Complete, then Validate, then runF when a test gives one, else Run.
func RunSteps[O Steps](o O, runF func(O) error) error {
	if err := o.Complete(); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if runF != nil {
		return runF(o)
	}
	return o.Run()
}
