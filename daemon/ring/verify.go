package ring

// Verification of a member's history against its leader's, and cutting
// it where they part.

import (
	"slices"

	"github.com/ringchat/ring/protocol"
)

// verifyLog makes the next catch-up check this node's history against the
// leader's before it goes on. A node that comes back to its ring, or follows
// a new leader, may hold entries the ring does not: an old leader's last ones
// that reached only it, or what it sequenced itself while it was cut off.
// None of them is committed; they go before anything is appended on top.
// Until the check is done, this node neither acknowledges nor sends its
// messages (submit).
func (m *Machine) verifyLog() {
	m.catchUp.verifySeq = m.log.LastSeq()
	if floor, _ := m.log.Floor(); m.catchUp.verifySeq <= floor {
		m.catchUp.verifySeq = 0 // nothing left to compare
	}
	if m.catchUp.verifySeq == 0 {
		m.historyVerified()
	}
}

// historyVerified ends the check: the history is a prefix of the leader's.
func (m *Machine) historyVerified() {
	m.catchUp.verifySeq, m.catchUp.verifyAsked = 0, false
	m.resendOutbox()
}

// verifyByDeliver ends the check of this node's history (verifyLog) when
// a Deliver from the leader holds the entry to compare and it is this
// node's own: the same check as a catch-up reply's, when it succeeds. A
// Deliver that does not settle it changes nothing: the catch-up under way
// decides, cutting the history if need be.
func (m *Machine) verifyByDeliver(entries []protocol.Entry) bool {
	v := m.catchUp.verifySeq
	i := slices.IndexFunc(entries, func(e protocol.Entry) bool { return e.Seq == v })
	if i < 0 {
		return false
	}
	if mine := m.log.After(v-1, 1); len(mine) == 0 || !sameEntry(entries[i], mine[0]) {
		return false
	}
	m.historyVerified()
	return true
}

// checkHistory compares this node's history with the leader's answer (r
// replies to a request that carried the epoch of this node's last entry)
// and reports whether it may go on. The epochs tell where the histories
// part (Kafka's leader epochs): up to the end of the epoch they share.
// Within an epoch both hold what its one leader sequenced, so the last
// entry left must then be the leader's too.
func (m *Machine) checkHistory(r protocol.CatchUpReply) bool {
	v := m.catchUp.verifySeq
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
		m.historyVerified() // the leader no longer holds the entry to compare
		return true
	}
	i := slices.IndexFunc(r.Entries, func(e protocol.Entry) bool { return e.Seq == v })
	if mine := m.log.After(v-1, 1); i < 0 || len(mine) == 0 || !sameEntry(r.Entries[i], mine[0]) {
		m.diverged(min(v-1, m.commit.point))
		return false
	}
	m.historyVerified()
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
	committed := m.commit.point
	if seq < committed {
		m.emit(HistoryYielded{From: seq + 1, To: committed})
	}
	cut := m.truncate(seq)
	var again []pending
	for _, e := range cut {
		if e.OriginID == m.self.ID && e.Kind != protocol.KindSystem && e.Seq <= committed && !m.inOutbox(e.OriginCounter) {
			e.Seq, e.Epoch = 0, 0
			m.outbox.lastID++
			again = append(again, pending{id: m.outbox.lastID, entry: e, ring: m.view.RingID})
		}
	}
	if len(again) > 0 {
		m.outbox.queue = append(again, m.outbox.queue...)
		m.outbox.version++
	}
	m.catchUp.at = 0
	m.verifyLog()
	m.requestCatchUp()
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
		m.sequencing.counters = map[string]uint64{}
		seq = 0
	}
	lowerOrigins(m.sequencing.counters, cut)
	if seq < m.commit.point {
		m.commit.point = seq
		m.loadConfigs(m.view.Members)
	}
	m.cutTail(seq)
	m.closeCounterGap()
	return cut
}

func sameEntry(a, b protocol.Entry) bool {
	return a.Seq == b.Seq && a.Epoch == b.Epoch && a.OriginID == b.OriginID && a.OriginCounter == b.OriginCounter && a.Lamport == b.Lamport
}
