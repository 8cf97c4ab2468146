package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// FailoverResult times a kill -9 of the leader.
type FailoverResult struct {
	Killed    string `json:"killed"`     // the leader that was killed
	SaidOn    string `json:"said_on"`    // the survivor that said the next message
	NewLeader string `json:"new_leader"` // who leads after
	// Receipt: from the kill until `say` on a survivor returned (the
	// message is sequenced by the new leader and stored by the sayer).
	ReceiptMS float64 `json:"receipt_ms"`
	// Delivered: until that message arrived on every survivor's stream.
	DeliveredMS float64 `json:"delivered_ms"`
	// Leader: until the last survivor's stream showed the "new leader"
	// system event (0 if none was seen).
	LeaderMS float64 `json:"leader_ms"`
}

// failoverTimeout bounds the wait for the ring to sequence again.
const failoverTimeout = 20 * time.Second

// failover kills the leader with SIGKILL and right away says a message on
// a survivor, which waits in the survivor's outbox until a new leader
// sequences it.
func (b *bench) failover(ctx context.Context) (*FailoverResult, error) {
	leader, err := b.c.leader(ctx)
	if err != nil {
		return nil, fmt.Errorf("failover: %w", err)
	}
	var sayer *node
	for _, n := range b.c.live() {
		if n != leader {
			sayer = n
			break
		}
	}
	if sayer == nil {
		return nil, errors.New("failover: no node but the leader is left")
	}
	b.prog.logf("failover: kill -9 of the leader %s (pid %d), then say on %s", leader.name, leader.pid, sayer.name)
	leader.killed.Store(true)
	b.tr.markDead(indexOf(b.c.nodes, leader))
	need := len(b.c.live())
	killedAt := time.Now()
	if err := leader.kill(); err != nil {
		return nil, fmt.Errorf("failover: kill -9 %s: %w", leader.name, err)
	}
	i, text := b.tr.add(need, killedAt)
	sctx, cancel := context.WithTimeout(ctx, failoverTimeout)
	_, err = sayer.cl.Say(sctx, text, "")
	cancel()
	receipt := time.Since(killedAt)
	if err != nil {
		return nil, fmt.Errorf("failover: say on %s after the kill: %w", sayer.name, err)
	}
	err = b.waitUntil(ctx, "the message said after the kill on every survivor", failoverTimeout,
		func() bool { return b.tr.isComplete(i) })
	if err != nil {
		return nil, fmt.Errorf("failover: %w", err)
	}
	sp := b.tr.summarise(i, i+1, true)
	res := &FailoverResult{Killed: leader.name, SaidOn: sayer.name, ReceiptMS: ms(receipt), DeliveredMS: ms(sp.toAll[0])}
	if ev := b.tr.leadersSince(b.tr.since(killedAt)); len(ev) > 0 {
		last := ev[0].at
		for _, e := range ev {
			last = max(last, e.at)
		}
		res.LeaderMS = ms(last - b.tr.since(killedAt))
	}
	if nl, err := b.c.leader(ctx); err == nil {
		res.NewLeader = nl.name
	}
	b.prog.logf("failover: say returned %.1f ms after the kill, on every survivor after %.1f ms", res.ReceiptMS, res.DeliveredMS)
	return res, nil
}

// kill sends SIGKILL to the node's process.
func (n *node) kill() error {
	if n.proc != nil {
		return n.proc.cmd.Process.Kill()
	}
	if n.pid == 0 {
		return errors.New("its pid is unknown")
	}
	return unix.Kill(n.pid, unix.SIGKILL)
}

func indexOf(nodes []*node, n *node) int {
	for i, m := range nodes {
		if m == n {
			return i
		}
	}
	return -1
}
