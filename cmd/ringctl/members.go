package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

type membersOptions struct{ f *factory }

func newMembersCmd(f *factory) *cobra.Command {
	opts := &membersOptions{f: f}
	return &cobra.Command{
		Use:   "members",
		Short: "List the member directory",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return opts.run(cmd) },
	}
}

func (o *membersOptions) run(cmd *cobra.Command) error {
	ms, err := o.f.client().Members(cmd.Context())
	if err != nil {
		return err
	}
	if o.f.jsonOutput() {
		return writeJSONLine(o.f.ios.Out, ms)
	}
	tw := tabwriter.NewWriter(o.f.ios.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tID\tADDR\tROLE\tSTATE\tLAST SEEN")
	for _, m := range ms {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", sanitize(m.Name), sanitize(m.ID), sanitize(m.Addr),
			sanitize(m.Role), sanitize(m.State), m.LastSeen.Local().Format(time.DateTime))
	}
	return tw.Flush()
}
