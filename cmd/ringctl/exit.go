package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/ringchat/ring/internal/cli"
	"github.com/ringchat/ring/ipc/client"
)

// exitNoDaemon is ringctl's own exit code (SPEC §4): no daemon answers at
// the socket. The others are cli's: 0 ok, 1 the daemon refused or failed,
// 2 bad usage.
const exitNoDaemon = 3

// exitCode is the one place where errors become exit codes. Every refusal
// of the daemon exits 1, whatever its code (docs/API.md).
func exitCode(err error) int {
	var nd *client.NoDaemonError
	var refused *client.APIError
	switch {
	case errors.As(err, &nd):
		return exitNoDaemon
	case cli.IsUsage(err):
		return cli.ExitUsage
	case errors.As(err, &refused):
		return cli.ExitFailure
	default:
		return cli.ExitCode(err)
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

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled)
}
