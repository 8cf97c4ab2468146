package ring

import (
	"slices"

	"github.com/ringchat/ring/protocol"
)

func (m *Machine) requestCatchUp() {
	if m.IsLeader() || m.leader.ID == "" || m.sq.catchUpAt != 0 {
		return
	}
	m.sq.catchUpAt, m.sq.catchUpTo = max(m.tick, 1), m.leader.ID
	req := protocol.CatchUpRequest{AfterSeq: m.log.LastSeq(), Limit: catchUpBatch}
	m.sq.verifyAsked = m.sq.verifySeq > 0 && m.sq.verifySeq <= req.AfterSeq
	if m.sq.verifyAsked {
		req.AfterSeq = m.sq.verifySeq - 1 // the reply starts with the entry to compare
		req.Epoch = max(m.log.LastEpoch(), 1)
	}
	m.sq.asked = req
	m.send(m.leader, req)
}

// verifyLog makes the next catch-up check this node's history against the
// leader's before it goes on. A node that comes back to its ring, or follows
// a new leader, may hold entries the ring does not: an old leader's last ones
// that reached only it, or what it sequenced itself while it was cut off.
// None of them is committed; they go before anything is appended on top.
// Until the check is done, this node neither acknowledges nor sends its
// messages (submit).
func (m *Machine) verifyLog() {
	m.sq.verifySeq = m.log.LastSeq()
	if floor, _ := m.log.Floor(); m.sq.verifySeq <= floor {
		m.sq.verifySeq = 0 // nothing left to compare
	}
	if m.sq.verifySeq == 0 {
		m.verified()
	}
}

// verified ends the check: the history is a prefix of the leader's.
func (m *Machine) verified() {
	m.sq.verifySeq, m.sq.verifyAsked = 0, false
	m.resendOutbox()
}

// verifyByDeliver ends the check of this node's history (verifyLog) when
// a Deliver from the leader holds the entry to compare and it is this
// node's own: the same check as a catch-up reply's, when it succeeds. A
// Deliver that does not settle it changes nothing: the catch-up under way
// decides, cutting the history if need be.
func (m *Machine) verifyByDeliver(entries []protocol.Entry) bool {
	v := m.sq.verifySeq
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

// checkVerify compares this node's history with the leader's answer (r
// replies to a request that carried the epoch of this node's last entry)
// and reports whether it may go on. The epochs tell where the histories
// part (Kafka's leader epochs): up to the end of the epoch they share.
// Within an epoch both hold what its one leader sequenced, so the last
// entry left must then be the leader's too.
func (m *Machine) checkVerify(r protocol.CatchUpReply) bool {
	v := m.sq.verifySeq
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
		m.diverged(min(v-1, m.q.commit))
		return false
	}
	m.verified()
	return true
}

// diverged: this node's history is not the leader's after seq. It cuts it
// there and checks again from there. What it cuts is above its commit point
// (the leader holds every committed entry); its own messages among them are
// still in its outbox and go to the leader once the check is done.
//
// Only after an operator forced a new view (reform) can a committed part
// differ: then this node yields, its committed entries after seq go, and
// its own among them, acknowledged to its user, go back to its outbox.
func (m *Machine) diverged(seq uint64) {
	committed := m.q.commit
	if seq < committed {
		m.emit(HistoryYielded{From: seq + 1, To: committed})
	}
	cut := m.truncate(seq)
	var again []pending
	for _, e := range cut {
		if e.OriginID == m.self.ID && e.Kind != protocol.KindSystem && e.Seq <= committed && !m.inOutbox(e.OriginCounter) {
			e.Seq, e.Epoch = 0, 0
			m.sq.outboxID++
			again = append(again, pending{id: m.sq.outboxID, entry: e, ring: m.view.RingID})
		}
	}
	if len(again) > 0 {
		m.sq.outbox = append(again, m.sq.outbox...)
		m.sq.outboxGen++
	}
	m.sq.catchUpAt = 0
	m.verifyLog()
	m.requestCatchUp()
}

// stored says whether this node's own entry e is in its history, above the
// commit point (an own entry committed has left the outbox).
func (m *Machine) stored(e protocol.Entry) bool {
	return slices.ContainsFunc(m.q.tail, func(t protocol.Entry) bool {
		return t.OriginID == e.OriginID && t.OriginCounter == e.OriginCounter && t.Lamport == e.Lamport
	})
}

func (m *Machine) inOutbox(counter uint64) bool {
	return slices.ContainsFunc(m.sq.outbox, func(p pending) bool { return p.entry.OriginCounter == counter })
}

// truncate cuts the history after seq (all of it if that fails: retention
// removed the point) and returns what it cut.
func (m *Machine) truncate(seq uint64) []protocol.Entry {
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
		m.sq.seen = map[string]uint64{}
		seq = 0
	}
	lowerOrigins(m.sq.seen, cut)
	if seq < m.q.commit {
		m.q.commit = seq
		m.loadConfigs(m.view.Members)
	}
	m.cutTail(seq)
	m.closeCounterGap()
	return cut
}

// closeCounterGap renumbers this node's queued messages right after its
// last one in the history: a system entry it wrote as leader and that was
// cut leaves a gap, and a leader takes each origin's messages only in
// counter order.
func (m *Machine) closeCounterGap() {
	k := m.log.Origins()[m.self.ID]
	for i := range m.sq.outbox {
		p := &m.sq.outbox[i]
		if p.ring == "" || m.stored(p.entry) {
			continue
		}
		k++
		if p.entry.OriginCounter != k {
			p.entry.OriginCounter = k
			m.sq.outboxGen++
		}
	}
	m.sq.counter = k
}

func sameEntry(a, b protocol.Entry) bool {
	return a.Seq == b.Seq && a.Epoch == b.Epoch && a.OriginID == b.OriginID && a.OriginCounter == b.OriginCounter && a.Lamport == b.Lamport
}

func (m *Machine) onCatchUpRequest(h protocol.Header, r protocol.CatchUpRequest) {
	if !m.IsLeader() || !m.isMember(h.From) {
		return
	}
	limit := int(r.Limit)
	if limit <= 0 || limit > catchUpBatch {
		limit = catchUpBatch
	}
	entries := m.log.After(r.AfterSeq, limit)
	reply := protocol.CatchUpReply{Entries: entries, Done: len(entries) < limit, Commit: m.q.commit, After: r.AfterSeq}
	if floor, epoch := m.log.Floor(); r.AfterSeq < floor {
		reply.Floor, reply.FloorEpoch = floor, epoch
		reply.Origins = m.log.Origins()
		if len(reply.Origins) > protocol.MaxOrigins {
			reply.Origins = nil // more origins than a frame takes: the asker may refuse old ones
		}
		if v, ok := m.log.ViewAt(floor); ok {
			reply.FloorView = v.Members
		}
	}
	if r.Epoch > 0 {
		var ok bool
		reply.EndEpoch, reply.EndSeq, ok = m.log.EpochEnd(r.Epoch)
		reply.EndUnknown = !ok
	}
	m.send(m.peerInfo(h.From, ""), reply)
}

func (m *Machine) onCatchUpReply(h protocol.Header, r protocol.CatchUpReply) {
	if !m.fromLeader(h) || !m.answers(r) {
		return
	}
	m.sq.catchUpAt = 0
	if m.sq.verifySeq > 0 && m.sq.verifyAsked && !m.checkVerify(r) {
		return
	}
	if r.Floor > m.log.LastSeq() {
		m.startAfterFloor(r)
	}
	for _, e := range r.Entries {
		if e.Seq <= m.log.LastSeq() {
			continue
		}
		if !m.appendEntry(e) {
			break
		}
	}
	m.learnCommit(r.Commit)
	if !r.Done {
		m.requestCatchUp()
	}
}

// answers says whether r replies to the last catch-up request: a reply to
// an earlier one (the request was given up, or the check moved on) would
// compare the wrong entries.
func (m *Machine) answers(r protocol.CatchUpReply) bool {
	return m.sq.catchUpAt != 0 && r.After == m.sq.asked.AfterSeq
}

// startAfterFloor: the leader no longer holds the entries this node misses
// (retention removed them). This node's history, older still, goes; it
// holds the ring's from the leader's floor on. Everything up to the floor
// is committed: the leader's retention removes nothing above its commit
// point.
func (m *Machine) startAfterFloor(r protocol.CatchUpReply) {
	if m.log.LastSeq() > 0 {
		_ = m.log.Reset()
	}
	origins := r.Origins
	if origins == nil {
		origins = map[string]uint64{}
	}
	for id, c := range m.sq.seen {
		origins[id] = max(origins[id], c)
	}
	members := r.FloorView
	if len(members) == 0 {
		members = m.view.Members
	}
	if err := m.log.StartAfter(r.Floor, r.FloorEpoch, origins, members); err != nil {
		return
	}
	m.sq.seen = origins
	m.q.commit = max(m.q.commit, r.Floor)
	m.q.tail = nil
	m.q.configs = []configRec{{seq: r.Floor, members: slices.Clone(members)}}
}
