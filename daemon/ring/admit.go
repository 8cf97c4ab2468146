package ring

// A leader's admission of a node that asks to join (join.go is the joiner's side).

import (
	"slices"
	"strconv"

	"github.com/ringchat/ring/protocol"
)

func (m *Machine) onJoinRequest(h protocol.Header, r protocol.JoinRequest) {
	joiner := r.Node
	if r.Node.ID != h.From && r.Via.ID != h.From {
		return
	}
	switch {
	case m.IsLeader() && (m.leave.viewBefore != nil || (m.leave.handingOver && !hasMember(m.committedConfig(), joiner.ID) && !hasMember(m.config(), joiner.ID))):
		m.send(joiner, protocol.JoinReply{Error: "the leader is leaving; try again"})
	case m.IsLeader():
		via := r.Via
		if via.ID == "" {
			via = m.self
		}
		m.admit(joiner, via)
	case m.state == Member && m.leader.ID != "" && !m.IsLeader():
		m.send(m.leader, protocol.JoinRequest{Node: joiner, Via: m.self})
	case m.state == NoQuorum:
		m.send(joiner, protocol.JoinReply{Error: "the ring has no quorum (" + strconv.Itoa(m.heardCount(m.config())) + " of " +
			strconv.Itoa(len(m.config())) + " members reachable); try again once it heals"})
	default:
		m.send(joiner, protocol.JoinReply{Error: "the ring is electing a leader; try again"})
	}
}

// admit is the leader's: a member that comes back (it restarted, or it
// took itself for out) is told the view at once; a new node is placed
// after the member it contacted, by a view change.
func (m *Machine) admit(joiner, via protocol.NodeInfo) {
	delete(m.live.gone, joiner.ID)
	delete(m.commit.storedBy, joiner.ID) // it may come back with another history
	delete(m.changes.removedDead, joiner.ID)
	m.live.lastHeard[joiner.ID] = m.tick
	m.cancelChange(joiner.ID)
	if i := slices.IndexFunc(m.config(), func(n protocol.NodeInfo) bool { return n.ID == joiner.ID }); i >= 0 {
		if m.config()[i] != joiner {
			// It came back at another address (or under another name): the
			// view must say where it is now.
			m.queueChange(viewChange{node: joiner, via: via})
			return
		}
		m.sendJoinReply(joiner)
		m.watch()
		return
	}
	if hasMember(m.committedConfig(), joiner.ID) {
		// Its removal is written but not committed: it follows the view
		// before until then, when it asks again (and is admitted anew).
		m.sendJoinReply(joiner)
	}
	m.queueChange(viewChange{node: joiner, via: via})
}

func (m *Machine) sendJoinReply(joiner protocol.NodeInfo) {
	v := cloneView(m.view)
	if !hasMember(v.Members, m.self.ID) { // its own removal is under way: the view before
		v.Members, v.Version = slices.Clone(m.committedConfig()), m.committedSeq()
	}
	if !hasMember(v.Members, m.self.ID) {
		return // it leads without being in a view: it hands over soon
	}
	v.Leader, v.Epoch = m.self.ID, m.epoch
	m.send(joiner, protocol.JoinReply{OK: true, Leader: m.self, View: v, Counter: m.sequencing.counters[joiner.ID]})
}
