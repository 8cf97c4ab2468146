// Command ringd is the ring node daemon: `ringd run` serves a node in the
// foreground; the service verbs register and control it as a system service.
package main

import (
	"context"
	"os"
)

func main() {
	tuneGC()
	ios := streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}
	os.Exit(execute(context.Background(), os.Args[1:], ios))
}
