package node

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/daemon/transport"
	"github.com/ringchat/ring/protocol"
)

// leaveGrace bounds the graceful leave when the node stops.
const leaveGrace = 3 * time.Second

// Run drives the node until ctx is cancelled, then leaves the ring
// gracefully, ends every watcher and releases the listener.
func (n *Node) Run(ctx context.Context) error {
	defer close(n.done)
	trCtx, stopTransport := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = n.tr.Run(trCtx) })
	defer func() {
		stopTransport()
		wg.Wait()
	}()

	n.ringLog(slog.LevelInfo, "node started", "id", n.self.ID, "addr", n.self.Addr, "last_seq", n.st.LastSeq())
	resumed := n.machine.Resume() // it may find its leave committed: then Saved says it left
	switch saved := n.machine.Saved(); {
	case resumed:
		n.ringLog(slog.LevelInfo, "going back to the ring this node was in", "ring", saved.RingID, "members", len(saved.Members))
	case saved.Left:
		n.ringLog(slog.LevelInfo, "this node left its ring: it stays detached until `ringctl join`")
	case len(n.opts.Join) == 0:
		n.machine.Found()
	default:
		wg.Go(func() { n.joinAtStart(ctx) })
	}
	n.process()

	ticker := time.NewTicker(n.opts.HeartbeatInterval)
	defer ticker.Stop()
	for ctx.Err() == nil && n.drv.storeErr == nil {
		n.step(ctx.Done(), ticker.C)
	}
	if n.drv.storeErr == nil {
		n.shutdown(ticker.C)
	} else {
		n.stopWaiters()
	}
	if err := n.st.Close(); err != nil && n.drv.storeErr == nil {
		n.drv.storeErr = err
	}
	if n.drv.storeErr != nil {
		return fmt.Errorf("history store: %w", n.drv.storeErr)
	}
	return nil
}

// cycleInputs bounds the inputs of one driver cycle. What the machine
// produces for all of them is sent and stored together (process): under
// load a leader sends one Deliver per member for many messages, and every
// node commits them in one transaction.
const cycleInputs = 256

// step waits for one input, then takes the inputs that are already waiting
// (peers' messages and local requests, up to cycleInputs, until the machine
// has news other than deliveries), and acts on what the machine produced.
func (n *Node) step(done <-chan struct{}, tick <-chan time.Time) {
	select {
	case <-done:
		return
	case in := <-n.tr.Receive():
		n.receive(in)
	case d := <-n.tr.Down():
		n.directPeerDown(d.Peer)
		n.machine.PeerDown(d.Peer, d.Err.Error())
	case <-tick:
		n.tick()
	case f := <-n.reqs:
		f()
	case err := <-n.hist.next():
		n.hist.completed(err)
		if n.drv.storeErr != nil {
			return
		}
		n.machine.Stored() // a member tells its leader, a leader may commit
	}
	for i := 1; i < cycleInputs && !n.machine.HasNews(); i++ {
		select {
		case in := <-n.tr.Receive():
			n.receive(in)
			continue
		case f := <-n.reqs:
			f()
			continue
		default:
		}
		break
	}
	n.process()
}

// tick advances the machine's clock. Peers whose frames were read since
// the last tick are alive even if their frames still wait in the receive
// queue: under load, heartbeats queue behind chat, and a busy node must not
// take its peers for dead.
func (n *Node) tick() {
	now := time.Now() // the transport's clock, not Options.Now: HeardSince compares with it
	for _, id := range n.tr.HeardSince(n.drv.lastTick) {
		n.machine.Heard(id)
	}
	n.drv.lastTick = now
	n.machine.Tick()
	n.expireDirects()
	n.expireSays()
}

// receive feeds one peer message to the machine, or to the direct messages.
func (n *Node) receive(in transport.Inbound) {
	if !n.admitJoinRequest(in) {
		return
	}
	n.mu.Lock()
	n.pub.lastSeen[in.Header.From] = n.now()
	n.mu.Unlock()
	if n.onDirect(in) {
		return
	}
	switch m := in.Msg.(type) {
	case protocol.Election:
		n.log.Debug("candidacy", "from", in.Header.From, "candidate", m.Candidate.NodeID, "epoch", m.Epoch, "voters", len(m.Voters), "hops", m.Hops)
	case protocol.Elected:
		n.log.Debug("announcement", "from", in.Header.From, "leader", m.Leader.Name, "epoch", m.NewEpoch, "votes", len(m.Ring))
	}
	n.machine.Step(in.Header, in.Msg)
}

// process sends what the machine produced and acts on its events.
func (n *Node) process() {
	r := n.machine.Ready()
	// A peer found dead loses its connection (to a hung peer it would only
	// fill up), before this batch is sent: Forget drops what is queued, and
	// the batch may still address the peer. Sent after Forget, a message
	// goes out on a new connection instead of being dropped with the old one.
	// A peer that left keeps its connection: what is queued for it must
	// still reach it (the leader's view that completes its leave, election
	// traffic that a leader which handed over relays), and it closes the
	// connection itself when it stops.
	for _, ev := range r.Events {
		if g, ok := ev.(ring.PeerGone); ok && g.Why != "left" {
			n.tr.Forget(g.Peer)
		}
	}
	if !n.writeAndSend(r) {
		return // the run loop stops on storeErr
	}
	n.lamport.Store(n.machine.Lamport())
	n.snapshot() // before events: a caller woken by one sees the new state
	if changesPresence(r.Events) {
		n.observePresence()
	}
	for _, ev := range r.Events {
		n.handle(ev)
	}
}

// writeAndSend sends the machine's messages, then queues the cycle's
// writes (history, outbox, commit point, state) as one group, so that they
// share one store transaction. A vote is written, and waited for, before
// anything is sent (persistVote); false if it could not be.
func (n *Node) writeAndSend(r ring.Ready) bool {
	if castsVote(r.Events) {
		n.hist.submit()
		if !n.persistVote(r.Events) {
			return false
		}
		n.send(r.Messages)
		n.persist(r.Events)
		return true
	}
	n.send(r.Messages)
	n.st.Group(func() {
		n.hist.submit()
		n.persist(r.Events)
	})
	return true
}

// send queues the machine's messages. A leader's broadcast gives every
// member the same Deliver with the same header (ring.Machine.flush): it is
// encoded once for all of them.
func (n *Node) send(msgs []ring.Outgoing) {
	var last struct {
		entries        *protocol.Entry
		count          int
		lamport, epoch uint64
		frame          transport.Frame
		ok             bool
	}
	for _, o := range msgs {
		d, ok := o.Msg.(protocol.Deliver)
		if !ok || len(d.Entries) == 0 {
			n.tr.Send(o.To, o.Lamport, o.Epoch, o.Msg)
			continue
		}
		if !last.ok || last.entries != &d.Entries[0] || last.count != len(d.Entries) || last.lamport != o.Lamport || last.epoch != o.Epoch {
			f, err := n.tr.Encode(o.Lamport, o.Epoch, d)
			if err != nil {
				n.log.Error("cannot encode a Deliver, dropped", "entries", len(d.Entries), "err", err)
				last.ok = false
				continue
			}
			last.entries, last.count, last.lamport, last.epoch, last.frame, last.ok = &d.Entries[0], len(d.Entries), o.Lamport, o.Epoch, f, true
		}
		n.tr.SendFrame(o.To, last.frame)
	}
}

// shutdown leaves the ring (bounded by leaveGrace) and ends every waiter.
func (n *Node) shutdown(tick <-chan time.Time) {
	if st := n.machine.State(); st == ring.Member || st == ring.Electing {
		n.ringLog(slog.LevelInfo, "leaving the ring before stopping")
		left := make(chan error, 1)
		n.drv.leaves = append(n.drv.leaves, left)
		n.machine.Leave()
		n.process()
		dctx, cancel := context.WithTimeout(context.Background(), leaveGrace)
	wait:
		for {
			select {
			case err := <-left:
				if err != nil {
					n.ringLog(slog.LevelWarn, "leave failed", "err", err)
				}
				break wait
			case <-dctx.Done():
				n.ringLog(slog.LevelWarn, "leave did not finish in time")
				break wait
			default:
				n.step(dctx.Done(), tick)
			}
		}
		cancel()
		n.tr.Flush(time.Second) // the leave must reach the others before the connections close
		// Stopping is no leave by the user: on start the node goes back.
		saved := n.machine.Saved()
		saved.Left = false
		n.saveState(saved)
	}
	n.stopWaiters()
	n.ringLog(slog.LevelInfo, "node stopped")
}

// stopWaiters ends every watcher and caller still waiting.
func (n *Node) stopWaiters() {
	n.hist.settle() // what is acknowledged now is stored
	n.mu.Lock()
	n.pub.stopped = true
	n.mu.Unlock()
	n.hub.Stop(ErrStopped)
	for _, w := range n.drv.says {
		w.c <- SayResult{Err: ErrStopped}
	}
	clear(n.drv.says)
	n.failDirects(ErrStopped)
	n.finishJoins(ErrStopped)
}

// do runs f on the run goroutine, or fails if the node stops first.
func (n *Node) do(ctx context.Context, f func()) error {
	n.mu.Lock()
	stopped := n.pub.stopped
	n.mu.Unlock()
	if stopped {
		return ErrStopped
	}
	select {
	case n.reqs <- f:
		return nil
	case <-n.done:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}
