package main

import (
	"errors"
	"strings"

	"github.com/ringchat/ring/internal/config"
	"github.com/ringchat/ring/ipc"
)

// Exit codes of ringd (SPEC §3).
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks bad usage: unknown flags, missing arguments, invalid config.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCode is the one place where errors become exit codes.
func exitCode(err error) int {
	var ue usageError
	var ce *config.Error
	var inUse *ipc.SocketInUseError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue), errors.As(err, &ce), errors.As(err, &inUse):
		return exitUsage
	case strings.HasPrefix(err.Error(), "unknown command"),
		strings.HasPrefix(err.Error(), "accepts "),
		strings.HasPrefix(err.Error(), "requires "):
		// cobra's own argument errors carry no type.
		return exitUsage
	default:
		return exitFailure
	}
}
