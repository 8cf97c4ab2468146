package ring

// Leaving: a member's goodbye, a leader's handover to its successor.

import (
	"slices"
	"strconv"

	"github.com/ringchat/ring/protocol"
)

// leaving is a leave under way.
type leaving struct {
	since          uint64 // tick the leave (or its goodbye) began
	awaitingOutbox bool   // it waits for its messages to be committed before it says goodbye
	handingOver    bool   // a leaving leader: its own removal is queued; it sequences nothing more
	// A leaving leader whose removal is committed: the view before it, in
	// which it picks its successor, and since when it waits for that one.
	viewBefore   []protocol.NodeInfo
	viewBeforeAt uint64
}

// handoverRelay: a leader that handed over relays election traffic to its
// successor for a while (relayAfterHandover). A later detach keeps it.
type handoverRelay struct {
	until   uint64            // tick it relays until
	to      protocol.NodeInfo // its successor
	relayed map[uint64]string // epoch -> leader whose announcement it relayed
}

// Leave leaves the ring gracefully once every message of this node is
// committed. A leader hands over: the others elect a new one.
func (m *Machine) Leave() {
	defer m.flush()
	switch m.state {
	case Detached:
		m.emit(LeaveDone{Err: "not a member of any ring"})
		return
	case Joining:
		m.join.seeking = false
		m.setState(Detached)
		m.emit(JoinDone{Err: "cancelled by leave"})
		m.leftRing()
		return
	case Leaving:
		return
	}
	m.setState(Leaving)
	m.leave.since = m.tick
	m.leave.awaitingOutbox = true
	m.checkLeaving()
}

// leaveSent: this node has told the ring it leaves and waits only for the
// leader's confirmation.
func (m *Machine) leaveSent() bool { return m.state == Leaving && !m.leave.awaitingOutbox }

// checkLeaving sends the leave once the outbox is committed; it gives up
// (and stays a member) if that takes longer than an election may.
func (m *Machine) checkLeaving() {
	if m.state != Leaving {
		return
	}
	if m.leave.awaitingOutbox {
		if m.leave.handingOver && m.IsLeader() && m.leave.viewBefore == nil && !m.viewPending() &&
			hasMember(m.config(), m.self.ID) && !m.selfRemovalQueued() {
			// Its removal was dropped: the others left or died meanwhile
			// and it was alone. Alone it is done; if a member came back, it
			// asks again.
			if len(m.config()) == 1 {
				m.detach()
				m.leftRing()
				return
			}
			m.queueChange(viewChange{node: m.self, why: "left"})
		}
		// It says goodbye once its messages are committed and a leader is
		// in place: then all it holds, a majority holds too.
		if len(m.outbox.queue) > 0 || m.leader.ID == "" || m.leave.handingOver {
			if m.tick-m.leave.since > uint64(2*m.cfg.ElectionTicks) && !m.leave.handingOver {
				m.leave.awaitingOutbox = false
				switch {
				case m.IsLeader() || m.leader.ID != "":
					m.setState(Member)
				case m.hearsQuorum():
					m.setState(Electing)
				default:
					m.setState(NoQuorum)
				}
				m.emit(LeaveDone{Err: strconv.Itoa(len(m.outbox.queue)) + " messages of this node are not committed yet; not leaving"})
			}
			return
		}
		if m.IsLeader() {
			if len(m.config()) <= 1 && !m.viewPending() {
				m.detach() // a ring of one: nobody to hand over to
				m.leftRing()
				return
			}
			m.leave.handingOver = true
			m.leave.since = m.tick
			m.queueChange(viewChange{node: m.self, why: "left"})
			return // handover follows once its removal is committed (viewCommitted)
		}
		m.leave.awaitingOutbox = false
		m.leave.since = m.tick
		bye := protocol.Leave{Node: m.self}
		for _, p := range []protocol.NodeInfo{m.leader, m.Next(), m.Prev()} {
			if p.ID != "" && p.ID != m.self.ID {
				m.send(p, bye)
			}
		}
		return
	}
	// It waits for the leader's confirmation (the committed view without
	// it), saying goodbye again now and then: a node that simply went away
	// would leave the ring short of its vote.
	switch {
	case m.tick-m.leave.since > uint64(4*m.cfg.ElectionTicks):
		m.leave.awaitingOutbox = true
		m.setState(Member)
		if m.leader.ID == "" {
			m.setState(NoQuorum)
		}
		m.emit(LeaveDone{Err: "the ring did not confirm the leave (it may have no quorum); still a member"})
	case m.leader.ID != "" && (m.tick-m.leave.since)%uint64(2*m.cfg.FailureTicks) == 0:
		m.send(m.leader, protocol.Leave{Node: m.self})
	}
}

// tryHandover is a leaving leader's, once the view without it is
// committed: a majority of the others holds everything it sequenced. Its
// successor is its next member, once that one stores all of it too; if
// that takes more than a failure timeout, the first member after it that
// does.
func (m *Machine) tryHandover() {
	before := m.leave.viewBefore
	last := m.log.LastSeq()
	i := slices.IndexFunc(before, func(n protocol.NodeInfo) bool { return n.ID == m.self.ID })
	patient := m.tick-m.leave.viewBeforeAt <= uint64(m.cfg.FailureTicks)
	for k := 1; k < len(before); k++ {
		p := before[(i+k)%len(before)]
		if p.ID == m.self.ID || m.live.gone[p.ID] == "died" || !hasMember(m.config(), p.ID) {
			continue
		}
		if m.commit.storedBy[p.ID] >= last {
			m.handover(p)
			return
		}
		if patient {
			return // its next member is catching up
		}
	}
	if !patient {
		m.handover(protocol.NodeInfo{}) // nobody holds it all: the election timeout decides
	}
}

// handover hands succ a candidacy for the next epoch, tells everyone this
// node leaves, and relays election traffic for a while, to the successor,
// for members that have not heard of it yet.
func (m *Machine) handover(succ protocol.NodeInfo) {
	// Its removal is committed, but the others may not know yet: without
	// that, a successor left alone would still count this node's vote.
	m.sendCommit()
	before := m.leave.viewBefore
	m.leave.viewBefore = nil
	bye := protocol.Leave{Node: m.self}
	for _, p := range unionMembers(m.config(), before) {
		if p.ID != m.self.ID {
			m.send(p, bye)
		}
	}
	if succ.ID != "" {
		key := protocol.CandidateKey{Epoch: m.log.LastEpoch(), LastSeq: m.log.LastSeq(), NodeID: succ.ID}
		m.send(succ, protocol.Election{Candidate: key, Epoch: max(m.term, m.election.round) + 1, Handover: true})
	}
	m.leave.handingOver = false
	m.detach()
	m.relay.until, m.relay.to = m.tick+uint64(m.cfg.ElectionTicks), succ
	m.leftRing()
}

// onLeave: a member says goodbye. The leader removes it by a view change;
// the others route through it until that is committed (its vote may still
// count). The leader's own goodbye comes after its removal is committed:
// its successor's announcement follows.
func (m *Machine) onLeave(h protocol.Header, l protocol.Leave) {
	if l.Node.ID != h.From {
		return
	}
	if m.IsLeader() {
		if !m.isMember(h.From) {
			m.send(l.Node, m.committedView()) // out already: the confirmation was lost
			return
		}
		m.peerGone(h.From, "left")
		return
	}
	if h.From == m.leader.ID && m.state != Detached && m.state != Joining {
		m.emit(PeerGone{Peer: m.leader, Why: "left"})
		m.election.heldBack = nil
		m.enterElection(max(m.election.round, m.epoch))
	}
}

// relaysAfterHandover relays election traffic that reaches a leader which
// just handed over and is in no ring now; it reports whether it did.
func (m *Machine) relaysAfterHandover(msg protocol.Message) bool {
	if m.tick > m.relay.until || (m.state != Detached && m.state != Joining) {
		return false
	}
	switch msg.(type) {
	case protocol.Election, protocol.Elected:
		m.relayAfterHandover(msg, m.relay.to)
		return true
	}
	return false
}

// relayAfterHandover forwards election traffic unchanged for a leader that
// just handed over: it relays what still reaches it (a member that did not
// yet hear of its leave sends it the successor's announcement). Alone, it
// drops it. Each announcement is relayed once, and a candidacy counts the
// hop, so that nothing circles for ever through relays.
func (m *Machine) relayAfterHandover(msg protocol.Message, next protocol.NodeInfo) {
	switch e := msg.(type) {
	case protocol.Election:
		e.Hops++
		if int(e.Hops) > 2*max(len(m.view.Members), len(m.known))+2 {
			return
		}
		msg = e
	case protocol.Elected:
		if m.relay.relayed[e.NewEpoch] == e.Leader.ID {
			return
		}
		m.relay.relayed[e.NewEpoch] = e.Leader.ID
		for k := range m.relay.relayed {
			if k+8 < e.NewEpoch {
				delete(m.relay.relayed, k)
			}
		}
	}
	if next.ID != "" && next.ID != m.self.ID {
		m.send(next, msg)
	}
}
