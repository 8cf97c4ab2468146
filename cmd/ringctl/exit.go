package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"

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
	var denied *client.PermissionError
	var refused *client.APIError
	switch {
	case errors.As(err, &nd), errors.As(err, &denied): // ringd cannot be reached
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
	var denied *client.PermissionError
	if errors.As(err, &denied) {
		// The socket (0660) and its directory (0750) let in ringd's user
		// and group only: the usual cause is a user outside that group.
		g := socketGroup(denied.Socket)
		return fmt.Sprintf("ringctl: permission denied on %s: only ringd's user and group may use it.\n"+
			"Add yourself to group %s (sudo adduser $USER %s), then log in again.", denied.Socket, g, g)
	}
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

// socketGroup names the group of the socket's directory, the one that
// lets users in; "ringd", the package's, if it cannot be read.
func socketGroup(socket string) string {
	fi, err := os.Stat(filepath.Dir(socket))
	if err != nil {
		return "ringd"
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "ringd"
	}
	g, err := user.LookupGroupId(strconv.FormatUint(uint64(st.Gid), 10))
	if err != nil {
		return strconv.FormatUint(uint64(st.Gid), 10)
	}
	return g.Name
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled)
}
