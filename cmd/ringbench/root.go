package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ringchat/ring/internal/cli"
	"github.com/ringchat/ring/internal/limits"
	"github.com/spf13/cobra"
)

// Phases that can be chosen with --phases. Join time and memory are always
// measured: forming the ring is needed anyway and reading memory is free.
const (
	phaseThroughput = "throughput"
	phaseLatency    = "latency"
	phaseFailover   = "failover"
)

var allPhases = []string{phaseThroughput, phaseLatency, phaseFailover}

// Bounds of the flags.
const (
	maxNodes   = 100
	minSize    = 32             // room for the tag that identifies a message
	maxSize    = limits.MaxText // ringd's default limits.max_text
	maxRate    = 1_000_000
	maxPhase   = 10 * time.Minute
	maxSenders = 256
	// defaultSenders: two streams keep 512 messages in flight, enough to
	// saturate this 2-core machine at every ring size measured; one per node
	// only adds queueing (and on 15 nodes overloads the leader: see
	// docs/PERFORMANCE.md).
	defaultSenders = 2
)

// options are the command line.
type options struct {
	nodes    int
	sockets  []string
	ringd    string
	duration time.Duration
	rate     int
	size     int
	senders  int
	output   string
	phases   []string
	secret   bool
	keep     bool
	quiet    bool
}

func newRootCmd(ios cli.Streams) *cobra.Command {
	opts := &options{}
	var phases string
	cmd := &cobra.Command{
		Use:   "ringbench [-n N | --socket PATH...] [flags]",
		Short: "Measure a ring of ringd daemons: throughput, latency, join, failover, memory",
		Long: "ringbench starts N ringd processes on loopback (each with its own temporary config,\n" +
			"data dir and socket) and forms a ring, or attaches to running daemons with --socket\n" +
			"(repeated). It measures join time, sustained throughput (messages per second delivered\n" +
			"to every member), delivery latency at a fixed offered rate, the time from a kill -9 of\n" +
			"the leader to the next sequenced message, and each daemon's resident memory.\n" +
			"Progress goes to stderr; the report to stdout (text, or JSON with -o json).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.complete(cmd, phases); err != nil {
				return cli.Usage(err)
			}
			if len(opts.sockets) == 0 {
				var err error
				if opts.ringd, err = ringdBinary(opts.ringd); err != nil {
					return err
				}
			}
			return run(cmd.Context(), opts, ios)
		},
	}
	cli.Setup(cmd, ios)
	f := cmd.Flags()
	f.IntVarP(&opts.nodes, "nodes", "n", 5, "how many ringd processes to start")
	f.StringArrayVarP(&opts.sockets, "socket", "s", nil, "attach to the running ringd at this socket instead of starting any (repeat for each node)")
	f.StringVar(&opts.ringd, "ringd", "", "the ringd binary (default: next to ringbench, else on PATH)")
	f.DurationVarP(&opts.duration, "duration", "d", 3*time.Second, "length of each load phase (throughput, latency)")
	f.IntVarP(&opts.rate, "rate", "r", 1000, "offered messages per second in the latency phase")
	f.IntVar(&opts.size, "size", 100, fmt.Sprintf("bytes of chat text per message (%d to %d)", minSize, maxSize))
	f.IntVar(&opts.senders, "senders", defaultSenders, "say streams in the throughput phase, one per node from n2 on (each keeps up to 256 messages in flight)")
	f.StringVarP(&opts.output, "output", "o", "text", "report format: text or json")
	f.StringVar(&phases, "phases", "", "comma-separated phases to run: throughput,latency,failover\n(default: all; attached: throughput,latency — failover kills the attached leader)")
	f.BoolVar(&opts.secret, "secret", false, "give the started ring a cluster secret (peers authenticate and encrypt)")
	f.BoolVar(&opts.keep, "keep", false, "keep the started daemons' directory (configs, data, logs) at the end")
	f.BoolVarP(&opts.quiet, "quiet", "q", false, "no progress on stderr")
	return cmd
}

// complete checks the flags and fills in what depends on others.
func (o *options) complete(cmd *cobra.Command, phases string) error {
	attached := len(o.sockets) > 0
	switch {
	case o.output != "text" && o.output != "json":
		return fmt.Errorf("--output must be text or json, not %q", o.output)
	case attached && cmd.Flags().Changed("nodes"):
		return errors.New("-n and --socket do not go together: start N daemons, or attach to the ones given")
	case attached && (o.secret || o.keep || o.ringd != ""):
		return errors.New("--secret, --keep and --ringd are for the daemons ringbench starts, not with --socket")
	case !attached && (o.nodes < 1 || o.nodes > maxNodes):
		return fmt.Errorf("-n must be from 1 to %d, not %d", maxNodes, o.nodes)
	case o.duration <= 0 || o.duration > maxPhase:
		return fmt.Errorf("--duration must be above 0 and at most %v, not %v", maxPhase, o.duration)
	case o.rate < 1 || o.rate > maxRate:
		return fmt.Errorf("--rate must be from 1 to %d, not %d", maxRate, o.rate)
	case o.size < minSize || o.size > maxSize:
		return fmt.Errorf("--size must be from %d to %d bytes, not %d", minSize, maxSize, o.size)
	case o.senders < 1 || o.senders > maxSenders:
		return fmt.Errorf("--senders must be from 1 to %d, not %d", maxSenders, o.senders)
	}
	for _, s := range o.sockets {
		if s == "" {
			return errors.New("--socket must not be empty")
		}
	}
	if attached {
		o.nodes = len(o.sockets)
	}
	var err error
	if o.phases, err = parsePhases(phases, attached); err != nil {
		return err
	}
	if slices.Contains(o.phases, phaseFailover) && o.nodes < 3 {
		return errors.New("the failover phase needs at least 3 nodes: a ring of two that loses one waits for it (or leave the phase out with --phases)")
	}
	return nil
}

// parsePhases reads --phases; empty means the default for the mode.
func parsePhases(s string, attached bool) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		if attached {
			return []string{phaseThroughput, phaseLatency}, nil
		}
		return slices.Clone(allPhases), nil
	}
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(allPhases, p) {
			return nil, fmt.Errorf("--phases: unknown phase %q (known: %s)", p, strings.Join(allPhases, ", "))
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (o *options) has(phase string) bool { return slices.Contains(o.phases, phase) }

// execute runs the command line and maps its outcome to an exit code.
func execute(ctx context.Context, args []string, ios cli.Streams) int {
	err := cli.Execute(ctx, newRootCmd(ios), args)
	if err != nil {
		fmt.Fprintln(ios.Err, "ringbench: "+err.Error())
	}
	return cli.ExitCode(err)
}

// isTerminal says whether w is a terminal (progress then rewrites one line).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTTY(f)
}
