package main

import (
	"fmt"

	"github.com/ringchat/ring/internal/buildinfo"
	"github.com/ringchat/ring/internal/cli"
	"github.com/spf13/cobra"
)

func newVersionCmd(ios cli.Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(ios.Out, "ringd %s\n", buildinfo.Get())
			return err
		},
	}
}
