package main

import (
	"context"
	"fmt"

	"github.com/ringchat/ring/internal/buildinfo"
	"github.com/ringchat/ring/internal/cli"
	"github.com/ringchat/ring/internal/paths"
	"github.com/ringchat/ring/ipc/client"
	"github.com/spf13/cobra"
)

// factory carries what every command needs: its streams, the global flags
// and a way to reach the daemon.
type factory struct {
	ios    cli.Streams
	socket string
	output string
}

func (f *factory) client() *client.Client { return client.New(f.socket) }

func (f *factory) jsonOutput() bool { return f.output == "json" }

func newRootCmd(ios cli.Streams, getenv func(string) string) *cobra.Command {
	f := &factory{ios: ios}
	defSocket := getenv("RING_SOCKET")
	if defSocket == "" {
		defSocket = paths.ClientSocket()
	}
	root := &cobra.Command{
		Use:   "ringctl",
		Short: "Talk to the local ring chat daemon",
		Long:  "ringctl attaches to the local ringd over its Unix socket to join a ring,\nsay things, tail the chat, list members and leave; `discover` finds rings on the LAN.",
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if f.output != "text" && f.output != "json" {
				return cli.Usagef("--output must be text or json, not %q", f.output)
			}
			if f.socket == "" {
				return cli.Usagef("--socket must not be empty")
			}
			return nil
		},
	}
	cli.Setup(root, ios)
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
		cli.GenDocsCmd(root, "1", "ring "+buildinfo.Get().Version),
	)
	return root
}

// execute runs the command line and maps its outcome to an exit code.
func execute(ctx context.Context, args []string, ios cli.Streams, getenv func(string) string) int {
	err := cli.Execute(ctx, newRootCmd(ios, getenv), args)
	if err != nil && ctx.Err() != nil && isCancel(err) {
		// Interrupted while following: a normal way to stop.
		return cli.ExitOK
	}
	if err != nil {
		fmt.Fprintln(ios.Err, errorText(err))
	}
	return exitCode(err)
}
