package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ringchat/ring/daemon/discovery"
	"github.com/ringchat/ring/internal/cli"
)

type discoverOptions struct {
	f   *factory
	lan lanOptions
}

func newDiscoverCmd(f *factory) *cobra.Command {
	opts := &discoverOptions{f: f}
	cmd := &cobra.Command{
		Use:   "discover [--group ADDR] [--timeout D]",
		Short: "List the rings that answer on the LAN",
		Long: "Ask the LAN by UDP multicast which rings are there, and list those whose members\n" +
			"answer (ringd with discovery.enabled). Needs no local daemon.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return opts.run(cmd.Context()) },
	}
	opts.lan.bind(cmd.Flags())
	return cmd
}

func (o *discoverOptions) run(ctx context.Context) error {
	rings, err := o.lan.discover(ctx)
	if err != nil {
		return err
	}
	if o.f.jsonOutput() {
		return writeJSONLine(o.f.ios.Out, rings)
	}
	if len(rings) == 0 {
		fmt.Fprintf(o.f.ios.Err, "ringctl: no ring answered on the LAN (%s)\n", o.lan)
		return nil
	}
	return printRings(o.f.ios.Out, rings, false)
}

// lanOptions say where and how long to look for rings; discover and join
// without an address share them.
type lanOptions struct {
	group   string
	iface   string
	timeout time.Duration
}

func (l *lanOptions) bind(fs *pflag.FlagSet) {
	fs.StringVar(&l.group, "group", discovery.DefaultGroup, "multicast group and port of discovery (ringd's discovery.group)")
	fs.StringVar(&l.iface, "interface", "", "ask on this network interface only (default: every one that can multicast)")
	fs.DurationVar(&l.timeout, "timeout", discovery.DefaultTimeout, "how long to wait for answers")
}

func (l lanOptions) String() string {
	where := "multicast group " + l.group
	if l.iface != "" {
		where += " on " + l.iface
	}
	return fmt.Sprintf("%s, waited %v", where, l.timeout)
}

// query checks the flags; a bad one is a usage error.
func (l *lanOptions) query() (discovery.Query, error) {
	group, err := discovery.ParseGroup(l.group)
	if err != nil {
		return discovery.Query{}, cli.Usagef("--group: %w", err)
	}
	if l.timeout <= 0 || l.timeout > discovery.MaxTimeout {
		return discovery.Query{}, cli.Usagef("--timeout must be positive and at most %v, not %v", discovery.MaxTimeout, l.timeout)
	}
	return discovery.Query{Group: group, Interface: l.iface, Timeout: l.timeout}, nil
}

// discover asks the LAN which rings are there.
func (l *lanOptions) discover(ctx context.Context) ([]discovery.Ring, error) {
	q, err := l.query()
	if err != nil {
		return nil, err
	}
	return discovery.Discover(ctx, q)
}

// printRings prints rings as a table, numbered for a choice when numbered
// is set. Everything in it came from the network, so it is sanitised.
func printRings(w io.Writer, rings []discovery.Ring, numbered bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if numbered {
		fmt.Fprint(tw, "#\t")
	}
	fmt.Fprintln(tw, "RING\tLEADER\tMEMBERS\tSECRET\tANSWERED")
	for i, r := range rings {
		if numbered {
			fmt.Fprintf(tw, "%d\t", i+1)
		}
		secret := "no"
		if r.Secret {
			secret = "yes"
		}
		nodes := make([]string, len(r.Nodes))
		for j, n := range r.Nodes {
			nodes[j] = fmt.Sprintf("%s(%s)", sanitize(n.Name), sanitize(n.Addr))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", sanitize(r.ID), sanitize(r.Leader.Name), r.Members, secret, strings.Join(nodes, " "))
	}
	return tw.Flush()
}
