package main

import (
	"errors"

	"github.com/ringchat/ring/internal/cli"
	"github.com/spf13/cobra"
)

type reformOptions struct {
	f   *factory
	yes bool
}

func newReformCmd(f *factory) *cobra.Command {
	opts := &reformOptions{f: f}
	cmd := &cobra.Command{
		Use:   "reform --yes",
		Short: "Force a new view of the members this node reaches, when a majority of the ring is gone for good",
		Long: `Force a new view of the members this node reaches, at a new epoch: the
operator's way out when a majority of the ring is gone for good (the hosts
were lost), so that the survivors can go on. The node must have been in
state no-quorum for at least ten failure timeouts, and a majority must not be
reachable; otherwise the ring heals by itself and the daemon refuses.

The risk: messages that only the dropped members stored are lost, and if the
"lost" majority was only cut off, both parts commit histories of their own
until the network heals; then the part that rejoins gives its own up. A
system message in the chat names who forced the view and whom it dropped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return opts.run(cmd) },
	}
	cmd.Flags().BoolVar(&opts.yes, "yes", false, "confirm: what only the dropped members hold may be lost")
	return cmd
}

func (o *reformOptions) run(cmd *cobra.Command) error {
	if !o.yes {
		return cli.Usage(errors.New("reform forces a new view and may lose what only the dropped members hold; run it again with --yes to confirm"))
	}
	st, err := o.f.client().Reform(cmd.Context())
	if err != nil {
		return err
	}
	return printStatus(o.f, st)
}
