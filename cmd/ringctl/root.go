package main

import (
	"context"
	"fmt"
	"io"

	"github.com/ringchat/ring/internal/paths"
	"github.com/ringchat/ring/ipc/client"
	"github.com/spf13/cobra"
)

// streams are the standard files of a command, injected so tests need no terminal.
type streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// factory carries what every command needs: its streams, the global flags
// and a way to reach the daemon.
type factory struct {
	ios    streams
	socket string
	output string
}

func (f *factory) client() *client.Client { return client.New(f.socket) }

func (f *factory) jsonOutput() bool { return f.output == "json" }

func newRootCmd(ios streams, getenv func(string) string) *cobra.Command {
	f := &factory{ios: ios}
	defSocket := getenv("RING_SOCKET")
	if defSocket == "" {
		defSocket = paths.DefaultSocket()
	}
	root := &cobra.Command{
		Use:           "ringctl",
		Short:         "Talk to the local ring chat daemon",
		Long:          "ringctl attaches to the local ringd over its Unix socket to join a ring,\nsay things, tail the chat, list members and leave; `discover` finds rings on the LAN.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if f.output != "text" && f.output != "json" {
				return usageError{fmt.Errorf("--output must be text or json, not %q", f.output)}
			}
			if f.socket == "" {
				return usageError{fmt.Errorf("--socket must not be empty")}
			}
			return nil
		},
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().StringVarP(&f.socket, "socket", "s", defSocket, "ringd's local socket (env RING_SOCKET)")
	root.PersistentFlags().StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	root.AddCommand(
		newJoinCmd(f),
		newDiscoverCmd(f),
		newSayCmd(f),
		newTailCmd(f),
		newLeaveCmd(f),
		newReformCmd(f),
		newStatusCmd(f),
		newMembersCmd(f),
		newChatCmd(f),
	)
	return root
}

// execute runs the command line and maps its outcome to an exit code.
func execute(ctx context.Context, args []string, ios streams, getenv func(string) string) int {
	root := newRootCmd(ios, getenv)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && ctx.Err() != nil && isCancel(err) {
		// Interrupted while following: a normal way to stop.
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(ios.Err, errorText(err))
	}
	return exitCode(err)
}
