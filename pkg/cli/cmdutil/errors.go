package cmdutil

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
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

// SilentExit is an ErrSilent with its own exit code (plan --exit-code: 2 when the plan destroys).
func SilentExit(code int) error { return silentExit(code) }

type silentExit int

func (e silentExit) Error() string        { return fmt.Sprintf("exit %d", int(e)) }
func (e silentExit) ExitCode() int        { return int(e) }
func (e silentExit) Is(target error) bool { return target == ErrSilent }

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

// ExitCoder is an error that chooses the process's exit code (an interrupted write: 130, 143).
type ExitCoder interface {
	error
	ExitCode() int
}

// NoSubcommand is the Args check of a command that only groups others: a word that names none of
// them is a usage error ("unknown command"), with the subcommands it is close to.
func NoSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
	}
	return &FlagError{Err: errors.New(msg)}
}

// Group returns a command that groups subs: without a subcommand it prints its help; with an
// unknown one it fails as a usage error.
func Group(use, short string, aliases []string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:                        use,
		Aliases:                    aliases,
		Short:                      short,
		Args:                       NoSubcommand,
		SuggestionsMinimumDistance: 2,
		RunE:                       func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(subs...)
	return cmd
}
