package ring

import (
	"slices"
	"strconv"

	"github.com/ringchat/ring/protocol"
)

// key is this node's candidacy: how complete its history is, then its id.
func (m *Machine) key() protocol.CandidateKey {
	return protocol.CandidateKey{Epoch: m.log.LastEpoch(), LastSeq: m.log.LastSeq(), NodeID: m.self.ID}
}

// startElection begins a Chang–Roberts election for a new epoch, above every
// epoch this node has seen, so it supersedes any election still in flight.
func (m *Machine) startElection(why string) {
	if m.leaveSent() {
		return // it relays the others' election instead (passOn)
	}
	e := max(m.epoch, m.elEpoch) + 1
	m.enterElection(e)
	m.participant = true
	m.emit(ElectionStarted{Epoch: e, Why: why})
	m.forwardElection(protocol.Election{Candidate: m.key(), Epoch: e})
}

func (m *Machine) enterElection(epoch uint64) {
	m.elEpoch = epoch
	m.participant = false
	m.wonEpoch = 0
	m.elStarted = m.tick
	if m.leader.ID != "" {
		m.leader = protocol.NodeInfo{}
	}
	if m.state != Leaving {
		m.setState(Electing)
	}
}

// forwardElection passes an election message to the next live node; alone,
// this node receives its own candidacy at once. Another's candidacy cannot
// come round to its owner through a node that is alone: that node runs for
// itself instead (handing the other back to itself would never end).
func (m *Machine) forwardElection(e protocol.Election) {
	next := m.Next()
	if next.ID == m.self.ID {
		if e.Candidate.NodeID != m.self.ID {
			e = protocol.Election{Candidate: m.key(), Epoch: e.Epoch}
		}
		m.handleElection(e)
		return
	}
	m.elOut, m.elOutTo = e, next.ID
	m.send(next, e)
}

func (m *Machine) onElection(h protocol.Header, e protocol.Election) {
	if !m.isMember(h.From) && m.state != Electing {
		return
	}
	m.handleElection(e)
}

func (m *Machine) handleElection(e protocol.Election) {
	switch {
	case e.Epoch <= m.epoch && m.state == Member:
		return // an election for an epoch that already has a leader
	case e.Epoch < m.elEpoch:
		return // superseded
	case e.Epoch > m.elEpoch:
		m.enterElection(e.Epoch)
	}
	if int(e.Hops) > 2*len(m.view.Members)+2 {
		return // its candidate is gone; the election timeout starts a new one
	}
	if m.leaveSent() {
		// A node that has said goodbye relays candidacies but is never a
		// candidate: the others route round it, so it could not win. (One
		// still waiting to leave stands like any member: if it holds the
		// most history it wins, and hands over at once, see becomeLeader.)
		if e.Candidate.NodeID != m.self.ID {
			e.Hops++
			m.forwardElection(e)
		}
		return
	}
	switch c := e.Candidate.Compare(m.key()); {
	case e.Candidate.NodeID == m.self.ID:
		m.win(e.Epoch)
	case c > 0:
		m.participant = true
		e.Hops++
		m.forwardElection(e)
	case !m.participant:
		m.participant = true
		m.forwardElection(protocol.Election{Candidate: m.key(), Epoch: e.Epoch})
	}
	// A smaller candidacy reaching a participant is dropped.
}

// win: this node's candidacy came back around the ring. It announces itself;
// it leads once the announcement has been accepted all the way round.
func (m *Machine) win(epoch uint64) {
	if m.wonEpoch == epoch {
		return
	}
	m.wonEpoch = epoch
	m.accepted[epoch] = m.self.ID
	m.forwardElected(protocol.Elected{Leader: m.self, Key: m.key(), NewEpoch: epoch, Ring: []protocol.NodeInfo{m.self}})
}

// forwardElected passes the announcement on. A node that is alone takes
// back only its own; another's cannot reach its leader and dies here (the
// election timeout starts a new one).
func (m *Machine) forwardElected(e protocol.Elected) {
	next := m.Next()
	if next.ID == m.self.ID {
		if e.Leader.ID == m.self.ID {
			m.handleElected(e)
		}
		return
	}
	m.elOut, m.elOutTo = e, next.ID
	m.send(next, e)
}

// resendElection re-sends the last election message this node passed on
// when the node it went to is found gone: it may have died holding it, and
// waiting for the election timeout would cost seconds.
func (m *Machine) resendElection(gone string) {
	if m.elOutTo != gone || m.elOut == nil {
		return
	}
	out := m.elOut
	m.elOut, m.elOutTo = nil, ""
	switch e := out.(type) {
	case protocol.Election:
		if m.state == Electing && e.Epoch == m.elEpoch {
			m.forwardElection(e)
		}
	case protocol.Elected:
		if m.state == Electing && e.NewEpoch >= m.elEpoch {
			m.forwardElected(e)
		}
	}
}

func (m *Machine) onElected(h protocol.Header, e protocol.Elected) {
	m.handleElected(e)
}

func (m *Machine) handleElected(e protocol.Elected) {
	if m.leaveSent() && e.Leader.ID != m.self.ID {
		m.passOn(e, m.Next()) // it takes no place in the new ring
		return
	}
	if e.NewEpoch <= m.epoch || e.NewEpoch < m.elEpoch {
		return // fenced: not newer than what this node follows
	}
	if e.Leader.ID == m.self.ID {
		if m.wonEpoch == e.NewEpoch && (len(e.Ring) > 1 || m.Next().ID == m.self.ID) {
			m.becomeLeader(e.NewEpoch, e.Ring)
		}
		return
	}
	if id, ok := m.accepted[e.NewEpoch]; ok && id != e.Leader.ID {
		return // this epoch already has another leader: that announcement dies here
	}
	if slices.ContainsFunc(e.Ring, func(n protocol.NodeInfo) bool { return n.ID == m.self.ID }) {
		return // it came round again without reaching its leader: it would circle for ever
	}
	m.accepted[e.NewEpoch] = e.Leader.ID
	for k := range m.accepted {
		if k+8 < e.NewEpoch {
			delete(m.accepted, k)
		}
	}
	if e.NewEpoch > m.elEpoch {
		m.enterElection(e.NewEpoch)
	}
	m.participant = false
	e.Ring = append(slices.Clone(e.Ring), m.self)
	m.forwardElected(e)
}

// adoptOwnHistory: a node elected leads with its history, which may not
// have been checked against the last leader's (verifyLog). It may hold more of
// this node's own messages than the ring counted when it joined (they were
// sequenced while it led a part of the ring cut off from the rest): its
// counters follow the history, or it would number a message twice.
func (m *Machine) adoptOwnHistory() {
	own := m.log.Origins()[m.self.ID]
	if own <= m.seen[m.self.ID] {
		return
	}
	m.seen[m.self.ID] = own
	k := own
	for i := range m.outbox {
		k++
		m.outbox[i].entry.OriginCounter = k
	}
	m.outboxGen++
	m.counter = max(m.counter, k)
}

// becomeLeader installs the ring the announcement travelled as the view of
// the new epoch. Members it skipped are gone.
func (m *Machine) becomeLeader(epoch uint64, ring []protocol.NodeInfo) {
	old := m.view.Members
	whyGone := make(map[string]string, len(m.gone))
	for id, why := range m.gone {
		whyGone[id] = why
	}
	wasLeaving := m.state == Leaving
	// A member the announcement passed that has died or left since then
	// (its connection closed) is no member of the new view.
	ring = slices.DeleteFunc(slices.Clone(ring), func(n protocol.NodeInfo) bool {
		_, out := m.gone[n.ID]
		return out && n.ID != m.self.ID
	})
	m.epoch = epoch
	m.elEpoch = epoch
	m.wonEpoch = 0
	m.participant = false
	m.leader = m.self
	m.setState(Member)
	m.catchUpAt = 0
	m.adoptOwnHistory()
	m.verifySeq, m.verifyAsked = 0, false // its history is the ring's now
	m.publishView(ring)
	m.emit(LeaderChanged{Leader: m.self, Epoch: epoch})
	m.resendOutbox() // first, so this node's counters stay in order
	m.sequencePresence(protocol.PresenceLeader, m.self, displayName(m.self)+" is the new leader (epoch "+strconv.FormatUint(epoch, 10)+")")
	for _, n := range old {
		if !slices.ContainsFunc(ring, func(r protocol.NodeInfo) bool { return r.ID == n.ID }) {
			why := whyGone[n.ID]
			if why == "" {
				why = "died"
			}
			m.sequencePresence(why, n, displayName(n)+" "+why)
		}
	}
	if wasLeaving {
		// It won while leaving (it held the most history): its own
		// messages are sequenced now, so it hands over at once.
		m.setState(Leaving)
		m.leaveWaiting = true
		m.leaveAt = m.tick
		m.checkLeaving()
	}
}

// leaveSent: this node has told the ring it leaves and waits only for the
// leader's confirmation.
func (m *Machine) leaveSent() bool { return m.state == Leaving && !m.leaveWaiting }

// passOn forwards election traffic unchanged: a node that said goodbye takes
// no place in the new ring, and a leader that just handed over relays what
// still reaches it (a member that did not yet hear of its leave sends it
// the successor's announcement). Alone, it drops it.
// Each announcement is relayed once, and a candidacy counts the hop, so
// that nothing circles for ever through relays.
func (m *Machine) passOn(msg protocol.Message, next protocol.NodeInfo) {
	switch e := msg.(type) {
	case protocol.Election:
		e.Hops++
		if int(e.Hops) > 2*max(len(m.view.Members), len(m.known))+2 {
			return
		}
		msg = e
	case protocol.Elected:
		if m.relayed[e.NewEpoch] == e.Leader.ID {
			return
		}
		m.relayed[e.NewEpoch] = e.Leader.ID
		for k := range m.relayed {
			if k+8 < e.NewEpoch {
				delete(m.relayed, k)
			}
		}
	}
	if next.ID != "" && next.ID != m.self.ID {
		m.send(next, msg)
	}
}
