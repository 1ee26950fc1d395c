// Package cmdutil holds what every command shares: the Factory of lazy dependencies, the IO streams
// with TTY detection, configuration loading with precedence, and error types mapped to exit codes.
package cmdutil

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the command's standard streams. Data goes to Out, status and progress to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY bool
	colorOff      bool
}

// System returns the process's streams with TTY detection; NO_COLOR turns colours off.
func System() *IOStreams {
	io := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	io.inTTY = term.IsTerminal(int(os.Stdin.Fd()))
	io.outTTY = term.IsTerminal(int(os.Stdout.Fd()))
	_, noColor := os.LookupEnv("NO_COLOR")
	io.colorOff = noColor
	return io
}

// Test returns streams backed by buffers, never a TTY.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// CanPrompt reports whether both stdin and stdout are terminals.
func (s *IOStreams) CanPrompt() bool { return s.inTTY && s.outTTY }

// SetTTY forces TTY detection (tests).
func (s *IOStreams) SetTTY(in, out bool) { s.inTTY, s.outTTY = in, out }

// DisableColor turns colours off (--no-color).
func (s *IOStreams) DisableColor() { s.colorOff = true }

// ColorEnabled reports whether output to Out may be coloured.
func (s *IOStreams) ColorEnabled() bool { return s.outTTY && !s.colorOff }

// Bold wraps s in bold when colours are on.
func (s *IOStreams) Bold(t string) string { return s.wrap("1", t) }

// Green wraps s in green when colours are on.
func (s *IOStreams) Green(t string) string { return s.wrap("32", t) }

func (s *IOStreams) wrap(code, t string) string {
	if !s.ColorEnabled() {
		return t
	}
	return "\x1b[" + code + "m" + t + "\x1b[0m"
}
