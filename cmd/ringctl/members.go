package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ringchat/ring/daemon/chat"
)

type membersOptions struct{ f *factory }

func newMembersCmd(f *factory) *cobra.Command {
	opts := &membersOptions{f: f}
	return &cobra.Command{
		Use:   "members",
		Short: "List the member directory: every member the ring has known, with its state",
		Long: `List the member directory: every member the ring has known, with its role
and state (alive, suspect: silent for half the failure timeout, dead, left)
and when it was last seen; "unreachable" marks a member that a node without
quorum (or its leader) does not hear. Members that died or left stay listed
until the daemon's members.reap_after has passed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return opts.run(cmd) },
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
	return writeMembers(o.f.ios.Out, ms, time.Now())
}

// writeMembers prints the directory as a table; now dates "last seen".
func writeMembers(w io.Writer, ms []chat.Member, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tID\tADDR\tROLE\tSTATE\tLAST SEEN")
	for _, m := range ms {
		state := sanitize(m.State)
		if !m.Reachable && (m.State == chat.PresenceAlive || m.State == chat.PresenceSuspect) {
			state += ", unreachable"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", sanitize(m.Name), sanitize(m.ID), sanitize(m.Addr),
			sanitize(m.Role), state, lastSeen(m.LastSeen, now))
	}
	return tw.Flush()
}

// lastSeen shows a time as local time and how long before now it was.
func lastSeen(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format(time.DateTime) + " (" + ago(now.Sub(t)) + ")"
}

func ago(d time.Duration) string {
	switch {
	case d < time.Second: // or in the future: another host's clock
		return "now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	default:
		return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
	}
}
