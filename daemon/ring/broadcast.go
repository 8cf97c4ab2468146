package ring

// How a leader's sequenced entries go out: one Deliver per member, joined
// while the driver has not collected them.

import (
	"github.com/ringchat/ring/protocol"
)

// flushBroadcast sends what the leader sequenced during this call as one
// Deliver per member, all with one Lamport time (a broadcast is one event).
// If the previous broadcast is still the last thing produced (the driver
// has not collected it, nothing was sent since, the epoch and the
// recipients are the same) the new entries join its Deliver messages
// instead: several calls between two Ready then cost one Deliver per
// member, and each member still receives exactly what it would have
// received in two.
func (m *Machine) flushBroadcast() {
	if len(m.sequencing.batch) == 0 {
		return
	}
	batch := m.sequencing.batch
	m.sequencing.batch = nil
	to := m.recipients()
	if m.extendBroadcast(batch, to) {
		return
	}
	m.sealBroadcast()
	m.clock++
	start := len(m.out.Messages)
	for i := 0; i < len(batch); i += catchUpBatch {
		chunk := batch[i:min(i+catchUpBatch, len(batch))]
		for _, p := range to {
			m.out.Messages = append(m.out.Messages, Outgoing{To: p, Msg: protocol.Deliver{Entries: chunk, Commit: m.commit.point}, Lamport: m.clock, Epoch: m.term})
		}
	}
	m.sequencing.lastBroadcast = broadcastRec{}
	if len(batch) < catchUpBatch {
		m.sequencing.lastBroadcast = broadcastRec{entries: batch, bytes: entriesBytes(batch), start: start, end: len(m.out.Messages), epoch: m.epoch}
	}
}

// broadcastRec is the leader's last broadcast while it may still grow:
// entries went to out.Messages[start:end], one Deliver per recipient.
type broadcastRec struct {
	entries    []protocol.Entry
	bytes      int // estimated (entryBytes)
	start, end int
	epoch      uint64
	unsealed   bool // entries grew since the messages were last given them
}

// extendBroadcast adds batch to the last broadcast if nothing came after
// it and it went to the same members.
func (m *Machine) extendBroadcast(batch []protocol.Entry, to []protocol.NodeInfo) bool {
	b := &m.sequencing.lastBroadcast
	size := entriesBytes(batch)
	if b.entries == nil || b.end != len(m.out.Messages) || b.epoch != m.epoch ||
		len(b.entries)+len(batch) > catchUpBatch || b.bytes+size > joinedBytes || b.end-b.start != len(to) {
		return false
	}
	for k, p := range to {
		if m.out.Messages[b.start+k].To != p {
			return false
		}
	}
	// The Deliver messages share b.entries; nothing else holds the spare
	// capacity it may grow into (m.sequencing.batch was reset when it was taken).
	// They are given the longer slice when the broadcast is sealed.
	b.entries = append(b.entries, batch...)
	b.bytes += size
	b.unsealed = true
	m.clock++
	for i := b.start; i < b.end; i++ {
		m.out.Messages[i].Lamport = m.clock
	}
	return true
}

// sealBroadcast gives the last broadcast's Deliver messages every entry
// that joined them; it runs before anything else is produced, and in Ready.
func (m *Machine) sealBroadcast() {
	b := &m.sequencing.lastBroadcast
	if !b.unsealed {
		return
	}
	b.unsealed = false
	d := protocol.Message(protocol.Deliver{Entries: b.entries, Commit: m.commit.point})
	for i := b.start; i < b.end; i++ {
		m.out.Messages[i].Msg = d
	}
}
