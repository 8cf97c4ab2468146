// Command ringctl is the command-line client of ringd: it joins a ring,
// says things, tails the chat, lists members and leaves, over the local socket.
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
	code := execute(ctx, os.Args[1:], cli.Std(), os.Getenv)
	stop()
	os.Exit(code)
}
