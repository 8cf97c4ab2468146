// Command ringbench measures a ring of ringd daemons on loopback: sustained
// throughput (messages per second delivered to every member), delivery
// latency at a fixed offered rate, join time, failover time after a kill -9
// of the leader, and each daemon's resident memory.
//
// It starts N ringd processes of its own, each with its own temporary
// config, data dir and socket, or attaches to running ones by their sockets
// (--socket, repeated), and drives them through the typed local API client
// (ipc/client), the same one ringctl uses. Progress goes to stderr, the
// report (a text table, or JSON with -o json) to stdout.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ringchat/ring/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], cli.Std())
	stop()
	os.Exit(code)
}
