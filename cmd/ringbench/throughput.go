package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// ThroughputResult is the sustained throughput of a closed-loop load: every
// say stream sends as fast as the ring acknowledges.
type ThroughputResult struct {
	Senders int `json:"senders"`
	// Messages delivered to every member, and the time from the first say
	// to the last of them arriving on the last member's stream.
	Messages  int     `json:"messages"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
	// Acknowledged: say receipts (sequenced and stored by the sayer's node).
	AckedPerSecond float64 `json:"acked_per_second"`
	// StreamDrops: times ringd ended a node's message stream as too slow
	// during the phase (ringbench resumed it; see follow). A ringd that
	// resumes slow streams itself never does.
	StreamDrops int     `json:"stream_drops"`
	CPU         *CPUUse `json:"cpu"`
}

// drainTimeout bounds the wait for said messages to reach every member.
const drainTimeout = 30 * time.Second

// throughput runs senders say streams as fast as they go for the phase's
// duration, stream i on live node i+1 (mod their number): from n2 on, so a
// message takes the whole way, member -> leader -> every member.
func (b *bench) throughput(ctx context.Context) (*ThroughputResult, error) {
	live := b.c.live()
	b.prog.logf("throughput: %d say streams, as fast as they go, for %v", b.opts.senders, b.opts.duration)
	lo := b.tr.next()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	streams := make([]*sayStream, b.opts.senders)
	for i := range streams {
		streams[i] = openStream(sctx, live[(i+1)%len(live)], 0)
	}
	drops := sum(b.fol.dropped())
	cpu := startCPU(b.c)
	start := time.Now()
	stopProgress := b.prog.track(b.loadLine("throughput", start, streams))
	stopFeed := make(chan struct{})
	var wg sync.WaitGroup
	for _, s := range streams {
		wg.Go(func() { b.feed(sctx, s, len(live), stopFeed) })
	}
	err := b.waitUntil(ctx, "the end of the throughput phase", b.opts.duration+time.Second,
		func() bool { return time.Since(start) >= b.opts.duration || anyEnded(streams) })
	close(stopFeed)
	wg.Wait()
	for _, s := range streams {
		if err == nil {
			err = s.endedEarly()
		}
	}
	if err == nil {
		err = closeStreams(streams)
	}
	ackedAt := time.Since(start)
	if err == nil {
		err = b.drain(ctx, lo)
	}
	use := cpu.stop()
	stopProgress()
	if err != nil {
		return nil, fmt.Errorf("throughput: %w", err)
	}
	sp := b.tr.summarise(lo, b.tr.next(), false)
	took := sp.lastArrive - sp.firstSent
	res := &ThroughputResult{
		Senders: len(streams), Messages: sp.complete, Seconds: round3(took.Seconds()),
		PerSecond: rate(sp.complete, took), AckedPerSecond: rate(acked(streams), ackedAt),
		StreamDrops: sum(b.fol.dropped()) - drops, CPU: use,
	}
	use.perMessage(sp.complete)
	b.prog.logf("throughput: %d messages to every member in %.2f s: %.0f msg/s", res.Messages, res.Seconds, res.PerSecond)
	return res, nil
}

// feed says messages on s as fast as it takes them until stop closes.
func (b *bench) feed(ctx context.Context, s *sayStream, need int, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		i, text := b.tr.add(need, time.Now())
		select {
		case s.texts <- text:
		case <-stop:
			b.tr.withdraw(i)
			return
		case <-s.finished:
			b.tr.withdraw(i)
			return
		case <-ctx.Done():
			b.tr.withdraw(i)
			return
		}
	}
}

func sum(v []int) int {
	t := 0
	for _, x := range v {
		t += x
	}
	return t
}

func anyEnded(streams []*sayStream) bool {
	for _, s := range streams {
		if s.endedEarly() != nil {
			return true
		}
	}
	return false
}

// drain waits until every message said since index lo reached every member
// it must; a message still missing then is an error naming the nodes.
func (b *bench) drain(ctx context.Context, lo int) error {
	hi := b.tr.next()
	at := lo
	err := b.waitUntil(ctx, "every said message on every member", drainTimeout, func() bool {
		at = b.tr.firstIncomplete(at, hi)
		return at == hi
	})
	if err == nil {
		return nil
	}
	sp := b.tr.summarise(lo, hi, false)
	if sp.complete == sp.said {
		return nil
	}
	var lacking string
	for k, n := range sp.missing {
		lacking += fmt.Sprintf(" %s lacks %d;", b.c.nodes[k].name, n)
	}
	return fmt.Errorf("%w: %d of %d messages did not reach every member:%s", err, sp.said-sp.complete, sp.said, lacking)
}

// loadLine is the progress line of a load phase.
func (b *bench) loadLine(phase string, start time.Time, streams []*sayStream) func() string {
	prevAt, prevDone := start, 0
	baseSaid, baseDone := b.tr.counts()
	return func() string {
		said, done := b.tr.counts()
		now := time.Now()
		said, done = said-baseSaid, done-baseDone
		cur := rate(done-prevDone, now.Sub(prevAt))
		prevAt, prevDone = now, done
		line := fmt.Sprintf("%s %4.1fs: said %d, acknowledged %d, on every member %d (%.0f msg/s now)",
			phase, now.Sub(start).Seconds(), said, acked(streams), done, cur)
		if k, _ := b.tr.slowest(); k >= 0 && said > done {
			line += "; slowest: " + b.c.nodes[k].name
		}
		return line
	}
}
