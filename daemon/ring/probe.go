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
// of the parts, the first probe across a healed cut joins them. A follower
// sends a heartbeat every half failure timeout to each member of its
// newest view that it marks dead itself (probeMarked).
func (m *Machine) probe() {
	switch {
	case m.follows():
		m.probeMarked()
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

// probeMarked is a follower's: it sends a heartbeat, every half failure
// timeout, to each member it found dead that the newest view entry it holds
// still has. Its leader never hears of such a mark, and neither end of a
// cut or reset between two followers sends the other anything once each
// marks the other (a marked peer gets no heartbeats and no answers): they
// would route round each other for ever. Heard with the leader's epoch, the
// probe makes the other drop its mark (heardFrom) and heartbeat again,
// which clears this node's mark too. A member whose removal this node holds
// is not in that view entry: what the leader decided stands. Every half
// timeout, not every whole one: across a one-way cut the side that hears
// only the probes must hear one well within each timeout, or jitter on a
// real network would make it find the prober dead and alive by turns.
func (m *Machine) probeMarked() {
	if m.tick-m.live.markProbe < uint64(max(1, m.cfg.FailureTicks/2)) {
		return
	}
	var ids []string
	for id, why := range m.live.gone {
		if why == "died" && id != m.leader.ID && hasMember(m.config(), id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	m.live.markProbe = m.tick
	slices.Sort(ids) // the same inputs, the same outputs
	hb := m.heartbeatMsg()
	for _, id := range ids {
		m.send(m.peerInfo(id, ""), hb)
	}
}

// noteLost keeps a member removed as dead for probing.
func (m *Machine) noteLost(p protocol.NodeInfo) {
	if len(m.changes.removedDead) < maxLost {
		m.changes.removedDead[p.ID] = p
	}
}
