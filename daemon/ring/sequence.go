package ring

import (
	"slices"

	"github.com/ringchat/ring/internal/limits"
	"github.com/ringchat/ring/protocol"
)

// catchUpBatch bounds one Deliver or catch-up reply (a frame holds about 250
// entries of the largest chat text).
const catchUpBatch = limits.FrameEntries

type sequencing struct {
	seen        map[string]uint64 // origin id -> highest counter stored
	broadcast   []protocol.Entry  // sequenced by this leader in the current call
	catchUpAt   uint64            // tick a catch-up was requested, 0 if none pending
	catchUpTo   string            // the node it was asked of
	asked       protocol.CatchUpRequest
	verifySeq   uint64    // compare this entry with the leader's at the next catch-up, 0 if none
	verifyAsked bool      // the catch-up under way asks for it
	counter     uint64    // this node's origin counter
	token       uint64    // last local token handed out by Submit
	outbox      []pending // submitted by this node, not yet committed
	outboxID    uint64    // last id given to an outbox entry
	outboxGen   uint64    // counts changes of the outbox
	lastResend  uint64
	// unsure: restarted, this node may have sent messages whose outbox
	// entries the crash lost, so it does not know which counters the ring
	// has seen. What it says belongs to no ring until a leader's JoinReply
	// tells it (and renumbers it after what the ring took).
	unsure bool
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
	m.sq.counter++
	m.clock++
	e := protocol.Entry{
		Lamport:       m.clock,
		OriginID:      m.self.ID,
		OriginCounter: m.sq.counter,
		Kind:          kind,
		FromName:      m.self.Name,
		FromAddr:      m.self.Addr,
		To:            to,
		Text:          text,
		TimeUnixNano:  m.cfg.Now(),
	}
	m.sq.token++
	m.sq.outboxID++
	m.sq.outboxGen++
	ring := m.view.RingID
	if m.sq.unsure {
		ring = ""
	}
	m.sq.outbox = append(m.sq.outbox, pending{token: m.sq.token, id: m.sq.outboxID, entry: e, ring: ring})
	m.submit(e)
	return m.sq.token
}

// LastSubmitted is the id ("origin/counter") of the message the last
// Submit queued.
func (m *Machine) LastSubmitted() (origin string, counter uint64) {
	if n := len(m.sq.outbox); n > 0 && m.sq.outbox[n-1].token == m.sq.token {
		return m.self.ID, m.sq.outbox[n-1].entry.OriginCounter
	}
	return m.self.ID, m.sq.counter
}

// submit offers an entry of this node to its leader. While this node's
// history is being verified against the leader's (verifyLog) it holds its
// messages back: should the history have diverged, it learns how many of
// its messages the ring has before it numbers more.
func (m *Machine) submit(e protocol.Entry) {
	switch {
	case m.sq.unsure && !m.IsLeader():
	case m.IsLeader():
		m.sequence(e)
	case m.sq.verifySeq > 0:
	case m.state == Member || m.state == Leaving:
		if m.leader.ID != "" {
			m.sendSubmit(e)
		}
	}
}

// joinedBytes bounds the estimated size of a Submit or Deliver that
// messages produced one after another join into (sendSubmit,
// extendBroadcast): never more than one message of the longest text the
// protocol carries, so a joined frame fits wherever a single one does,
// whatever limits.max_text and limits.max_frame the receiver has.
const joinedBytes = protocol.MaxTextLen + entryOverhead

// entryOverhead is a generous estimate of an entry's encoded size beyond
// its text: ids, names, addresses, numbers, CBOR framing.
const entryOverhead = limits.EntryOverhead

// memberBytes estimates one member of a view entry.
const memberBytes = 3*protocol.MaxIDLen + protocol.MaxAddrLen

func entryBytes(e protocol.Entry) int {
	return len(e.Text) + entryOverhead + len(e.Members)*memberBytes
}

func entriesBytes(es []protocol.Entry) int {
	n := 0
	for _, e := range es {
		n += entryBytes(e)
	}
	return n
}

func submitBytes(s protocol.Submit) int { return entryBytes(s.Entry) + entriesBytes(s.More) }

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
	m.sq.lastResend = m.tick
	for _, p := range slices.Clone(m.sq.outbox) {
		m.submit(p.entry)
	}
}

func (m *Machine) onSubmit(h protocol.Header, s protocol.Submit) {
	i := m.indexOf(h.From)
	if !m.IsLeader() || i < 0 || s.Entry.OriginID != h.From {
		return
	}
	author := m.view.Members[i]
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
	if (m.lv.handingOver && e.OriginID != m.self.ID) || e.OriginCounter != m.sq.seen[e.OriginID]+1 {
		return false
	}
	e.Seq = m.log.LastSeq() + 1
	e.Epoch = m.epoch
	if !m.appendEntry(e) {
		return false
	}
	m.sq.broadcast = append(m.sq.broadcast, e)
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
		OriginCounter: m.sq.seen[m.self.ID] + 1,
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

// flushBroadcast sends what the leader sequenced during this call as one
// Deliver per member, all with one Lamport time (a broadcast is one event).
// If the previous broadcast is still the last thing produced (the driver
// has not collected it, nothing was sent since, the epoch and the
// recipients are the same) the new entries join its Deliver messages
// instead: several calls between two Ready then cost one Deliver per
// member, and each member still receives exactly what it would have
// received in two.
func (m *Machine) flushBroadcast() {
	if len(m.sq.broadcast) == 0 {
		return
	}
	batch := m.sq.broadcast
	m.sq.broadcast = nil
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
			m.out.Messages = append(m.out.Messages, Outgoing{To: p, Msg: protocol.Deliver{Entries: chunk, Commit: m.q.commit}, Lamport: m.clock, Epoch: m.term})
		}
	}
	m.lastBroadcast = broadcastRec{}
	if len(batch) < catchUpBatch {
		m.lastBroadcast = broadcastRec{entries: batch, bytes: entriesBytes(batch), start: start, end: len(m.out.Messages), epoch: m.epoch}
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
	b := &m.lastBroadcast
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
	// capacity it may grow into (m.sq.broadcast was reset when it was taken).
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
	b := &m.lastBroadcast
	if !b.unsealed {
		return
	}
	b.unsealed = false
	d := protocol.Message(protocol.Deliver{Entries: b.entries, Commit: m.q.commit})
	for i := b.start; i < b.end; i++ {
		m.out.Messages[i].Msg = d
	}
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
	if e.OriginCounter > m.sq.seen[e.OriginID] {
		m.sq.seen[e.OriginID] = e.OriginCounter
	}
	if e.OriginID == m.self.ID && e.OriginCounter > m.sq.counter {
		m.sq.counter = e.OriginCounter
	}
	m.appended(e)
	return true
}

func (m *Machine) fromLeader(h protocol.Header) bool {
	return m.leader.ID != "" && h.From == m.leader.ID && h.Epoch == m.epoch && !m.IsLeader()
}

func (m *Machine) onDeliver(h protocol.Header, d protocol.Deliver) {
	if !m.fromLeader(h) {
		return // fenced: not our leader, or an older epoch
	}
	if m.sq.verifySeq > 0 && !m.verifyByDeliver(d.Entries) {
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

func (m *Machine) onHeartbeat(h protocol.Header, hb protocol.Heartbeat) {
	if m.IsLeader() && h.Epoch == m.epoch && m.isMember(h.From) && hb.Stored > 0 {
		m.noteMatch(h.From, hb.Stored)
	}
	// A member that watches this node which this node does not watch back
	// (their views or the gone members they know differ for a moment, or it
	// probes) gets an answer, or it would take this node for dead. At most
	// one a tick: two nodes that both answer must not answer each other for ever.
	// A node without a leader answers any node of its ring that probes it,
	// member or not: views differ while a change is not committed, and
	// each must know whom it reaches to route an election.
	stranger := !m.isMember(h.From) && m.leaderless() && hb.From != nil && hb.From.ID == h.From &&
		len(m.answered) < len(m.view.Members)+maxStrangers
	if _, out := m.gone[h.From]; !m.watched[h.From] && (!out || m.IsLeader() || m.leaderless()) && m.answered[h.From] != m.tick && (m.isMember(h.From) || stranger) {
		m.answered[h.From] = m.tick
		to := m.peerInfo(h.From, "")
		if hb.From != nil && hb.From.ID == h.From {
			to = *hb.From // where it is now: it may have come back at another address
		}
		m.send(to, m.heartbeatMsg())
	}
	if m.fromLeader(h) {
		if hb.Leader == nil || hb.Leader.ID != m.leader.ID {
			m.loseLeader("the leader stepped down")
			return
		}
		m.q.leaderSeen = hb.Reach
		m.learnCommit(hb.Commit)
		if hb.LastSeq > m.log.LastSeq() {
			m.requestCatchUp()
		}
		return
	}
	switch {
	case hb.Leader == nil || hb.Leader.ID == m.self.ID || !m.leaderless():
	case hb.Leader.ID == h.From && h.Epoch >= m.term && m.isMember(h.From):
		// A leader of this node's epoch or a newer one, itself: this node
		// follows it (as Raft's pre-candidate does).
		v := m.hintView()
		v.Leader, v.Epoch = h.From, h.Epoch
		m.follow(*hb.Leader, v)
	case m.seeks(h.Epoch):
		m.seekLeader(*hb.Leader)
	}
}
