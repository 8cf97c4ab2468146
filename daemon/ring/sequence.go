package ring

import (
	"slices"

	"github.com/ringchat/ring/protocol"
)

// catchUpBatch bounds one catch-up reply (a frame holds about 250 entries of
// the largest chat text).
const catchUpBatch = 128

// Submit queues a message authored by this node and returns a token that
// identifies it in the Acked event. It is sent to the leader now or, while there is none, as soon as
// there is one; Acked reports it once sequenced and stored here.
func (m *Machine) Submit(kind, to, text string) uint64 {
	defer m.flush()
	m.counter++
	m.clock++
	e := protocol.Entry{
		Lamport:       m.clock,
		OriginID:      m.self.ID,
		OriginCounter: m.counter,
		Kind:          kind,
		FromName:      m.self.Name,
		FromAddr:      m.self.Addr,
		To:            to,
		Text:          text,
		TimeUnixNano:  m.cfg.Now(),
	}
	m.token++
	m.outboxID++
	m.outboxGen++
	m.outbox = append(m.outbox, pending{token: m.token, id: m.outboxID, entry: e, ring: m.view.RingID})
	m.submit(e)
	return m.token
}

// submit offers an entry of this node to its leader. While this node's
// history is being verified against the leader's (verifyLog) it holds its
// messages back: should the history have diverged, it joins again and
// learns how many of its messages the ring has before it numbers more.
func (m *Machine) submit(e protocol.Entry) {
	switch {
	case m.IsLeader():
		m.sequence(e)
	case m.verifySeq > 0:
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
const entryOverhead = 1024

func entryBytes(e protocol.Entry) int { return len(e.Text) + entryOverhead }

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
		if s, ok := last.Msg.(protocol.Submit); ok && last.To == m.leader && last.Epoch == m.epoch &&
			len(s.More)+1 < catchUpBatch && submitBytes(s)+entryBytes(e) <= joinedBytes {
			s.More = append(s.More, e)
			m.clock++
			last.Msg, last.Lamport = s, m.clock
			return
		}
	}
	m.send(m.leader, protocol.Submit{Entry: e})
}

// resendOutbox offers every unsequenced message of this node to the current
// leader again, in order; the leader drops what it already has.
func (m *Machine) resendOutbox() {
	m.lastResend = m.tick
	// A leader delivers (and so removes from the outbox) as it goes: walk a copy.
	for _, p := range slices.Clone(m.outbox) {
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
	m.sequence(e)
}

// sequence is the leader's: give the entry the next number, store it and
// queue it for broadcast. Each origin's messages are taken strictly in
// counter order, so a duplicate or one that overtook a lost one is dropped
// (the origin resends until it sees its message delivered).
func (m *Machine) sequence(e protocol.Entry) {
	if e.OriginCounter != m.seen[e.OriginID]+1 {
		return
	}
	e.Seq = m.log.LastSeq() + 1
	e.Epoch = m.epoch
	if !m.deliver(e) {
		return
	}
	m.broadcast = append(m.broadcast, e)
}

// sequencePresence makes the leader author a system event: presence
// happened to the member about (protocol.Presence*), and text says so to
// people. Its counter is taken only if the entry is sequenced (deliver
// advances it), so a refused entry leaves no gap that would stall this
// node's later messages.
func (m *Machine) sequencePresence(presence string, about protocol.NodeInfo, text string) {
	m.clock++
	m.sequence(protocol.Entry{
		Lamport:       m.clock,
		OriginID:      m.self.ID,
		OriginCounter: m.counter + 1,
		Kind:          protocol.KindSystem,
		FromName:      m.self.Name,
		FromAddr:      m.self.Addr,
		Text:          text,
		TimeUnixNano:  m.cfg.Now(),
		About:         about,
		Presence:      presence,
	})
}

// flush sends what the leader sequenced during this call as one Deliver per
// member, all with one Lamport time (a broadcast is one event). If the
// previous broadcast is still the last thing produced (the driver has not
// collected it, nothing was sent since, the epoch and the recipients are the
// same) the new entries join its Deliver messages instead: several calls
// between two Ready then cost one Deliver per member, and each member still
// receives exactly what it would have received in two.
func (m *Machine) flush() {
	if len(m.broadcast) == 0 {
		return
	}
	batch := m.broadcast
	m.broadcast = nil
	if m.extendBroadcast(batch) {
		return
	}
	m.sealBroadcast()
	m.clock++
	start := len(m.out.Messages)
	for i := 0; i < len(batch); i += catchUpBatch {
		chunk := batch[i:min(i+catchUpBatch, len(batch))]
		for _, p := range m.view.Members {
			if m.receivesBroadcast(p) {
				m.out.Messages = append(m.out.Messages, Outgoing{To: p, Msg: protocol.Deliver{Entries: chunk}, Lamport: m.clock, Epoch: m.epoch})
			}
		}
	}
	m.lastBroadcast = broadcastRec{}
	if len(batch) < catchUpBatch {
		m.lastBroadcast = broadcastRec{entries: batch, bytes: entriesBytes(batch), start: start, end: len(m.out.Messages), epoch: m.epoch}
	}
}

// receivesBroadcast says whether the leader sends its broadcasts to p.
func (m *Machine) receivesBroadcast(p protocol.NodeInfo) bool {
	_, out := m.gone[p.ID]
	return p.ID != m.self.ID && !out
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
func (m *Machine) extendBroadcast(batch []protocol.Entry) bool {
	b := &m.lastBroadcast
	size := entriesBytes(batch)
	if b.entries == nil || b.end != len(m.out.Messages) || b.epoch != m.epoch ||
		len(b.entries)+len(batch) > catchUpBatch || b.bytes+size > joinedBytes {
		return false
	}
	i := b.start
	for _, p := range m.view.Members {
		if !m.receivesBroadcast(p) {
			continue
		}
		if i == b.end || m.out.Messages[i].To != p {
			return false
		}
		i++
	}
	if i != b.end {
		return false
	}
	// The Deliver messages share b.entries; nothing else holds the spare
	// capacity it may grow into (m.broadcast was reset when it was taken).
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
	d := protocol.Message(protocol.Deliver{Entries: b.entries})
	for i := b.start; i < b.end; i++ {
		m.out.Messages[i].Msg = d
	}
}

// deliver appends the next entry to the log. It reports false for an entry
// that is not the next one.
func (m *Machine) deliver(e protocol.Entry) bool {
	if e.Seq != m.log.LastSeq()+1 {
		return false
	}
	if err := m.log.Append(e); err != nil {
		return false
	}
	if e.OriginCounter > m.seen[e.OriginID] {
		m.seen[e.OriginID] = e.OriginCounter
	}
	m.emit(Delivered{Entry: e})
	if e.OriginID == m.self.ID {
		for i, p := range m.outbox {
			if p.entry.OriginCounter == e.OriginCounter {
				m.outbox = append(m.outbox[:i], m.outbox[i+1:]...)
				m.outboxGen++
				if p.token != 0 { // 0: offered again after a divergence, acknowledged before
					m.emit(Acked{Token: p.token, Entry: e})
				}
				break
			}
		}
		if e.OriginCounter > m.counter {
			m.counter = e.OriginCounter
		}
	}
	return true
}

func (m *Machine) fromLeader(h protocol.Header) bool {
	return m.state != Electing && h.From == m.leader.ID && h.Epoch == m.epoch
}

func (m *Machine) onDeliver(h protocol.Header, entries []protocol.Entry) {
	if !m.fromLeader(h) {
		return // fenced: not our leader, or an older epoch
	}
	if m.verifySeq > 0 && !m.verifyByDeliver(entries) {
		return // nothing goes on top of a history not yet verified; catch-up brings it
	}
	for _, e := range entries {
		if e.Seq <= m.log.LastSeq() {
			continue
		}
		if !m.deliver(e) {
			m.requestCatchUp()
			return
		}
	}
}

// verifyByDeliver ends the check of this node's history (verifyLog) when
// a Deliver from the leader holds the entry to compare and it is this
// node's own: the same check as a catch-up reply's, when it succeeds. A
// leader that hands over as it leaves sends its whole history this way,
// right before its Leave; dropping it would leave its successor without
// what it sequenced last. A Deliver that does not settle it changes
// nothing: the catch-up under way decides, cutting the history if need be.
func (m *Machine) verifyByDeliver(entries []protocol.Entry) bool {
	v := m.verifySeq
	i := slices.IndexFunc(entries, func(e protocol.Entry) bool { return e.Seq == v })
	if i < 0 {
		return false
	}
	if mine := m.log.After(v-1, 1); len(mine) == 0 || !sameEntry(entries[i], mine[0]) {
		return false
	}
	m.verified()
	return true
}

func (m *Machine) onHeartbeat(h protocol.Header, hb protocol.Heartbeat) {
	if m.IsLeader() && m.isMember(h.From) {
		m.progress[h.From] = hb.LastSeq
	}
	// A member that watches this node which this node does not watch back
	// (their views or the gone members they know differ for a moment) gets
	// an answer, or it would take this node for dead. At most one a tick:
	// two nodes that both answer must not answer each other for ever.
	if _, out := m.gone[h.From]; !m.watched[h.From] && !out && m.answered[h.From] != m.tick && m.isMember(h.From) {
		m.answered[h.From] = m.tick
		m.send(m.view.Members[m.indexOf(h.From)], protocol.Heartbeat{LastSeq: m.log.LastSeq(), From: &m.self})
	}
	if m.fromLeader(h) && hb.LastSeq > m.log.LastSeq() {
		m.requestCatchUp()
	}
}

func (m *Machine) requestCatchUp() {
	if m.IsLeader() || m.leader.ID == "" || m.catchUpAt != 0 {
		return
	}
	m.catchUpAt, m.catchUpTo = max(m.tick, 1), m.leader.ID
	req := protocol.CatchUpRequest{AfterSeq: m.log.LastSeq(), Limit: catchUpBatch}
	m.verifyAsked = m.verifySeq > 0 && m.verifySeq <= req.AfterSeq
	if m.verifyAsked {
		req.AfterSeq = m.verifySeq - 1 // the reply starts with the entry to compare
		req.Epoch = max(m.log.LastEpoch(), 1)
	}
	m.send(m.leader, req)
}

// verifyLog makes the next catch-up check this node's history against the
// leader's before it goes on. A node that comes back to its ring, or follows
// a new leader, may hold entries the ring does not: an old leader's last ones
// that reached only it, or what it sequenced itself while it was cut off.
// Such a log is no prefix of the ring's, and appending to it would make it
// worse. Until the check is done, this node's messages wait (submit).
func (m *Machine) verifyLog() {
	m.verifySeq = m.log.LastSeq()
	if floor, _ := m.log.Floor(); m.verifySeq <= floor {
		m.verifySeq = 0 // nothing left to compare
	}
}

// verified ends the check: the history is a prefix of the leader's.
func (m *Machine) verified() {
	m.verifySeq, m.verifyAsked = 0, false
	m.resendOutbox()
}

// checkVerify compares this node's history with the leader's answer (r
// replies to a request that carried the epoch of this node's last entry)
// and reports whether it may go on. The epochs tell where the histories
// part: up to the end of the epoch they share. Within an epoch both hold
// what its one leader sequenced, so the last entry left must then be the
// leader's too; if it is not (two parts of a ring cut off from each other
// elected a leader for the same epoch) the whole history goes.
func (m *Machine) checkVerify(r protocol.CatchUpReply) bool {
	v := m.verifySeq
	last := m.log.LastSeq()
	cut := last
	if r.EndUnknown {
		cut = 0
	} else if _, own, ok := m.log.EpochEnd(r.EndEpoch); !ok {
		cut = 0
	} else {
		cut = min(cut, r.EndSeq, own)
	}
	if cut < last {
		m.diverged(cut)
		return false
	}
	if r.Floor >= v {
		m.verified() // the leader no longer holds the entry to compare
		return true
	}
	i := slices.IndexFunc(r.Entries, func(e protocol.Entry) bool { return e.Seq == v })
	if mine := m.log.After(v-1, 1); i < 0 || len(mine) == 0 || !sameEntry(r.Entries[i], mine[0]) {
		m.diverged(0)
		return false
	}
	m.verified()
	return true
}

// diverged: this node's history is not the ring's after seq. It cuts it
// there (all of it if that fails: retention removed the point) and joins
// again, which renumbers what it still has to send after what the ring
// took from it.
//
// Its own messages in what it cuts were acknowledged to its user: they go
// back to the front of its outbox, and those the ring never took are
// offered again once it is back (onJoinReply).
func (m *Machine) diverged(seq uint64) {
	leader := m.leader
	cut, err := m.log.TruncateAfter(seq)
	if err != nil {
		cut = cut[:0]
		for after := uint64(0); ; { // bounded by the log
			batch := m.log.After(after, catchUpBatch)
			if len(batch) == 0 {
				break
			}
			cut = append(cut, batch...)
			after = batch[len(batch)-1].Seq
		}
		_ = m.log.Reset()
		m.seen = map[string]uint64{}
	}
	lowerOrigins(m.seen, cut)
	var again []pending
	for _, e := range cut {
		if e.OriginID == m.self.ID && e.Kind != protocol.KindSystem {
			e.Seq, e.Epoch = 0, 0
			m.outboxID++
			again = append(again, pending{id: m.outboxID, entry: e, ring: m.view.RingID})
		}
	}
	if len(again) > 0 {
		m.outbox = append(again, m.outbox...)
		m.outboxGen++
	}
	m.verifySeq, m.verifyAsked = 0, false
	m.detach()
	m.rejoin(leader, m.view.Members)
}

func sameEntry(a, b protocol.Entry) bool {
	return a.Seq == b.Seq && a.Epoch == b.Epoch && a.OriginID == b.OriginID && a.OriginCounter == b.OriginCounter && a.Lamport == b.Lamport
}

func (m *Machine) onCatchUpRequest(h protocol.Header, r protocol.CatchUpRequest) {
	if !m.IsLeader() || !m.isMember(h.From) {
		return
	}
	m.progress[h.From] = r.AfterSeq
	limit := int(r.Limit)
	if limit <= 0 || limit > catchUpBatch {
		limit = catchUpBatch
	}
	entries := m.log.After(r.AfterSeq, limit)
	reply := protocol.CatchUpReply{Entries: entries, Done: len(entries) < limit}
	if floor, epoch := m.log.Floor(); r.AfterSeq < floor {
		reply.Floor, reply.FloorEpoch = floor, epoch
		reply.Origins = m.log.Origins()
		if len(reply.Origins) > protocol.MaxOrigins {
			reply.Origins = nil // more origins than a frame takes: the asker may refuse old ones
		}
	}
	if r.Epoch > 0 {
		var ok bool
		reply.EndEpoch, reply.EndSeq, ok = m.log.EpochEnd(r.Epoch)
		reply.EndUnknown = !ok
	}
	m.send(m.view.Members[m.indexOf(h.From)], reply)
}

func (m *Machine) onCatchUpReply(h protocol.Header, r protocol.CatchUpReply) {
	if !m.fromLeader(h) {
		return
	}
	m.catchUpAt = 0
	if m.verifySeq > 0 && m.verifyAsked && !m.checkVerify(r) {
		return
	}
	if r.Floor > m.log.LastSeq() {
		m.startAfterFloor(r)
	}
	for _, e := range r.Entries {
		if e.Seq <= m.log.LastSeq() {
			continue
		}
		if !m.deliver(e) {
			break
		}
	}
	if !r.Done {
		m.requestCatchUp()
	}
}

// startAfterFloor: the leader no longer holds the entries this node misses
// (retention removed them). This node's history, older still, goes; it
// holds the ring's from the leader's floor on.
func (m *Machine) startAfterFloor(r protocol.CatchUpReply) {
	if m.log.LastSeq() > 0 {
		_ = m.log.Reset()
	}
	origins := r.Origins
	if origins == nil {
		origins = map[string]uint64{}
	}
	for id, c := range m.seen {
		origins[id] = max(origins[id], c)
	}
	if err := m.log.StartAfter(r.Floor, r.FloorEpoch, origins); err != nil {
		return
	}
	m.seen = origins
}
