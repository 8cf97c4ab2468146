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
		if m.live.lastProbe != 0 && m.tick-m.live.lastProbe < uint64(max(1, m.cfg.FailureTicks/2)) {
			return
		}
		m.live.lastProbe = m.tick
		hb := m.heartbeatMsg()
		for _, p := range unionMembers(m.config(), m.view.Members) {
			if p.ID != m.self.ID {
				m.send(p, hb)
			}
		}
	case m.IsLeader():
		if len(m.changes.removedDead) == 0 || m.tick-m.live.lastProbe < uint64(m.cfg.FailureTicks) {
			return
		}
		m.live.lastProbe = m.tick
		ids := make([]string, 0, len(m.changes.removedDead))
		for id := range m.changes.removedDead {
			ids = append(ids, id)
		}
		slices.Sort(ids) // the same inputs, the same outputs
		hv := m.committedView()
		for _, id := range ids {
			m.send(m.changes.removedDead[id], cloneView(hv))
		}
	}
}

// noteLost keeps a member removed as dead for probing.
func (m *Machine) noteLost(p protocol.NodeInfo) {
	if len(m.changes.removedDead) < maxLost {
		m.changes.removedDead[p.ID] = p
	}
}
