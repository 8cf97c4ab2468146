package ring

// The leader's membership changes: queued, written one at a time as view
// entries, acted on once committed.

import (
	"slices"

	"github.com/ringchat/ring/protocol"
)

// viewChange is a membership change the leader will write, one at a time.
type viewChange struct {
	node protocol.NodeInfo
	via  protocol.NodeInfo // an admission: placed after this member
	why  string            // a removal: "died" or "left"; "" for an admission
}

// changeQueue is a leader's membership work.
type changeQueue struct {
	queue       []viewChange                 // written one at a time (applyChange)
	removedDead map[string]protocol.NodeInfo // members removed as dead: probed, they may only be cut off
}

// queueChange queues a membership change; one already queued for the same
// node is not queued twice (a removal becomes a leave if it was one).
func (m *Machine) queueChange(c viewChange) {
	for i, old := range m.changes.queue {
		if old.node.ID == c.node.ID && (old.why == "") == (c.why == "") {
			if c.why == "left" {
				m.changes.queue[i].why = "left"
			}
			if c.why == "" {
				m.changes.queue[i].node = c.node // the address it asks from now
			}
			return
		}
	}
	m.changes.queue = append(m.changes.queue, c)
}

func (m *Machine) selfRemovalQueued() bool {
	return slices.ContainsFunc(m.changes.queue, func(c viewChange) bool { return c.node.ID == m.self.ID && c.why != "" })
}

// cancelChange drops a queued removal of id and reports whether there was one.
func (m *Machine) cancelChange(id string) bool {
	n := len(m.changes.queue)
	m.changes.queue = slices.DeleteFunc(m.changes.queue, func(c viewChange) bool { return c.node.ID == id && c.why != "" })
	return len(m.changes.queue) < n
}

// applyChange is the leader's: it writes the next membership change as a
// view entry once the last one is committed and its own epoch has a
// committed entry (so that no two views in play can have disjoint
// majorities). It reports whether it wrote one.
func (m *Machine) applyChange() bool {
	if !m.IsLeader() || m.viewPending() || m.commit.point < m.commit.epochStart {
		return false
	}
	for len(m.changes.queue) > 0 {
		c := m.changes.queue[0]
		m.changes.queue = m.changes.queue[1:]
		members := slices.Clone(m.config())
		var presence, text string
		if c.why == "" {
			if i := slices.IndexFunc(members, func(n protocol.NodeInfo) bool { return n.ID == c.node.ID }); i >= 0 {
				if members[i] == c.node {
					m.sendJoinReply(c.node)
					continue
				}
				members[i] = c.node // back at a new address: same place
			} else {
				at := slices.IndexFunc(members, func(n protocol.NodeInfo) bool { return n.ID == c.via.ID })
				if at < 0 {
					at = slices.IndexFunc(members, func(n protocol.NodeInfo) bool { return n.ID == m.self.ID })
				}
				members = slices.Insert(members, at+1, c.node)
			}
			presence, text = protocol.PresenceJoined, c.node.Display()+" joined"
		} else {
			if !hasMember(members, c.node.ID) || len(members) == 1 {
				continue
			}
			members = slices.DeleteFunc(members, func(n protocol.NodeInfo) bool { return n.ID == c.node.ID })
			presence, text = c.why, c.node.Display()+" "+c.why
			if c.node.ID == m.self.ID {
				text = c.node.Display() + " left (handing over leadership)"
			}
		}
		if !m.sequencePresence(presence, c.node, text, members) {
			m.changes.queue = slices.Insert(m.changes.queue, 0, c)
			return false
		}
		if c.why == "" {
			m.live.lastHeard[c.node.ID] = m.tick
			m.sendJoinReply(c.node)
			m.watch()
		}
		return true
	}
	return false
}

// changeCommitted acts on a committed view entry: a member removed as dead
// is probed by whoever leads from now on (it may only have been cut off),
// until it comes back; and the leader tells a member that left (that
// completes its leave).
func (m *Machine) changeCommitted(e protocol.Entry) {
	switch e.Presence {
	case protocol.PresenceLeft:
		delete(m.changes.removedDead, e.About.ID)
		if !m.IsLeader() {
			return
		}
		v := m.committedView()
		v.Version, v.Members = e.Seq, slices.Clone(e.Members)
		if hasMember(v.Members, m.self.ID) {
			v.Leader = m.self.ID
		}
		m.send(e.About, v)
	case protocol.PresenceDied:
		m.noteLost(e.About)
	case protocol.PresenceJoined:
		delete(m.changes.removedDead, e.About.ID)
	}
}

// viewCommitted acts on a membership change that is now committed: this
// node itself, if the change removed it, leaves the ring, asks to come
// back, or (a leaving leader) hands over.
func (m *Machine) viewCommitted(before, now []protocol.NodeInfo) {
	if !hasMember(now, m.self.ID) && hasMember(before, m.self.ID) {
		if m.IsLeader() {
			m.leave.viewBefore, m.leave.viewBeforeAt = before, m.tick
			m.tryHandover()
			return
		}
		m.removedFromRing()
	}
}
