// Command ringd is the ring node daemon: `ringd run` serves a node in the
// foreground; the service verbs register and control it as a system service.
package main

import (
	"context"
	"os"

	"github.com/ringchat/ring/internal/cli"
)

func main() {
	tuneGC()
	os.Exit(execute(context.Background(), os.Args[1:], cli.Std()))
}
