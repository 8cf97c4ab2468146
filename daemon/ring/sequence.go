package ring

// Sequencing: the leader numbers entries, every node stores them in order.

import (
	"slices"

	"github.com/ringchat/ring/protocol"
)

// sequencing is the history's numbering of origins, and a leader's
// broadcast under way.
type sequencing struct {
	counters      map[string]uint64 // origin id -> highest counter stored
	batch         []protocol.Entry  // sequenced by this leader in the current call
	lastBroadcast broadcastRec      // the leader's last broadcast in out (flush)
}

func (m *Machine) onSubmit(h protocol.Header, s protocol.Submit) {
	i := m.indexOf(h.From)
	if !m.IsLeader() || i < 0 || s.Entry.OriginID != h.From {
		return
	}
	author := m.view.Members[i]
	m.sequencing.batch = slices.Grow(m.sequencing.batch, 1+len(s.More)) // not grown entry by entry
	m.sequenceFrom(author, s.Entry)
	for _, e := range s.More {
		m.sequenceFrom(author, e)
	}
}

// sequenceFrom sequences a chat entry that author submitted. A member
// speaks under the name and address it joined with, not under another's,
// and system events are the leader's to write.
func (m *Machine) sequenceFrom(author protocol.NodeInfo, e protocol.Entry) {
	if e.Kind != protocol.KindChat {
		return
	}
	e.FromName, e.FromAddr = author.Name, author.Addr
	e.About, e.Presence, e.Members = protocol.NodeInfo{}, "", nil
	m.sequence(e)
}

// sequence is the leader's: give the entry the next number, store it and
// queue it for broadcast. Each origin's messages are taken strictly in
// counter order, so a duplicate or one that overtook a lost one is dropped
// (the origin resends until it sees its message committed). A leader that
// hands over sequences nothing more: its successor will.
func (m *Machine) sequence(e protocol.Entry) bool {
	if (m.leave.handingOver && e.OriginID != m.self.ID) || e.OriginCounter != m.sequencing.counters[e.OriginID]+1 {
		return false
	}
	e.Seq = m.log.LastSeq() + 1
	e.Epoch = m.epoch
	if !m.appendEntry(e) {
		return false
	}
	m.sequencing.batch = append(m.sequencing.batch, e)
	return true
}

// sequencePresence makes the leader author a system event: presence
// happened to the member about (protocol.Presence*), and text says so to
// people; members, if not nil, make it a view entry. Its counter is taken
// only if the entry is sequenced (appendEntry advances it), so a refused
// entry leaves no gap that would stall this node's later messages.
func (m *Machine) sequencePresence(presence string, about protocol.NodeInfo, text string, members []protocol.NodeInfo) bool {
	m.clock++
	ok := m.sequence(protocol.Entry{
		Lamport:       m.clock,
		OriginID:      m.self.ID,
		OriginCounter: m.sequencing.counters[m.self.ID] + 1,
		Kind:          protocol.KindSystem,
		FromName:      m.self.Name,
		FromAddr:      m.self.Addr,
		Text:          text,
		TimeUnixNano:  m.cfg.Now(),
		About:         about,
		Presence:      presence,
		Members:       slices.Clone(members),
	})
	if ok {
		m.closeCounterGap() // what it has queued itself follows
	}
	return ok
}

// appendEntry stores the next entry. It reports false for an entry that is
// not the next one.
func (m *Machine) appendEntry(e protocol.Entry) bool {
	if e.Seq != m.log.LastSeq()+1 {
		return false
	}
	if err := m.log.Append(e); err != nil {
		return false
	}
	if e.OriginCounter > m.sequencing.counters[e.OriginID] {
		m.sequencing.counters[e.OriginID] = e.OriginCounter
	}
	if e.OriginID == m.self.ID && e.OriginCounter > m.outbox.counter {
		m.outbox.counter = e.OriginCounter
	}
	m.trackAppended(e)
	return true
}

func (m *Machine) fromLeader(h protocol.Header) bool {
	return m.leader.ID != "" && h.From == m.leader.ID && h.Epoch == m.epoch && !m.IsLeader()
}

func (m *Machine) onDeliver(h protocol.Header, d protocol.Deliver) {
	if !m.fromLeader(h) {
		return // fenced: not our leader, or an older epoch
	}
	if m.catchUp.verifySeq > 0 && !m.verifyByDeliver(d.Entries) {
		return // nothing goes on top of a history not yet verified; catch-up brings it
	}
	for _, e := range d.Entries {
		if e.Seq <= m.log.LastSeq() {
			continue
		}
		if !m.appendEntry(e) {
			m.requestCatchUp()
			return
		}
	}
	m.learnCommit(d.Commit)
}
