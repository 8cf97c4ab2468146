package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ringchat/ring/internal/cli"
)

// bench is one run: the nodes, the tracker of said messages, the streams
// that feed it, and the progress line.
type bench struct {
	opts *options
	c    *cluster
	tr   *tracker
	fol  *followers
	prog *progress
}

// pollEvery is how often a wait re-checks its condition.
const pollEvery = 2 * time.Millisecond

// waitUntil polls cond until it holds, failing after within, when ctx ends,
// when a daemon exits unasked or a message stream breaks.
func (b *bench) waitUntil(ctx context.Context, what string, within time.Duration, cond func() bool) error {
	deadline := time.Now().Add(within)
	for !cond() {
		if err := b.healthy(ctx); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(pollEvery)
	}
	return nil
}

// healthy reports a cancelled run, a daemon that exited unasked or a
// broken message stream.
func (b *bench) healthy(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := b.c.check(); err != nil {
		return err
	}
	if b.fol != nil {
		return b.fol.failed()
	}
	return nil
}

// markerTries bounds the markers sent to prove the message streams are open.
const markerTries = 20

// syncStreams says marker messages until one arrives on every live node's
// stream: from then on every stream is open and sees everything said.
func (b *bench) syncStreams(ctx context.Context) error {
	live := b.c.live()
	for range markerTries {
		i, text := b.tr.add(len(live), time.Now())
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := live[0].cl.Say(sctx, text, "")
		cancel()
		if err != nil {
			return fmt.Errorf("say on %s: %w", live[0].name, err)
		}
		err = b.waitUntil(ctx, "a marker on every stream", time.Second, func() bool { return b.tr.isComplete(i) })
		if err == nil {
			return nil
		}
		if herr := b.healthy(ctx); herr != nil {
			return herr
		}
	}
	return fmt.Errorf("no marker message reached every node's stream in %d tries", markerTries)
}

// run measures and writes the report; a failed phase ends the run with the
// report of what was measured and the error.
func run(ctx context.Context, opts *options, ios cli.Streams) error {
	prog := newProgress(ios.Err, opts.quiet)
	rep := &Report{Nodes: opts.nodes, MessageBytes: opts.size, PhaseSeconds: opts.duration.Seconds(),
		Secret: opts.secret, Phases: opts.phases}
	b := &bench{opts: opts, prog: prog}
	err := b.measure(ctx, rep)
	if b.fol != nil {
		b.fol.stop()
	}
	if b.c != nil {
		// A failure keeps the daemons' logs for a look; an interrupt does not.
		if kept := b.c.close(err != nil && ctx.Err() == nil); kept != "" {
			rep.Notes = append(rep.Notes, "daemons' configs, data and logs kept in "+kept)
		}
	}
	if b.tr != nil {
		for _, d := range b.tr.duplicates() {
			rep.Notes = append(rep.Notes, "duplicate delivery: "+d)
		}
		if err == nil && len(b.tr.duplicates()) > 0 {
			err = errors.New("some messages were delivered twice (see the notes)")
		}
	}
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("interrupted: %w", err)
	}
	if err != nil {
		rep.Error = err.Error()
	}
	if werr := writeReport(ios.Out, rep, opts.output); werr != nil && err == nil {
		err = werr
	}
	return err
}

// measure runs the phases in order, filling rep.
func (b *bench) measure(ctx context.Context, rep *Report) error {
	opts := b.opts
	var err error
	if len(opts.sockets) > 0 {
		rep.Mode = "attached"
		b.prog.logf("attaching to %d daemons", len(opts.sockets))
		if b.c, err = attach(ctx, opts.sockets); err != nil {
			return err
		}
	} else {
		rep.Mode, rep.Ringd = "started", opts.ringd
		b.prog.logf("starting %d ringd (%s)", opts.nodes, rep.Ringd)
		if b.c, err = spawn(ctx, rep.Ringd, opts.nodes, opts.secret, opts.keep); err != nil {
			return err
		}
		b.prog.logf("forming the ring: each node joins through the one started before it")
		if rep.Join, err = b.formRing(ctx); err != nil {
			return err
		}
	}
	b.tr = newTracker(len(b.c.nodes), opts.size)
	b.fol = follow(ctx, b.c, b.tr)
	if err := b.syncStreams(ctx); err != nil {
		return err
	}
	if l, err := b.c.leader(ctx); err == nil {
		rep.Leader = l.name
	}
	idle, notes := sampleMem(b.c)
	rep.Notes = append(rep.Notes, notes...)
	rep.Memory = memoryRows(b.c, idle)
	if opts.has(phaseThroughput) {
		if rep.Throughput, err = b.throughput(ctx); err != nil {
			return err
		}
	}
	if opts.has(phaseLatency) {
		if rep.Latency, err = b.latency(ctx); err != nil {
			return err
		}
	}
	if opts.has(phaseThroughput) || opts.has(phaseLatency) {
		loaded, notes := sampleMem(b.c)
		rep.Notes = append(rep.Notes, notes...)
		addLoadMemory(rep.Memory, b.c, loaded)
	}
	if opts.has(phaseFailover) {
		if rep.Failover, err = b.failover(ctx); err != nil {
			return err
		}
	}
	return nil
}
