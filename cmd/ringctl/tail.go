package main

import (
	"fmt"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/cli"
	"github.com/ringchat/ring/ipc/client"
	"github.com/spf13/cobra"
)

type tailOptions struct {
	f      *factory
	n      int
	since  uint64
	follow bool
}

func newTailCmd(f *factory) *cobra.Command {
	opts := &tailOptions{f: f}
	cmd := &cobra.Command{
		Use:   "tail [-n N] [--since SEQ] [-f]",
		Short: "Print the last N messages, or those after SEQ; -f keeps following",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := client.Query{N: opts.n, Follow: opts.follow}
			if cmd.Flags().Changed("since") {
				if cmd.Flags().Changed("lines") {
					return cli.Usagef("-n and --since do not go together: choose the last N or those after SEQ")
				}
				q.Since, q.HasSince = opts.since, true
			}
			if opts.n < 0 {
				return cli.Usagef("-n must be 0 or more, not %d", opts.n)
			}
			return opts.f.client().Messages(cmd.Context(), q, opts.print)
		},
	}
	cmd.Flags().IntVarP(&opts.n, "lines", "n", 20, "how many of the latest messages to print")
	cmd.Flags().Uint64Var(&opts.since, "since", 0, "print the messages after this sequence number")
	cmd.Flags().BoolVarP(&opts.follow, "follow", "f", false, "keep printing new messages until interrupted")
	return cmd
}

func (o *tailOptions) print(m chat.Message) error {
	if o.f.jsonOutput() {
		return writeJSONLine(o.f.ios.Out, m)
	}
	_, err := fmt.Fprintln(o.f.ios.Out, formatMessage(m))
	return err
}
