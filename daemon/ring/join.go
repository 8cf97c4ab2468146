package ring

// Joining: founding a ring, asking to be admitted (admit.go is the
// leader's side), and giving up.

import (
	"strconv"

	"github.com/ringchat/ring/protocol"
)

// joining is a join under way.
type joining struct {
	via      protocol.NodeInfo
	askedAt  uint64
	fromRing string // ring id this node was in when it asked to join
	// gaveUpOwnRing: the join gave up a one-node ring; it founds it again
	// if the join fails.
	gaveUpOwnRing bool
	// seeking: the node asks its own ring's leader to take it (back): it
	// has no leader (no-quorum, a restart) or the ring removed it. It keeps
	// its history, view and vote; a failure takes it back to no-quorum.
	seeking bool
}

// Found starts a new one-node ring led by this node, with a history of
// its own: what the node held of another ring stays with that ring (a
// node that joins this one must not see it, nor take its messages for
// this ring's).
func (m *Machine) Found() {
	defer m.flush()
	if m.state != Detached {
		return
	}
	if m.log.LastSeq() > 0 {
		_ = m.log.Reset()
		m.sequencing.counters = map[string]uint64{}
		m.commit.point, m.commit.tail, m.configs = 0, nil, nil
	}
	m.foundRing(m.self.ID + "-" + strconv.FormatInt(m.cfg.Now(), 36))
}

// foundRing makes this node the leader of a new ring id, alone. What it held
// uncommitted of its last ring goes: no majority ever stored it.
func (m *Machine) foundRing(id string) {
	if m.log.LastSeq() > m.commit.point {
		m.truncate(m.commit.point)
	}
	m.restart.leftOnPurpose = false
	m.epoch = max(m.epoch, m.election.round, m.term, m.log.LastEpoch(), m.restart.home.epoch) + 1
	m.term, m.vote = m.epoch, m.self.ID
	m.election.round = m.epoch
	m.leader = m.self
	m.view = protocol.View{RingID: id, Leader: m.self.ID, Epoch: m.epoch}
	me := []protocol.NodeInfo{m.self}
	m.configs = []configRec{{members: me}}
	m.commit.tail = nil
	m.commit.storedBy = map[string]uint64{}
	m.changes.queue = nil
	m.changes.removedDead = map[string]protocol.NodeInfo{}
	m.commit.epochStart = m.log.LastSeq() + 1
	m.setState(Member)
	m.setTopology(0, me)
	m.emit(LeaderChanged{Leader: m.self, Epoch: m.epoch})
	// The founding entry comes first (it holds the view); what this node
	// has queued follows it, numbered after it in the new ring.
	m.sequencing.counters = m.log.Origins()
	m.outbox.counter = m.sequencing.counters[m.self.ID]
	for i := range m.outbox.queue {
		m.outbox.queue[i].ring = id // numbered in this ring from now on (closeCounterGap)
	}
	m.outbox.countersUnsure = false
	m.sequencePresence(protocol.PresenceJoined, m.self, m.self.Display()+" started a new ring", me)
	m.resendOutbox()
}

// Join asks the member at via (an address, the id may be unknown) to admit
// this node. A node alone in its ring gives that ring up. JoinDone reports
// the outcome.
func (m *Machine) Join(via protocol.NodeInfo) {
	defer m.flush()
	switch {
	case m.state == Joining:
		m.emit(JoinDone{Err: "already joining through " + m.join.via.Addr})
		return
	case m.state == Leaving, m.leaderless(), m.state == Member && len(m.view.Members) > 1:
		m.emit(JoinDone{Err: "already in a ring of " + strconv.Itoa(len(m.view.Members)) + " members; leave it first"})
		return
	}
	m.join.gaveUpOwnRing = m.state == Member // alone in its ring (checked above)
	m.restart.leftOnPurpose = false
	m.detach()
	if m.view.RingID != "" {
		// The ring whose history the log holds. A join that follows a
		// failed one (the view is empty then) is still from that ring.
		m.join.fromRing = m.view.RingID
	}
	m.view = protocol.View{}
	m.epoch, m.election.round = 0, 0
	m.join.seeking = false
	m.setState(Joining)
	m.join.via = via
	m.join.askedAt = m.tick
	m.send(via, protocol.JoinRequest{Node: m.self})
}

// seekLeader asks l, the leader of this node's ring as far as it knows, to
// take it (back) in; see joining.seeking.
func (m *Machine) seekLeader(l protocol.NodeInfo) {
	if m.state == Joining || m.state == Detached || l.ID == m.self.ID || l.Addr == "" {
		return
	}
	if m.state == Leaving {
		m.leave.awaitingOutbox = false
	}
	m.leader = protocol.NodeInfo{}
	m.join.seeking = true
	m.join.via = l
	m.join.askedAt = m.tick
	m.setState(Joining)
	m.send(l, protocol.JoinRequest{Node: m.self})
}

func (m *Machine) onJoinReply(h protocol.Header, r protocol.JoinReply) {
	if m.state != Joining {
		return
	}
	if !r.OK {
		m.joinFailed(r.Error)
		return
	}
	ring := m.join.fromRing
	if m.join.seeking {
		ring = m.view.RingID
	}
	if r.View.RingID != ring {
		if m.join.seeking {
			m.joinFailed(r.Leader.Addr + " leads another ring")
			return
		}
		m.forgetRing()
	}
	m.renumberOutbox(r)
	m.followAfterJoin(r)
}

// forgetRing: a joiner admitted to another ring than the one its history
// is of drops that history and what it knew of that ring.
func (m *Machine) forgetRing() {
	m.known = map[string]protocol.NodeInfo{}
	if m.log.LastSeq() > 0 {
		_ = m.log.Reset() // another ring: its history replaces ours
		m.sequencing.counters = map[string]uint64{}
	}
	m.commit.point, m.commit.tail, m.configs = 0, nil, nil
	m.term, m.vote = 0, ""
	m.changes.removedDead = map[string]protocol.NodeInfo{}
}

// renumberOutbox numbers the outbox of a node the ring r's leader admitted.
func (m *Machine) renumberOutbox(r protocol.JoinReply) {
	// The ring has sequenced r.Counter messages of this node (as its leader
	// knows), and this node's own history holds its messages up to own.
	// Those of the outbox that its history holds wait to be committed; those
	// numbered between own and r.Counter in this ring the ring may have
	// taken, and they arrive by catch-up; the others (typed while detached
	// or joining, numbered by another ring, or cut from a history that
	// diverged) follow, in order. Should the ring's entry at a counter turn
	// out to be another message, the outbox is numbered again then
	// (delivered).
	own := m.log.Origins()[m.self.ID]
	k := max(r.Counter, own)
	for i := range m.outbox.queue {
		p := &m.outbox.queue[i]
		if p.ring == r.View.RingID && (m.holdsUncommitted(p.entry) || (p.entry.OriginCounter > own && p.entry.OriginCounter <= r.Counter)) {
			continue
		}
		k++
		if p.entry.OriginCounter != k || p.ring != r.View.RingID {
			p.entry.OriginCounter = k
			p.ring = r.View.RingID
			m.outbox.version++
		}
	}
	m.outbox.counter = max(k, own)
	m.sequencing.counters[m.self.ID] = max(r.Counter, own)
}

// followAfterJoin: the joiner follows the leader that admitted it, in the
// view of its reply, and checks its history against the leader's.
func (m *Machine) followAfterJoin(r protocol.JoinReply) {
	if r.View.Epoch > m.term {
		m.term, m.vote = r.View.Epoch, ""
	}
	m.epoch = r.View.Epoch
	m.election.round = max(m.election.round, m.epoch)
	m.election.heldBack = nil
	m.leader = r.Leader
	// What it found gone while it was out (a restarted node dials the
	// members' old addresses) is stale: the leader's view says who is in,
	// and where; its own failure detector starts afresh.
	m.live.gone = map[string]string{}
	m.view.RingID, m.view.Leader, m.view.Epoch = r.View.RingID, r.View.Leader, r.View.Epoch
	if len(m.configs) == 0 {
		m.loadConfigs(r.View.Members)
	}
	m.setTopology(r.View.Version, r.View.Members)
	m.setState(Member)
	m.emit(LeaderChanged{Leader: m.leader, Epoch: m.epoch})
	m.emit(JoinDone{})
	m.join.seeking = false
	m.outbox.countersUnsure = false
	m.catchUp.at = 0
	m.verifyLog()
	m.requestCatchUp()
	// The neighbours learn of this node from the leader's view entry;
	// should the leader die before that reaches them, they would not know
	// whom they hear from. This copy tells them where this node is, so that
	// they can answer it (answerOutsider) if the ring goes on without it.
	for _, p := range []protocol.NodeInfo{m.Next(), m.Prev()} {
		if p.ID != m.self.ID {
			m.send(p, m.committedView())
		}
	}
}

// joinTick gives up a join that gets no answer. A node that looks for its
// own ring's leader has others to try: one that does not answer soon is
// skipped.
func (m *Machine) joinTick() {
	wait := 2 * m.cfg.ElectionTicks
	if m.join.seeking {
		wait = 2 * m.cfg.FailureTicks
	}
	if m.tick-m.join.askedAt > uint64(wait) {
		m.joinFailed("no answer from " + m.join.via.Addr)
	}
}

// joinFailed ends a join that did not work out. A node that looked for its
// own ring's leader waits in no-quorum again; one that gave up its one-node
// ring for the join founds one again rather than stay detached.
func (m *Machine) joinFailed(why string) {
	if m.join.seeking {
		m.join.seeking = false
		m.setState(NoQuorum)
		m.election.startedAt = m.tick
		m.watch()
		return
	}
	m.setState(Detached)
	m.emit(JoinDone{Err: why})
	if m.join.gaveUpOwnRing { // the same ring again, with its history
		m.join.gaveUpOwnRing = false
		m.foundRing(m.join.fromRing)
		m.flush()
	}
}
