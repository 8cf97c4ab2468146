package main

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/discovery"
	"github.com/ringchat/ring/internal/cli"
)

type joinOptions struct {
	f    *factory
	addr string
	lan  lanOptions
}

func newJoinCmd(f *factory) *cobra.Command {
	opts := &joinOptions{f: f}
	cmd := &cobra.Command{
		Use:   "join [ADDR]",
		Short: "Join the ring that the member at ADDR (host:port) belongs to, or one found on the LAN",
		Long: "Join the ring that the member at ADDR (host:port) belongs to; returns once this node is a member.\n" +
			"Without ADDR, look for rings on the LAN (as `ringctl discover` does) and join the one\n" +
			"found; when several answer, list them and ask which on a terminal, else fail and list them.\n" +
			"--group, --interface and --timeout apply only without ADDR.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return opts.runDiscovered(cmd.Context())
			}
			opts.addr = args[0]
			if _, _, err := net.SplitHostPort(opts.addr); err != nil {
				return cli.Usagef("join: %q is not host:port", opts.addr)
			}
			return opts.join(cmd.Context())
		},
	}
	opts.lan.bind(cmd.Flags())
	return cmd
}

func (o *joinOptions) join(ctx context.Context) error {
	st, err := o.f.client().Join(ctx, o.addr)
	if err != nil {
		return err
	}
	return printStatus(o.f, st)
}

// runDiscovered joins a ring found on the LAN, other than the one the local
// node is in already.
func (o *joinOptions) runDiscovered(ctx context.Context) error {
	q, err := o.lan.query()
	if err != nil {
		return err
	}
	// Ask the daemon first: without one there is no point in waiting for
	// answers, and its ring is not one to join.
	st, err := o.f.client().Status(ctx)
	if err != nil {
		return err
	}
	found, err := discovery.Discover(ctx, q)
	if err != nil {
		return err
	}
	rings := otherRings(found, st)
	var r discovery.Ring
	switch len(rings) {
	case 0:
		own := ""
		if len(found) > 0 {
			own = " other than this node's own"
		}
		return fmt.Errorf("no ring%s answered on the LAN (%s); give the address of a member: ringctl join HOST:PORT", own, o.lan)
	case 1:
		r = rings[0]
	default:
		if r, err = chooseRing(ctx, o.f.ios, rings); err != nil {
			return err
		}
	}
	o.addr = r.JoinAddr()
	fmt.Fprintf(o.f.ios.Err, "ringctl: joining ring %s (leader %s) through %s\n", sanitize(r.ID), sanitize(r.Leader.Name), sanitize(o.addr))
	return o.join(ctx)
}

// otherRings drops the ring the local node is a member of.
func otherRings(rings []discovery.Ring, self chat.Status) []discovery.Ring {
	var out []discovery.Ring
	for _, r := range rings {
		if self.Ring == "" || r.ID != self.Ring {
			out = append(out, r)
		}
	}
	return out
}

// ringList is rings as a numbered table, for error messages.
func ringList(rings []discovery.Ring) string {
	var b strings.Builder
	_ = printRings(&b, rings, true)
	return strings.TrimRight(b.String(), "\n")
}
