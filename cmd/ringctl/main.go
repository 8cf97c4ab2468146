// Command ringctl is the command-line client of ringd: it joins a ring,
// says things, tails the chat, lists members and leaves, over the local socket.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	ios := streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}
	code := execute(ctx, os.Args[1:], ios, os.Getenv)
	stop()
	os.Exit(code)
}
