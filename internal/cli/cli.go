// Package cli is what ringd, ringctl and ringbench share on the command
// line: their standard streams, usage errors typed where cobra makes them,
// and the exit codes every error becomes (SPEC §3, §4).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes common to the three commands; ringctl adds 3 (no daemon).
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Streams are the standard files of a command, injected so tests need no
// terminal.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// Std are the process's own standard files.
func Std() Streams {
	return Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}
}

// UsageError marks bad usage: unknown commands and flags, wrong arguments,
// flag values or input the command refuses. It exits 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usage marks err as bad usage; nil stays nil.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{Err: err}
}

// Usagef is Usage(fmt.Errorf(format, args...)).
func Usagef(format string, args ...any) error {
	return Usage(fmt.Errorf(format, args...))
}

// IsUsage says whether err is, or wraps, bad usage.
func IsUsage(err error) bool {
	var ue *UsageError
	return errors.As(err, &ue)
}

// ExitCode is 0 for nil, 2 for bad usage and 1 for any other error.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case IsUsage(err):
		return ExitUsage
	default:
		return ExitFailure
	}
}

// Setup gives root the streams and the conventions of the three commands:
// cobra prints neither errors nor usage (the caller prints the error once)
// and a flag it cannot parse is bad usage.
func Setup(root *cobra.Command, ios Streams) {
	root.SilenceUsage = true
	root.SilenceErrors = true
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return Usage(err) })
}

// Execute runs root with args. Every error cobra itself makes about the
// command line comes back as a *UsageError: flag errors (Setup), argument
// errors (each command's Args validator is wrapped), and an unknown
// subcommand (cobra's command lookup fails).
func Execute(ctx context.Context, root *cobra.Command, args []string) error {
	// cobra adds these on execution; added now, their Args are wrapped too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd(args...)
	typeArgs(root)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && !IsUsage(err) && cmd != nil && !cmd.Runnable() {
		// A command that cannot run runs no code of ours, and its flag and
		// argument errors are typed: the error is cobra's failed lookup of
		// a subcommand ("unknown command").
		return Usage(err)
	}
	return err
}

// typeArgs wraps the Args validator of cmd and its subcommands so that
// their refusals are usage errors.
func typeArgs(cmd *cobra.Command) {
	if validate := cmd.Args; validate != nil {
		cmd.Args = func(c *cobra.Command, args []string) error { return Usage(validate(c, args)) }
	}
	for _, sub := range cmd.Commands() {
		typeArgs(sub)
	}
}
