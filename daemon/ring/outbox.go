package ring

// This node's own messages: queued until committed, offered to the
// leader, numbered by its origin counter.

import (
	"slices"

	"github.com/ringchat/ring/protocol"
)

// outbox holds this node's own messages until they are committed.
type outbox struct {
	queue      []pending // submitted by this node, not yet committed
	counter    uint64    // this node's origin counter
	lastToken  uint64    // last local token handed out by Submit
	lastID     uint64    // last id given to an outbox entry
	version    uint64    // counts changes of the outbox
	lastResend uint64    // tick it was last offered to the leader again
	// countersUnsure: restarted, this node may have sent messages whose
	// outbox entries the crash lost, so it does not know which counters the
	// ring has seen. What it says belongs to no ring until a leader's
	// JoinReply tells it (and renumbers it after what the ring took).
	countersUnsure bool
}

// pending is a message of this node waiting to be committed; token
// identifies it to the driver's waiting caller (0: none) and id to the
// driver's durable outbox, even if its origin counter changes on a join.
// ring is the ring whose counters entry.OriginCounter follows.
type pending struct {
	token uint64
	id    uint64
	entry protocol.Entry
	ring  string
}

// Submit queues a message authored by this node and returns a token that
// identifies it in the Acked event. It is sent to the leader now or, while
// there is none, as soon as there is one; Acked reports it once committed:
// sequenced, and stored by a majority, this node included.
func (m *Machine) Submit(kind, to, text string) uint64 {
	defer m.flush()
	m.outbox.counter++
	m.clock++
	e := protocol.Entry{
		Lamport:       m.clock,
		OriginID:      m.self.ID,
		OriginCounter: m.outbox.counter,
		Kind:          kind,
		FromName:      m.self.Name,
		FromAddr:      m.self.Addr,
		To:            to,
		Text:          text,
		TimeUnixNano:  m.cfg.Now(),
	}
	m.outbox.lastToken++
	m.outbox.lastID++
	m.outbox.version++
	ring := m.view.RingID
	if m.outbox.countersUnsure {
		ring = ""
	}
	m.outbox.queue = append(m.outbox.queue, pending{token: m.outbox.lastToken, id: m.outbox.lastID, entry: e, ring: ring})
	m.submit(e)
	return m.outbox.lastToken
}

// LastSubmitted is the id ("origin/counter") of the message the last
// Submit queued.
func (m *Machine) LastSubmitted() (origin string, counter uint64) {
	if n := len(m.outbox.queue); n > 0 && m.outbox.queue[n-1].token == m.outbox.lastToken {
		return m.self.ID, m.outbox.queue[n-1].entry.OriginCounter
	}
	return m.self.ID, m.outbox.counter
}

// Pending is how many of this node's messages wait to be committed.
func (m *Machine) Pending() int { return len(m.outbox.queue) }

// submit offers an entry of this node to its leader. While this node's
// history is being verified against the leader's (verifyLog) it holds its
// messages back: should the history have diverged, it learns how many of
// its messages the ring has before it numbers more.
func (m *Machine) submit(e protocol.Entry) {
	switch {
	case m.outbox.countersUnsure && !m.IsLeader():
	case m.IsLeader():
		m.sequence(e)
	case m.catchUp.verifySeq > 0:
	case m.state == Member || m.state == Leaving:
		if m.leader.ID != "" {
			m.sendSubmit(e)
		}
	}
}

// sendSubmit sends e to the leader. If the last message produced (and not
// yet collected by Ready) is a Submit to the leader, e joins it: the leader
// receives the same entries in the same order, in fewer frames.
func (m *Machine) sendSubmit(e protocol.Entry) {
	if n := len(m.out.Messages); n > 0 {
		last := &m.out.Messages[n-1]
		if s, ok := last.Msg.(protocol.Submit); ok && last.To == m.leader && last.Epoch == m.term &&
			len(s.More)+1 < catchUpBatch && submitBytes(s)+entryBytes(e) <= joinedBytes {
			s.More = append(s.More, e)
			m.clock++
			last.Msg, last.Lamport = s, m.clock
			return
		}
	}
	m.send(m.leader, protocol.Submit{Entry: e})
}

// resendOutbox offers every uncommitted message of this node to the current
// leader again, in order; the leader drops what it already has.
func (m *Machine) resendOutbox() {
	m.outbox.lastResend = m.tick
	for _, p := range slices.Clone(m.outbox.queue) {
		m.submit(p.entry)
	}
}

func (m *Machine) inOutbox(counter uint64) bool {
	return slices.ContainsFunc(m.outbox.queue, func(p pending) bool { return p.entry.OriginCounter == counter })
}

// holdsUncommitted says whether this node's own entry e is in its history,
// above the commit point (an own entry committed has left the outbox).
func (m *Machine) holdsUncommitted(e protocol.Entry) bool {
	return slices.ContainsFunc(m.commit.tail, func(t protocol.Entry) bool {
		return t.OriginID == e.OriginID && t.OriginCounter == e.OriginCounter && t.Lamport == e.Lamport
	})
}

// closeCounterGap renumbers this node's queued messages right after its
// last one in the history: a system entry it wrote as leader and that was
// cut leaves a gap, and a leader takes each origin's messages only in
// counter order.
func (m *Machine) closeCounterGap() {
	k := m.log.Origins()[m.self.ID]
	for i := range m.outbox.queue {
		p := &m.outbox.queue[i]
		if p.ring == "" || m.holdsUncommitted(p.entry) {
			continue
		}
		k++
		if p.entry.OriginCounter != k {
			p.entry.OriginCounter = k
			m.outbox.version++
		}
	}
	m.outbox.counter = k
}

// Pending is a message of this node that is not committed yet, as the
// driver keeps it: ID names it in the durable outbox, Ring is the ring
// whose counters Entry.OriginCounter follows.
type Pending struct {
	ID    uint64
	Ring  string
	Entry protocol.Entry
}

// Outbox returns the messages waiting to be committed, oldest first.
func (m *Machine) Outbox() []Pending {
	out := make([]Pending, len(m.outbox.queue))
	for i, p := range m.outbox.queue {
		out[i] = Pending{ID: p.id, Ring: p.ring, Entry: p.entry}
	}
	return out
}

// EachPending calls f for every message of the outbox, in order, without
// copying the outbox.
func (m *Machine) EachPending(f func(Pending)) {
	for _, p := range m.outbox.queue {
		f(Pending{ID: p.id, Ring: p.ring, Entry: p.entry})
	}
}

// OutboxVersion changes whenever the outbox does, so that the driver
// compares outboxes only when there is something to save.
func (m *Machine) OutboxVersion() uint64 { return m.outbox.version }
