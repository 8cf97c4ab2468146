package main

import "github.com/spf13/cobra"

type leaveOptions struct{ f *factory }

func newLeaveCmd(f *factory) *cobra.Command {
	opts := &leaveOptions{f: f}
	return &cobra.Command{
		Use:   "leave",
		Short: "Leave the ring gracefully; the daemon keeps running, detached",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := opts.f.client().Leave(cmd.Context())
			if err != nil {
				return err
			}
			return printStatus(opts.f, st)
		},
	}
}
