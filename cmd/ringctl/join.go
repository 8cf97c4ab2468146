package main

import (
	"errors"
	"fmt"
	"net"

	"github.com/spf13/cobra"
)

type joinOptions struct {
	f    *factory
	addr string
}

func newJoinCmd(f *factory) *cobra.Command {
	opts := &joinOptions{f: f}
	return &cobra.Command{
		Use:   "join ADDR",
		Short: "Join the ring that the member at ADDR (host:port) belongs to",
		Long:  "Join the ring that the member at ADDR (host:port) belongs to; returns once this node is a member.",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("join needs the address (host:port) of a member; finding rings on the LAN is not implemented yet")}
			}
			opts.addr = args[0]
			if _, _, err := net.SplitHostPort(opts.addr); err != nil {
				return usageError{fmt.Errorf("join: %q is not host:port", opts.addr)}
			}
			st, err := opts.f.client().Join(cmd.Context(), opts.addr)
			if err != nil {
				return err
			}
			return printStatus(opts.f, st)
		},
	}
}
