package ring

// The membership view: whom a node routes the ring through, the views it
// tells and takes, and a removal it learns of.

import (
	"slices"
	"strconv"

	"github.com/ringchat/ring/protocol"
)

func (m *Machine) indexOf(id string) int {
	return slices.IndexFunc(m.view.Members, func(n protocol.NodeInfo) bool { return n.ID == id })
}

// isMember: id is in the ring as this node routes it, or in the committed
// configuration (a member whose removal is not committed yet still counts).
func (m *Machine) isMember(id string) bool {
	return m.indexOf(id) >= 0 || hasMember(m.committedConfig(), id)
}

// inRing: a member, or this node's leader (a leaving leader is out of the
// view before it hands over).
func (m *Machine) inRing(id string) bool { return m.isMember(id) || (id != "" && id == m.leader.ID) }

// neighbour walks the view from this node in direction dir (+1 next, -1
// prev) to the first member not known to be gone.
func (m *Machine) neighbour(dir int) protocol.NodeInfo {
	n := len(m.view.Members)
	i := m.indexOf(m.self.ID)
	if i < 0 || n == 0 {
		return m.self
	}
	for k := 1; k < n; k++ {
		p := m.view.Members[((i+dir*k)%n+n)%n]
		if _, out := m.live.gone[p.ID]; !out {
			return p
		}
	}
	return m.self
}

// setTopology routes the ring by members, the view entry at seq.
func (m *Machine) setTopology(seq uint64, members []protocol.NodeInfo) {
	m.view.Members = slices.Clone(members)
	m.view.Version = seq
	m.restart.home = homeRing{id: m.view.RingID, members: slices.Clone(members), epoch: m.epoch, leader: m.view.Leader}
	for _, p := range members {
		m.known[p.ID] = p
	}
	for id := range m.live.gone {
		if m.indexOf(id) < 0 {
			delete(m.live.gone, id)
		}
	}
	for id := range m.live.lastHeard {
		if !m.isMember(id) {
			delete(m.live.lastHeard, id)
		}
	}
	for id := range m.live.lastAnswered {
		if !m.isMember(id) {
			delete(m.live.lastAnswered, id)
		}
	}
	m.emit(ViewChanged{View: cloneView(m.view)})
	m.watch()
}

func cloneView(v protocol.View) protocol.View {
	v.Members = slices.Clone(v.Members)
	return v
}

// committedView is the view this node tells others of: the committed
// membership, and the leader and epoch it follows. Committed, so that a
// node missing from it knows it is out of the ring.
func (m *Machine) committedView() protocol.View {
	v := protocol.View{Version: m.committedSeq(), Epoch: m.epoch, Leader: m.leader.ID, Members: slices.Clone(m.committedConfig()), RingID: m.view.RingID}
	if !hasMember(v.Members, v.Leader) {
		v.Leader = "" // a leader on its way out, or not yet in the committed view
	}
	return v
}

// recipients are the members a leader sends its broadcasts to: the view
// but the dead, and a member whose removal is not committed yet while it is
// heard (it still counts towards the old view's majority).
func (m *Machine) recipients() []protocol.NodeInfo {
	var ps []protocol.NodeInfo
	for _, p := range m.view.Members {
		if p.ID != m.self.ID && m.live.gone[p.ID] != "died" {
			ps = append(ps, p)
		}
	}
	if m.viewPending() {
		for _, p := range m.committedConfig() {
			if p.ID != m.self.ID && m.indexOf(p.ID) < 0 && m.heardCount([]protocol.NodeInfo{p}) == 1 {
				ps = append(ps, p)
			}
		}
	}
	return ps
}

// onView takes a view a node sent: a leader announcing itself (after its
// election, or to a member it removed), or any member answering this
// node's traffic because it is not in its view (answerOutsider).
func (m *Machine) onView(h protocol.Header, v protocol.View) {
	if v.RingID != m.view.RingID {
		return // another ring's
	}
	for _, p := range v.Members {
		m.known[p.ID] = p // even from a view not taken: see answerOutsider
	}
	if h.From != v.Leader || v.Leader == "" {
		if h.From == m.leader.ID && !m.IsLeader() && (m.state == Member || m.state == Leaving) {
			m.loseLeader("the leader is out of the ring")
		}
		m.onMemberView(v)
		return
	}
	if v.Epoch < m.term {
		return // fenced: an older leader
	}
	if !hasMember(v.Members, m.self.ID) {
		if m.excludedBy(v) {
			m.removedFromView(v)
		}
		return
	}
	if m.IsLeader() || (m.leader.ID == v.Leader && m.epoch == v.Epoch) {
		return
	}
	leader := v.Members[slices.IndexFunc(v.Members, func(n protocol.NodeInfo) bool { return n.ID == v.Leader })]
	m.follow(leader, v)
}

// onMemberView: a member answered this node's traffic with its view. If it
// leaves this node out, the ring removed it (it was thought dead, or missed
// an election): it asks that view's leader to take it back. If it holds
// this node and names a leader while this node has none, this node looks
// for that leader.
func (m *Machine) onMemberView(v protocol.View) {
	if v.Leader == "" && m.leaderless() && !hasMember(v.Members, m.self.ID) && v.Version > m.committedSeq() {
		// A member that left answers with the last view it had, which
		// left this node out: this node is out of its ring, which has no
		// leader it can find. It stops waiting for it.
		m.detach()
		m.leftRing()
		return
	}
	if v.Leader == "" || v.Leader == m.self.ID || !hasMember(v.Members, v.Leader) {
		return
	}
	switch {
	case m.state != Member && !m.leaderless() && m.state != Leaving:
		return
	case !hasMember(v.Members, m.self.ID):
		if m.excludedBy(v) {
			m.removedFromView(v)
		}
	case m.seeksLeaderIn(v.Epoch):
		m.seekLeader(v.Members[slices.IndexFunc(v.Members, func(n protocol.NodeInfo) bool { return n.ID == v.Leader })])
	}
}

// excludedBy: the committed view v, which leaves this node out, is not older
// than what this node has committed (or that too leaves it out), or comes
// from a newer epoch: after a reform across a cut the reformed part's view
// may be the shorter history, but its epoch fences the other part.
func (m *Machine) excludedBy(v protocol.View) bool {
	return v.Version > m.committedSeq() || v.Epoch > m.epoch || !hasMember(m.committedConfig(), m.self.ID)
}

// seeksLeaderIn says whether this node, without a leader, looks for one it
// hears of in epoch: one at least as new as its term. While it elects, only a
// newer leader than the one it lost counts: a heartbeat from the old one
// may still be under way.
func (m *Machine) seeksLeaderIn(epoch uint64) bool {
	switch {
	case epoch == 0 || epoch < m.term:
		return false
	case m.state == NoQuorum:
		return true
	}
	return m.state == Electing && epoch > m.epoch
}

// removedFromView: the ring's committed view, from its leader or a member,
// leaves this node out. If it was leaving, that completes the leave;
// otherwise it was wrongly declared dead and asks to come back.
func (m *Machine) removedFromView(v protocol.View) {
	if m.state == Detached || m.state == Joining {
		return
	}
	if m.leaveSent() || (m.state == Leaving && len(m.outbox.queue) == 0) {
		m.detach()
		m.leftRing()
		return
	}
	// Whoever still follows this node's old view (it may have led it)
	// learns of the ring the same way.
	for _, p := range m.view.Members {
		if p.ID != m.self.ID && !hasMember(v.Members, p.ID) {
			m.send(p, cloneView(v))
		}
	}
	m.backToRing(v.Members[slices.IndexFunc(v.Members, func(n protocol.NodeInfo) bool { return n.ID == v.Leader })])
}

// removedFromRing: a committed view entry of this node's own history
// leaves it out.
func (m *Machine) removedFromRing() {
	if m.leaveSent() || (m.state == Leaving && len(m.outbox.queue) == 0) {
		m.detach()
		m.leftRing()
		return
	}
	if m.leader.ID != "" {
		m.backToRing(m.leader)
	}
}

// backToRing asks the leader to admit this node again. One that was
// leaving with messages not yet sequenced stays for them.
func (m *Machine) backToRing(leader protocol.NodeInfo) {
	if m.state == Leaving {
		m.emit(LeaveDone{Err: "dropped from the ring with " + strconv.Itoa(len(m.outbox.queue)) + " messages not sequenced; joining again"})
		m.leave.awaitingOutbox = false
	}
	m.seekLeader(leader)
}

func (m *Machine) detach() {
	m.setState(Detached)
	m.leader = protocol.NodeInfo{}
	m.election.takesPart = false
	m.election.awaitsVotesIn = 0
	m.election.heldBack = nil
	m.election.bypass = nil
	m.live.lastHeard = map[string]uint64{}
	m.live.watched = nil
	m.catchUp.at = 0
	m.commit.storedBy = map[string]uint64{}
	m.changes.queue = nil
	m.live.gone = map[string]string{}
	m.live.lastAnswered = map[string]uint64{}
	m.leave = leaving{}
}
