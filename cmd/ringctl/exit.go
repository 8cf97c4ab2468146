package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ringchat/ring/ipc/client"
)

// Exit codes of ringctl (SPEC §4).
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitNoDaemon = 3
)

// usageError marks bad usage: flags, arguments or input the command refuses.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCode is the one place where errors become exit codes.
func exitCode(err error) int {
	var ue usageError
	var nd *client.NoDaemonError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &nd):
		return exitNoDaemon
	case errors.As(err, &ue), isCobraUsage(err):
		return exitUsage
	default:
		return exitFailed
	}
}

// errorText is what the user reads on stderr for err.
func errorText(err error) string {
	var nd *client.NoDaemonError
	if errors.As(err, &nd) {
		return fmt.Sprintf("ringctl: no ringd is answering at %s (%v).\n"+
			"Start one with `ringd run` (or `ringd start` for the installed service),\n"+
			"or point -s/--socket or RING_SOCKET at the socket of a running ringd.", nd.Socket, nd.Err)
	}
	var api *client.APIError
	if errors.As(err, &api) {
		return "ringctl: ringd refused: " + api.Message
	}
	return "ringctl: " + err.Error()
}

// isCobraUsage recognises cobra's untyped argument errors.
func isCobraUsage(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "unknown command") || strings.HasPrefix(s, "accepts ") ||
		strings.HasPrefix(s, "requires ") || strings.HasPrefix(s, "invalid argument")
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled)
}
