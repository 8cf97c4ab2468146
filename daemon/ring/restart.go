package ring

import (
	"slices"

	"github.com/ringchat/ring/protocol"
)

// restartState is what a restart needs besides the log and the outbox.
type restartState struct {
	home          homeRing // the ring this node was last in
	leftOnPurpose bool     // it left its ring on purpose: it stays out after a restart
}

// homeRing is what a node knows of the ring it was last in: enough to find
// it again after a restart.
type homeRing struct {
	id      string
	members []protocol.NodeInfo
	epoch   uint64
	leader  string
}

// Saved is what the driver keeps across a restart besides the log and the
// outbox: the ring this node was last in, whether it left it on purpose,
// its origin counter, its vote and its commit point.
type Saved struct {
	RingID  string
	Members []protocol.NodeInfo
	Epoch   uint64
	Leader  string
	Left    bool
	Counter uint64
	// Term and Vote: the highest epoch this node voted in or followed, and
	// whom it voted for in it. The driver stores them before it sends what
	// followed from a vote (Voted).
	Term uint64
	Vote string
	// Commit is the commit point; the driver keeps it with the history, so
	// Saved returns it but the driver may store it elsewhere.
	Commit uint64
}

// Saved returns what the driver must keep for a restart. It changes with
// ViewChanged, StateChanged, LeaderChanged, Voted and LeaveDone events, and
// with each message this node submits.
func (m *Machine) Saved() Saved {
	return Saved{
		RingID:  m.restart.home.id,
		Members: slices.Clone(m.restart.home.members),
		Epoch:   m.restart.home.epoch,
		Leader:  m.restart.home.leader,
		Left:    m.restart.leftOnPurpose,
		Counter: m.outbox.counter,
		Term:    m.term,
		Vote:    m.vote,
		Commit:  m.commit.point,
	}
}

// Restore gives a new, detached machine what a previous run of this node
// kept: its state and outbox. The log is the one that run wrote. Resume
// then takes it back into its ring.
func (m *Machine) Restore(s Saved, outbox []Pending) {
	if m.state != Detached {
		return
	}
	m.restart.home = homeRing{id: s.RingID, members: slices.Clone(s.Members), epoch: s.Epoch, leader: s.Leader}
	m.view = protocol.View{RingID: s.RingID, Epoch: s.Epoch, Leader: s.Leader}
	m.restart.leftOnPurpose = s.Left
	m.epoch = s.Epoch
	m.term, m.vote = max(s.Term, s.Epoch), s.Vote
	m.election.round = m.term
	m.sequencing.counters = m.log.Origins()
	m.outbox.counter = max(s.Counter, m.sequencing.counters[m.self.ID])
	for _, n := range s.Members {
		if n.ID != m.self.ID {
			m.known[n.ID] = n
		}
	}
	// The Lamport clock goes on from what this node stored (its outbox and
	// the highest stamp of its history), so that its next message is
	// stamped above everything it had seen: a node alone hears no peer's
	// time to catch up with, and one that says before it hears anyone
	// must not stamp below what it stored.
	m.outbox.queue = m.outbox.queue[:0]
	for _, p := range outbox {
		m.outbox.queue = append(m.outbox.queue, pending{id: p.ID, entry: p.Entry, ring: p.Ring})
		m.outbox.lastID = max(m.outbox.lastID, p.ID)
		m.outbox.counter = max(m.outbox.counter, p.Entry.OriginCounter)
		m.clock = max(m.clock, p.Entry.Lamport)
	}
	m.outbox.version++
	m.outbox.countersUnsure = true
	m.clock = max(m.clock, m.log.Lamport())
	m.commit.point = min(s.Commit, m.log.LastSeq())
	if floor, _ := m.log.Floor(); m.commit.point < floor {
		m.commit.point = floor
	}
	m.loadConfigs(s.Members)
	c := m.routingConfig()
	m.view.Members, m.view.Version = slices.Clone(c.members), c.seq
	for _, n := range c.members {
		if n.ID != m.self.ID {
			m.known[n.ID] = n
		}
	}
}

// Resume takes a restarted node back into the ring it was in, unless it
// had left it. A node whose view held only itself leads it again at once.
// Any other waits in no-quorum for a majority of its view: it probes the
// members, stands for election once a majority answers, and follows (or
// asks to be taken back by) a leader it hears of. It reports whether there
// is a ring to go back to.
func (m *Machine) Resume() bool {
	defer m.flush()
	if m.state != Detached || m.restart.leftOnPurpose || m.restart.home.id == "" {
		return false
	}
	if m.outOfView() && m.ownLeaveCommitted() {
		// It stopped after its leave was committed and before it could
		// hand over or say so: the leave is done.
		m.leftRing()
		return false
	}
	if m.quorumOf(func(id string) bool { return id == m.self.ID }) {
		m.term, m.vote = max(m.term, m.epoch, m.log.LastEpoch())+1, m.self.ID
		m.emit(Voted{Epoch: m.term, Leader: m.self.ID})
		m.configs = []configRec{{seq: m.view.Version, members: []protocol.NodeInfo{m.self}}}
		m.setTopology(m.view.Version, []protocol.NodeInfo{m.self})
		m.becomeLeader(m.term, []protocol.NodeInfo{m.self}, nil)
		return true
	}
	m.setState(NoQuorum)
	m.election.startedAt = m.tick
	m.setTopology(m.view.Version, m.view.Members)
	m.probe()
	return true
}

// ownLeaveCommitted: the view in force at the commit point is the one this
// node's own leave wrote. ViewAt may give only the members (a store's
// index of views), so the entry itself is read.
func (m *Machine) ownLeaveCommitted() bool {
	v, ok := m.log.ViewAt(m.commit.point)
	if !ok || v.Seq == 0 {
		return false
	}
	es := m.log.After(v.Seq-1, 1)
	return len(es) == 1 && es[0].Presence == protocol.PresenceLeft && es[0].About.ID == m.self.ID
}

// leftRing completes a leave: this node stays detached, after a restart too.
func (m *Machine) leftRing() {
	m.restart.leftOnPurpose = true
	m.emit(LeaveDone{})
}
