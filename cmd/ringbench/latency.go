package main

import (
	"context"
	"fmt"
	"time"
)

// LatencyResult is delivery latency under a fixed offered load: from the
// moment ringbench says a message (hands it to a say stream) until it
// arrives on a member's message stream.
type LatencyResult struct {
	Offered       int     `json:"offered_per_second"`
	Said          int     `json:"said"`
	SaidPerSecond float64 `json:"said_per_second"` // what the pacer achieved
	// ToAll: until the message is on every member (the slowest member).
	ToAll Dist `json:"to_all"`
	// ToEach: every arrival on every member.
	ToEach      Dist    `json:"to_each"`
	StreamDrops int     `json:"stream_drops"`
	CPU         *CPUUse `json:"cpu"`
}

// streamBuffer is how many paced messages may wait for their say stream:
// a stream that lags delays them, and the delay counts in their latency.
const streamBuffer = 4096

// latency says rate messages a second for the phase's duration, round-robin
// over one say stream per live node, on a fixed schedule.
func (b *bench) latency(ctx context.Context) (*LatencyResult, error) {
	live := b.c.live()
	b.prog.logf("latency: %d msg/s offered for %v, round-robin over %d nodes", b.opts.rate, b.opts.duration, len(live))
	lo := b.tr.next()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	streams := make([]*sayStream, len(live))
	for i, n := range live {
		streams[i] = openStream(sctx, n, streamBuffer)
	}
	drops := sum(b.fol.dropped())
	cpu := startCPU(b.c)
	start := time.Now()
	stopProgress := b.prog.track(b.loadLine("latency", start, streams))
	said, err := b.pace(ctx, streams, len(live), start)
	saidFor := time.Since(start)
	if err == nil {
		err = closeStreams(streams)
	}
	if err == nil {
		err = b.drain(ctx, lo)
	}
	use := cpu.stop()
	stopProgress()
	if err != nil {
		return nil, fmt.Errorf("latency: %w", err)
	}
	sp := b.tr.summarise(lo, b.tr.next(), true)
	res := &LatencyResult{
		Offered: b.opts.rate, Said: said, SaidPerSecond: rate(said, saidFor),
		ToAll: distOf(sp.toAll), ToEach: distOf(sp.toEach),
		StreamDrops: sum(b.fol.dropped()) - drops, CPU: use,
	}
	use.perMessage(res.ToAll.N)
	b.prog.logf("latency: to every member p50 %.2f ms, p99 %.2f ms, max %.2f ms", res.ToAll.P50, res.ToAll.P99, res.ToAll.Max)
	return res, nil
}

// pace hands message i to stream i mod len(streams) at start + i/rate, until
// the phase's duration is over; it returns how many it said.
func (b *bench) pace(ctx context.Context, streams []*sayStream, need int, start time.Time) (int, error) {
	total := int(b.opts.duration.Seconds() * float64(b.opts.rate))
	for i := range total {
		due := start.Add(time.Duration(float64(i) / float64(b.opts.rate) * float64(time.Second)))
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait) // pacing the offered load, not waiting for a condition
		}
		if i%64 == 0 {
			if err := b.healthy(ctx); err != nil {
				return i, err
			}
		}
		s := streams[i%len(streams)]
		idx, text := b.tr.add(need, time.Now())
		if !s.send(ctx, text) {
			b.tr.withdraw(idx)
			if err := s.endedEarly(); err != nil {
				return i, err
			}
			return i, ctx.Err()
		}
	}
	return total, nil
}
