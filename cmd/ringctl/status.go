package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/spf13/cobra"
)

type statusOptions struct{ f *factory }

func newStatusCmd(f *factory) *cobra.Command {
	opts := &statusOptions{f: f}
	return &cobra.Command{
		Use:   "status",
		Short: "Show this node's view of the ring",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := opts.f.client().Status(cmd.Context())
			if err != nil {
				return err
			}
			return printStatus(opts.f, st)
		},
	}
}

// printStatus prints a status object; join and leave print one too.
func printStatus(f *factory, st chat.Status) error {
	if f.jsonOutput() {
		return writeJSONLine(f.ios.Out, st)
	}
	tw := tabwriter.NewWriter(f.ios.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "node\t%s\n", nodeRef(chat.NodeRef{ID: st.ID, Name: st.Name, Addr: st.Addr}))
	fmt.Fprintf(tw, "state\t%s\n", sanitize(st.State))
	fmt.Fprintf(tw, "leader\t%s\n", nodeRef(st.Leader))
	fmt.Fprintf(tw, "epoch\t%d\n", st.Epoch)
	fmt.Fprintf(tw, "prev\t%s\n", nodeRef(st.Prev))
	fmt.Fprintf(tw, "next\t%s\n", nodeRef(st.Next))
	fmt.Fprintf(tw, "members\t%d\n", st.Members)
	if st.Members > 0 {
		fmt.Fprintf(tw, "quorum\t%d needed, %d reachable\n", st.Quorum, st.Reachable)
	}
	fmt.Fprintf(tw, "last seq\t%d\n", st.LastSeq)
	fmt.Fprintf(tw, "commit seq\t%d\n", st.CommitSeq)
	fmt.Fprintf(tw, "lamport\t%d\n", st.Lamport)
	return tw.Flush()
}
