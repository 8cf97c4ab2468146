package main

import (
	"context"
	"fmt"

	"github.com/ringchat/ring/internal/buildinfo"
	"github.com/ringchat/ring/internal/cli"
	"github.com/spf13/cobra"
)

func newRootCmd(ios cli.Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "ringd",
		Short: "The ring chat node daemon",
		Long:  "ringd is one node of a ring chat. `ringd run` runs it in the foreground;\ninstall/start/stop/restart/status/uninstall manage it as a system service.",
	}
	cli.Setup(root, ios)
	root.AddCommand(newRunCmd(ios), newConfigCmd(ios), newVersionCmd(ios), newKeygenCmd(ios))
	root.AddCommand(newServiceCmds(ios)...)
	root.AddCommand(cli.GenDocsCmd(root, "8", "ring "+buildinfo.Get().Version))
	return root
}

// execute runs the command line and maps its outcome to an exit code.
func execute(ctx context.Context, args []string, ios cli.Streams) int {
	err := cli.Execute(ctx, newRootCmd(ios), args)
	if err != nil {
		fmt.Fprintf(ios.Err, "ringd: %v\n", err)
	}
	return exitCode(err)
}
