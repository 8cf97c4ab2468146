package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// streams are the standard files of a command, injected so tests need no terminal.
type streams struct {
	In       io.Reader
	Out, Err io.Writer
}

func newRootCmd(ios streams) *cobra.Command {
	root := &cobra.Command{
		Use:           "ringd",
		Short:         "The ring chat node daemon",
		Long:          "ringd is one node of a ring chat. `ringd run` runs it in the foreground;\ninstall/start/stop/restart/status/uninstall manage it as a system service.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newRunCmd(ios), newVersionCmd(ios), newKeygenCmd(ios))
	root.AddCommand(newServiceCmds(ios)...)
	return root
}

// execute runs the command line and maps its outcome to an exit code.
func execute(ctx context.Context, args []string, ios streams) int {
	root := newRootCmd(ios)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintf(ios.Err, "ringd: %v\n", err)
	}
	return exitCode(err)
}
