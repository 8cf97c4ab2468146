package node

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/daemon/transport"
	"github.com/ringchat/ring/protocol"
)

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
	n.hist.submit() // what was appended goes to disk while it goes to the others
	if !n.persistVote(r.Events) {
		return // the run loop stops on storeErr
	}
	n.send(r.Messages)
	n.persist(r.Events)
	n.lamport.Store(n.machine.Lamport())
	n.snapshot() // before events: a caller woken by one sees the new state
	if changesPresence(r.Events) {
		n.observePresence()
	}
	for _, ev := range r.Events {
		n.handle(ev)
	}
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

func (n *Node) handle(ev ring.Event) {
	switch ev := ev.(type) {
	case ring.Delivered, ring.Acked:
		if d, ok := ev.(ring.Delivered); ok && d.Entry.Presence != "" {
			n.mu.Lock()
			n.pub.dir.Apply(messageOf(d.Entry))
			n.mu.Unlock()
		}
		n.hold(ev)
	case ring.StateChanged:
		n.ringLog(slog.LevelInfo, "state changed", "state", string(ev.State))
		if ev.State == ring.NoQuorum && !n.drv.quorumLost {
			n.drv.quorumLost = true
			m := n.machine
			n.ringLog(slog.LevelWarn, "no quorum", "reachable", m.Reachable(), "members", len(m.View().Members), "quorum", m.Quorum())
			n.notice(fmt.Sprintf("no quorum: this node reaches %d of %d members, %d are needed; what is said here waits until the ring heals",
				m.Reachable(), len(m.View().Members), m.Quorum()))
		}
		if ev.State == ring.Detached {
			n.drv.quorumLost = false
		}
	case ring.LeaderChanged:
		n.ringLog(slog.LevelInfo, "leader", "leader", ev.Leader.Name, "leader_id", ev.Leader.ID, "epoch", ev.Epoch)
		if n.drv.quorumLost {
			n.drv.quorumLost = false
			n.notice(fmt.Sprintf("quorum regained: %s leads epoch %d", ev.Leader.Display(), ev.Epoch))
		}
	case ring.ViewChanged:
		n.ringLog(slog.LevelInfo, "view", "version", ev.View.Version, "epoch", ev.View.Epoch, "members", len(ev.View.Members))
		n.mu.Lock()
		n.pub.dir.SetView(ev.View, n.now())
		n.mu.Unlock()
	case ring.PeerGone:
		n.ringLog(slog.LevelWarn, "peer gone", "peer", ev.Peer.Name, "peer_id", ev.Peer.ID, "why", ev.Why)
		// A dead peer's connection was dropped in process, before the batch was sent.
	case ring.ElectionStarted:
		n.ringLog(slog.LevelInfo, "election started", "epoch", ev.Epoch, "why", ev.Why)
	case ring.ElectionLost:
		n.ringLog(slog.LevelInfo, "election lost", "epoch", ev.Epoch, "why", ev.Why)
	case ring.SteppedDown:
		n.ringLog(slog.LevelWarn, "stepped down as leader", "why", ev.Why)
	case ring.HistoryYielded:
		n.ringLog(slog.LevelWarn, "committed history cut after a forced view (ringctl reform)", "from_seq", ev.From, "to_seq", ev.To)
	case ring.JoinDone:
		var err error
		if ev.Err != "" {
			err = errors.New(ev.Err)
			n.ringLog(slog.LevelWarn, "join failed", "err", ev.Err)
		}
		n.finishJoins(err)
	case ring.LeaveDone:
		var err error
		if ev.Err != "" {
			err = errors.New(ev.Err)
		}
		for _, c := range n.drv.leaves {
			c <- err
		}
		n.drv.leaves = nil
	}
}

// notice shows this node's watchers a system message about the node itself
// (quorum lost and regained): it is no part of the ring's history, so it
// has no sequence number and is not stored.
func (n *Node) notice(text string) {
	n.drv.notices++
	m := chat.Message{
		ID:   n.self.ID + "/n" + strconv.FormatUint(n.drv.notices, 10),
		Kind: chat.KindSystem, From: n.self, Text: text, Time: n.now().UTC(),
		Lamport: n.machine.Lamport(),
	}
	n.hub.Publish(m)
}

func (n *Node) finishJoins(err error) {
	for _, c := range n.drv.joins {
		c <- err
	}
	n.drv.joins = nil
}

// snapshot copies the machine's view for Status and Members, which other
// goroutines read.
func (n *Node) snapshot() {
	m := n.machine
	ref := func(p protocol.NodeInfo) chat.NodeRef { return chat.NodeRef{ID: p.ID, Name: p.Name, Addr: p.Addr} }
	st := chat.Status{
		ID:        n.self.ID,
		Name:      n.self.Name,
		Addr:      n.self.Addr,
		State:     string(m.State()),
		Leader:    ref(m.Leader()),
		Epoch:     m.Epoch(),
		Members:   len(m.View().Members),
		LastSeq:   n.st.LastSeq(),
		CommitSeq: min(m.Commit(), n.st.LastSeq()),
		Quorum:    m.Quorum(),
		Reachable: m.Reachable(),
		Lamport:   m.Lamport(),
	}
	if m.State() == ring.Detached || m.State() == ring.Joining {
		st.Members, st.Quorum, st.Reachable = 0, 0, 0
	} else {
		st.Prev, st.Next = ref(m.Prev()), ref(m.Next())
		st.Ring = m.View().RingID
	}
	unreachable := m.Unreachable()
	n.mu.Lock()
	n.pub.status = st
	n.pub.unreachable = unreachable
	n.mu.Unlock()
}

// observePresence tells the directory which peers are gone and which this
// node watches. Both change only with the view, the leader, the state or
// a peer gone, so it runs on those events, not on every message.
func (n *Node) observePresence() {
	m := n.machine
	gone, watched := m.Gone(), m.Watched()
	n.mu.Lock()
	n.pub.dir.Observe(m.Leader().ID, gone, watched, n.now())
	n.mu.Unlock()
}

func changesPresence(events []ring.Event) bool {
	for _, ev := range events {
		switch ev.(type) {
		case ring.ViewChanged, ring.LeaderChanged, ring.StateChanged, ring.PeerGone:
			return true
		}
	}
	return false
}

// Members lists the member directory (directory.go): every member the
// ring has known, until reaped. A node in no ring lists none.
func (n *Node) Members() []chat.Member {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.pub.status.State == string(ring.Detached) || n.pub.status.State == string(ring.Joining) {
		return []chat.Member{}
	}
	ms, reaped := n.pub.dir.List(n.now(), n.pub.lastSeen, n.self.ID)
	for _, id := range reaped {
		delete(n.pub.lastSeen, id)
	}
	for i := range ms {
		ms[i].Reachable = (ms[i].State == chat.PresenceAlive || ms[i].State == chat.PresenceSuspect) &&
			!slices.Contains(n.pub.unreachable, ms[i].ID)
	}
	return ms
}
