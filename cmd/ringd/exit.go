package main

import (
	"errors"

	"github.com/ringchat/ring/internal/cli"
	"github.com/ringchat/ring/internal/config"
	"github.com/ringchat/ring/ipc"
)

// exitCode is the one place where errors become exit codes (SPEC §3): bad
// usage, an invalid config and a socket another ringd holds exit 2, any
// other failure 1.
func exitCode(err error) int {
	var ce *config.Error
	var inUse *ipc.SocketInUseError
	if errors.As(err, &ce) || errors.As(err, &inUse) {
		return cli.ExitUsage
	}
	return cli.ExitCode(err)
}
