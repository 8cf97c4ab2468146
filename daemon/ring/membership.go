package ring

import (
	"slices"
	"strconv"

	"github.com/ringchat/ring/protocol"
)

// Found starts a new one-node ring led by this node.
func (m *Machine) Found() {
	defer m.flush()
	if m.state != Detached {
		return
	}
	m.resuming = false
	m.found(m.self.ID + "-" + strconv.FormatInt(m.cfg.Now(), 36))
}

// found makes this node the leader of ring id, alone.
func (m *Machine) found(id string) {
	m.left = false
	m.epoch = max(m.epoch, m.elEpoch, m.log.LastEpoch(), m.home.epoch) + 1
	m.elEpoch = m.epoch
	m.leader = m.self
	m.view = protocol.View{RingID: id}
	m.setState(Member)
	m.publishView([]protocol.NodeInfo{m.self})
	m.emit(LeaderChanged{Leader: m.self, Epoch: m.epoch})
	m.resendOutbox()
	m.sequencePresence(protocol.PresenceJoined, m.self, displayName(m.self)+" started a new ring")
}

// Join asks the member at via (an address, the id may be unknown) to admit
// this node. A node alone in its ring gives that ring up. JoinDone reports
// the outcome.
func (m *Machine) Join(via protocol.NodeInfo) {
	m.rejoinVia = nil
	m.resuming = false
	m.join(via)
}

// rejoin joins the ring again by itself, through via or, should that fail,
// through the others (joinFailed).
func (m *Machine) rejoin(via protocol.NodeInfo, others []protocol.NodeInfo) {
	m.rejoinVia = slices.DeleteFunc(slices.Clone(others), func(n protocol.NodeInfo) bool {
		return n.ID == m.self.ID || n.ID == via.ID
	})
	m.join(via)
}

func (m *Machine) join(via protocol.NodeInfo) {
	defer m.flush()
	switch {
	case m.state == Joining:
		m.emit(JoinDone{Err: "already joining through " + m.joinVia.Addr})
		return
	case m.state == Leaving, m.state == Electing,
		m.state == Member && len(m.view.Members) > 1:
		m.emit(JoinDone{Err: "already in a ring of " + strconv.Itoa(len(m.view.Members)) + " members; leave it first"})
		return
	}
	m.refound = m.state == Member // alone in its ring (checked above)
	m.left = false
	m.detach()
	if m.view.RingID != "" {
		// The ring whose history the log holds. A join that follows a
		// failed one (the view is empty then) is still from that ring.
		m.joinFrom = m.view.RingID
	}
	m.view = protocol.View{}
	m.epoch, m.elEpoch = 0, 0 // epochs belong to the ring being given up
	m.accepted = map[uint64]string{}
	m.setState(Joining)
	m.joinVia = via
	m.joinAt = m.tick
	m.send(via, protocol.JoinRequest{Node: m.self})
}

func (m *Machine) onJoinRequest(h protocol.Header, r protocol.JoinRequest) {
	joiner := r.Node
	if r.Node.ID != h.From && r.Via.ID != h.From {
		return
	}
	switch {
	case m.IsLeader():
		via := r.Via
		if via.ID == "" {
			via = m.self
		}
		m.admit(joiner, via)
	case m.state == Member && m.leader.ID != "":
		m.send(m.leader, protocol.JoinRequest{Node: joiner, Via: m.self})
	default:
		m.send(joiner, protocol.JoinReply{Error: "the ring is electing a leader; try again"})
	}
}

// admit is the leader's: place the joiner after the member it contacted and
// publish the new view. A node that rejoins (after a crash) replaces its
// old place.
func (m *Machine) admit(joiner, via protocol.NodeInfo) {
	members := slices.DeleteFunc(slices.Clone(m.view.Members), func(n protocol.NodeInfo) bool { return n.ID == joiner.ID })
	delete(m.gone, joiner.ID)
	delete(m.progress, joiner.ID) // it may come back with another history
	at := slices.IndexFunc(members, func(n protocol.NodeInfo) bool { return n.ID == via.ID })
	if at < 0 {
		at = slices.IndexFunc(members, func(n protocol.NodeInfo) bool { return n.ID == m.self.ID })
	}
	members = slices.Insert(members, at+1, joiner)
	m.publishView(members)
	m.lastHeard[joiner.ID] = m.tick
	m.send(joiner, protocol.JoinReply{OK: true, Leader: m.self, View: cloneView(m.view), Counter: m.seen[joiner.ID]})
	m.sequencePresence(protocol.PresenceJoined, joiner, displayName(joiner)+" joined")
}

func (m *Machine) onJoinReply(h protocol.Header, r protocol.JoinReply) {
	if m.state != Joining {
		return
	}
	if !r.OK {
		m.heardResuming(r)
		m.joinFailed(r.Error)
		return
	}
	if r.View.RingID != m.joinFrom {
		m.known = map[string]protocol.NodeInfo{}
		if m.log.LastSeq() > 0 {
			_ = m.log.Reset() // another ring: its history replaces ours
			m.seen = map[string]uint64{}
		}
	}
	// The ring has sequenced r.Counter messages of this node. Those of the
	// outbox that this ring numbered and already took arrive by catch-up;
	// the others (typed while detached or joining, numbered by another
	// ring, or cut from a history that diverged) follow them, in order.
	// What this node counted beyond that never reached the ring.
	k := r.Counter
	for i := range m.outbox {
		p := &m.outbox[i]
		if p.ring == r.View.RingID && p.entry.OriginCounter <= r.Counter {
			continue
		}
		k++
		if p.entry.OriginCounter != k || p.ring != r.View.RingID {
			p.entry.OriginCounter = k
			p.ring = r.View.RingID
			m.outboxGen++
		}
	}
	m.counter = k
	m.seen[m.self.ID] = r.Counter
	m.epoch = r.View.Epoch
	m.elEpoch = max(m.elEpoch, m.epoch)
	m.leader = r.Leader
	m.installView(r.View)
	m.setState(Member)
	m.emit(LeaderChanged{Leader: m.leader, Epoch: m.epoch})
	m.emit(JoinDone{})
	m.rejoinVia = nil
	m.resuming = false
	m.verifyLog()
	m.requestCatchUp()
	m.resendOutbox() // held back until the history is verified
	// The neighbours learn of this node from the leader's view; should the
	// leader die before that view reaches them, they would not know whom
	// they hear from. This copy tells them where this node is, so that they
	// can answer it (hint) if the ring goes on without it.
	for _, p := range []protocol.NodeInfo{m.Next(), m.Prev()} {
		if p.ID != m.self.ID {
			m.send(p, cloneView(m.view))
		}
	}
}

// joinFailed ends a join that did not work out. A node that gave up its
// one-node ring for the join founds one again rather than stay detached.
func (m *Machine) joinFailed(why string) {
	m.setState(Detached)
	m.emit(JoinDone{Err: why})
	if len(m.rejoinVia) > 0 { // joining again by itself: try the next member it knows
		via := m.rejoinVia[0]
		m.rejoinVia = m.rejoinVia[1:]
		m.join(via)
		return
	}
	if m.resuming {
		m.resumeFailed()
		return
	}
	if m.refound {
		m.refound = false
		m.Found()
	}
}

// Leave leaves the ring gracefully once every message of this node is
// sequenced. A leader hands over: the others elect a new one.
func (m *Machine) Leave() {
	defer m.flush()
	switch m.state {
	case Detached:
		if m.resuming { // waiting to try its ring again: it stays detached now
			m.resuming = false
			m.leftRing()
			return
		}
		m.emit(LeaveDone{Err: "not a member of any ring"})
		return
	case Joining:
		m.resuming = false
		m.setState(Detached)
		m.emit(JoinDone{Err: "cancelled by leave"})
		m.leftRing()
		return
	case Leaving:
		return
	}
	m.setState(Leaving)
	m.leaveAt = m.tick
	m.leaveWaiting = true
	m.checkLeaving()
}

// checkLeaving sends the leave once the outbox is empty; it gives up (and
// stays a member) if that takes longer than an election may.
func (m *Machine) checkLeaving() {
	if m.state != Leaving {
		return
	}
	if m.leaveWaiting {
		// It says goodbye once its messages are sequenced and a leader is in
		// place: then all it holds, the leader holds too.
		if len(m.outbox) > 0 || m.leader.ID == "" {
			if m.tick-m.leaveAt > uint64(2*m.cfg.ElectionTicks) {
				m.leaveWaiting = false
				m.setState(Member)
				if m.leader.ID == "" {
					m.setState(Electing)
				}
				m.emit(LeaveDone{Err: strconv.Itoa(len(m.outbox)) + " messages of this node are not sequenced yet; not leaving"})
			}
			return
		}
		m.leaveWaiting = false
		m.leaveAt = m.tick
		if m.leader.ID == m.self.ID {
			m.leaderLeave()
			return
		}
		bye := protocol.Leave{Node: m.self}
		for _, p := range []protocol.NodeInfo{m.leader, m.Next(), m.Prev()} {
			if p.ID != "" && p.ID != m.self.ID {
				m.send(p, bye)
			}
		}
		return
	}
	if m.tick-m.leaveAt > uint64(2*m.cfg.FailureTicks) {
		m.detach() // the leader did not answer; the ring will find us gone
		m.leftRing()
	}
}

// leaderLeave hands leadership over, then leaves. Nothing it sequenced may be
// lost, so the next leader must hold all of it:
//
//  1. Each member is sent what it has not reported having (heartbeats carry
//     how far a member got): one that joined a moment ago, or whose catch-up
//     is under way, could not get it once this node is gone. Members that are
//     up to date skip these entries.
//  2. The leave is announced as an entry, then every member is told.
//  3. The successor (this node's next) is handed its own candidacy for the
//     next epoch: it wins at once and announces itself round the ring. It
//     gets the candidacy after everything above on the same connection, so
//     it leads with the whole history; members that see its announcement
//     before this node's last entries catch up from it.
//
// Members that are told of the leave wait for the announcement (onLeave); if
// none comes (the successor died too), their election timeout starts one.
func (m *Machine) leaderLeave() {
	for _, p := range m.view.Members {
		if _, out := m.gone[p.ID]; out || p.ID == m.self.ID {
			continue
		}
		for after := m.progress[p.ID]; ; { // bounded by the log
			batch := m.log.After(after, catchUpBatch)
			if len(batch) == 0 {
				break
			}
			m.send(p, protocol.Deliver{Entries: batch})
			after = batch[len(batch)-1].Seq
		}
	}
	m.sequencePresence(protocol.PresenceLeft, m.self, displayName(m.self)+" left (handing over leadership)")
	m.flush()
	for _, p := range m.view.Members {
		if p.ID != m.self.ID {
			m.send(p, protocol.Leave{Node: m.self})
		}
	}
	next := m.Next()
	if next.ID != m.self.ID {
		key := protocol.CandidateKey{Epoch: m.log.LastEpoch(), LastSeq: m.log.LastSeq(), NodeID: next.ID}
		m.send(next, protocol.Election{Candidate: key, Epoch: max(m.epoch, m.elEpoch) + 1})
	}
	m.detach()
	m.relayUntil, m.relayTo = m.tick+uint64(m.cfg.ElectionTicks), next
	m.leftRing()
}

func (m *Machine) onLeave(h protocol.Header, l protocol.Leave) {
	if l.Node.ID != h.From || !m.isMember(h.From) {
		return
	}
	if m.IsLeader() {
		m.peerGone(h.From, "left")
		return
	}
	if _, already := m.gone[h.From]; !already {
		m.emit(PeerGone{Peer: m.view.Members[m.indexOf(h.From)], Why: "left"})
	}
	m.gone[h.From] = "left"
	delete(m.known, h.From) // nothing to probe for (probeAlone)
	m.watch()
	switch {
	case h.From != m.leader.ID:
	case m.leaveSent():
		m.detach() // no leader is left to confirm this node's leave
		m.leftRing()
	default:
		// The leader hands over to its successor (leaderLeave): wait for its
		// announcement, for the next epoch, without standing.
		m.enterElection(max(m.epoch, m.elEpoch) + 1)
	}
}
