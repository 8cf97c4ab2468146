package ring

// Taking up and giving up leadership: an elected node leads, a node
// told of a leader follows it, a leader without a quorum steps down.

import (
	"slices"
	"strconv"

	"github.com/ringchat/ring/protocol"
)

// becomeLeader: a majority voted for this node. It announces itself to the
// view, and its first entry (Raft's no-op) says it leads: once that is
// committed, so is everything before it. Members the vote passed by are
// found dead and removed one at a time; those it passed through are
// alive as of the vote, whatever this node found of them before.
func (m *Machine) becomeLeader(epoch uint64, ring []protocol.NodeInfo, reform *protocol.NodeInfo) {
	wasLeaving := m.state == Leaving
	m.epoch = epoch
	m.term = max(m.term, epoch)
	m.election.round = max(m.election.round, epoch)
	m.election.awaitsVotesIn = 0
	m.election.takesPart = false
	m.election.heldBack, m.election.bypass = nil, nil
	m.leader = m.self
	m.view.Leader, m.view.Epoch = m.self.ID, epoch
	m.restart.home.epoch, m.restart.home.leader = epoch, m.self.ID
	m.setState(Member)
	m.catchUp.at = 0
	m.adoptOwnHistory()
	m.catchUp.verifySeq, m.catchUp.verifyAsked = 0, false // its history is the ring's now
	m.commit.storedBy = map[string]uint64{}
	m.changes.queue = nil
	m.commit.commitSent = 0
	m.leave.handingOver, m.leave.viewBefore = false, nil
	m.commit.epochStart = m.log.LastSeq() + 1
	for _, p := range ring {
		if p.ID != m.self.ID {
			m.live.lastHeard[p.ID] = m.tick
			if m.live.gone[p.ID] == "died" {
				// It voted after this node, leaderless, found it dead. Kept,
				// the mark would have no queued removal behind it, which is
				// what a leader's heardFrom needs to drop it: the leader would
				// send it no broadcast for ever. Silent from now on, it is
				// found dead again and removed.
				delete(m.live.gone, p.ID)
			}
		}
	}
	m.watch()
	m.emit(LeaderChanged{Leader: m.self, Epoch: epoch})
	hv := m.committedView()
	for _, p := range unionMembers(m.config(), m.committedConfig()) {
		if p.ID != m.self.ID {
			m.send(p, hv)
		}
	}
	m.resendOutbox() // first: its own messages keep their counters
	if reform != nil {
		m.sequenceReform(*reform, ring)
	} else {
		m.sequencePresence(protocol.PresenceLeader, m.self, m.self.Display()+" is the new leader (epoch "+strconv.FormatUint(epoch, 10)+")", nil)
		for _, p := range m.config() {
			if p.ID != m.self.ID && !slices.ContainsFunc(ring, func(r protocol.NodeInfo) bool { return r.ID == p.ID }) {
				why := m.live.gone[p.ID]
				if why == "" {
					why = "died"
					m.live.gone[p.ID] = why
				}
				m.queueChange(viewChange{node: p, why: why})
			}
		}
	}
	if wasLeaving {
		// It won while leaving (it held the most history): its own
		// messages are sequenced now, so it hands over once committed.
		m.setState(Leaving)
		m.leave.awaitingOutbox = true
		m.leave.since = m.tick
		m.checkLeaving()
	}
}

// adoptOwnHistory: a node elected leads with its history, which may not
// have been checked against the last leader's (verifyLog): the dedup table
// is its history's, and its outbox follows it. Messages of its outbox that
// the history holds wait there to be committed; the others are numbered
// after them, as are those said since a restart (their counters are unsure).
func (m *Machine) adoptOwnHistory() {
	m.sequencing.counters = m.log.Origins()
	own := m.sequencing.counters[m.self.ID]
	k := own
	for i := range m.outbox.queue {
		p := &m.outbox.queue[i]
		if p.ring != "" && m.holdsUncommitted(p.entry) {
			continue // in the history already, waiting to be committed
		}
		k++
		if p.entry.OriginCounter != k || p.ring != m.view.RingID {
			p.entry.OriginCounter, p.ring = k, m.view.RingID
			m.outbox.version++
		}
	}
	m.outbox.counter = max(m.outbox.counter, k)
	m.outbox.countersUnsure = false
}

// follow: a leader of an epoch at least this node's term announced itself
// (protocol.View from the leader). The node follows it once its history
// is checked against the leader's.
func (m *Machine) follow(leader protocol.NodeInfo, v protocol.View) {
	if m.outbox.countersUnsure {
		m.seekLeader(leader) // the JoinReply tells it what the ring has of its messages
		return
	}
	if v.Epoch > m.term {
		m.term, m.vote = v.Epoch, ""
	}
	m.epoch = v.Epoch
	m.leader = leader
	m.view.Leader, m.view.Epoch = leader.ID, v.Epoch
	m.election.round = max(m.election.round, v.Epoch)
	m.election.takesPart, m.election.awaitsVotesIn, m.election.heldBack, m.election.bypass = false, 0, nil, nil
	if m.state != Leaving {
		m.setState(Member)
	}
	if v.Version > m.view.Version {
		m.setTopology(v.Version, v.Members)
	}
	m.restart.home.epoch, m.restart.home.leader = v.Epoch, leader.ID
	delete(m.live.gone, leader.ID)
	m.live.lastHeard[leader.ID] = m.tick
	m.watch()
	m.emit(LeaderChanged{Leader: leader, Epoch: v.Epoch})
	if m.catchUp.to != leader.ID {
		m.catchUp.at = 0 // a request to another node will not be answered
	}
	m.commit.acked = 0
	m.verifyLog()
	m.requestCatchUp()
	if m.leaveSent() {
		m.send(m.leader, protocol.Leave{Node: m.self}) // the old leader took our leave with it
	}
}

// checkLease is the leader's, each tick: one that does not hear a majority
// of its view steps down, so that a leader cut off from the others stops
// sequencing what it could never commit.
func (m *Machine) checkLease() {
	if !m.hearsQuorum() {
		m.stepDown("it hears " + strconv.Itoa(m.heardCount(m.config())) + " of " + strconv.Itoa(len(m.config())) + " members")
	}
}

// stepDown: the leader gives up leading without a quorum; it waits, with
// the others, for a majority to elect a leader.
func (m *Machine) stepDown(why string) {
	if !m.IsLeader() {
		return
	}
	m.leader = protocol.NodeInfo{}
	m.changes.queue = nil
	m.commit.storedBy = map[string]uint64{}
	m.emit(SteppedDown{Why: why})
	m.leave.handingOver, m.leave.viewBefore = false, nil
	if m.state == Leaving {
		m.leave.awaitingOutbox = true
		return
	}
	m.setState(NoQuorum)
	m.election.startedAt = m.tick
	m.watch()
}

func unionMembers(a, b []protocol.NodeInfo) []protocol.NodeInfo {
	out := slices.Clone(a)
	for _, p := range b {
		if !hasMember(out, p.ID) {
			out = append(out, p)
		}
	}
	return out
}
