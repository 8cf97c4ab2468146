package ring

import (
	"slices"

	"github.com/ringchat/ring/protocol"
)

// maxLost bounds the removed members a leader keeps probing.
const maxLost = 64

// probe keeps the parts of a ring looking for each other. A node without a
// leader sends every member of its view a heartbeat every half failure
// timeout, so it counts who it reaches and hears of any leader; a leader
// sends the members it removed as dead its view once a failure timeout: one
// that was only cut off finds out and asks to come back. Whatever the sizes
// of the parts, the first probe across a healed cut joins them.
func (m *Machine) probe() {
	switch {
	case m.leaderless():
		if m.lastProbe != 0 && m.tick-m.lastProbe < uint64(max(1, m.cfg.FailureTicks/2)) {
			return
		}
		m.lastProbe = m.tick
		hb := m.heartbeatMsg()
		for _, p := range unionMembers(m.config(), m.view.Members) {
			if p.ID != m.self.ID {
				m.send(p, hb)
			}
		}
	case m.IsLeader():
		if len(m.q.lost) == 0 || m.tick-m.lastProbe < uint64(m.cfg.FailureTicks) {
			return
		}
		m.lastProbe = m.tick
		ids := make([]string, 0, len(m.q.lost))
		for id := range m.q.lost {
			ids = append(ids, id)
		}
		slices.Sort(ids) // the same inputs, the same outputs
		hv := m.hintView()
		for _, id := range ids {
			m.send(m.q.lost[id], cloneView(hv))
		}
	}
}

// noteLost keeps a member removed as dead for probing.
func (m *Machine) noteLost(p protocol.NodeInfo) {
	if len(m.q.lost) < maxLost {
		m.q.lost[p.ID] = p
	}
}

// follow: a leader of an epoch at least this node's term announced itself
// (protocol.View from the leader). The node follows it once its history
// is checked against the leader's.
func (m *Machine) follow(leader protocol.NodeInfo, v protocol.View) {
	if m.sq.unsure {
		m.seekLeader(leader) // the JoinReply tells it what the ring has of its messages
		return
	}
	if v.Epoch > m.term {
		m.term, m.vote = v.Epoch, ""
	}
	m.epoch = v.Epoch
	m.leader = leader
	m.view.Leader, m.view.Epoch = leader.ID, v.Epoch
	m.el.epoch = max(m.el.epoch, v.Epoch)
	m.el.participant, m.el.wonEpoch, m.el.deferred = false, 0, nil
	if m.state != Leaving {
		m.setState(Member)
	}
	if v.Version > m.view.Version {
		m.setTopology(v.Version, v.Members)
	}
	m.home.epoch, m.home.leader = v.Epoch, leader.ID
	delete(m.gone, leader.ID)
	m.lastHeard[leader.ID] = m.tick
	m.watch()
	m.emit(LeaderChanged{Leader: leader, Epoch: v.Epoch})
	if m.sq.catchUpTo != leader.ID {
		m.sq.catchUpAt = 0 // a request to another node will not be answered
	}
	m.q.acked = 0
	m.verifyLog()
	m.requestCatchUp()
	if m.leaveSent() {
		m.send(m.leader, protocol.Leave{Node: m.self}) // the old leader took our leave with it
	}
}
