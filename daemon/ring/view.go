package ring

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
		if _, out := m.gone[p.ID]; !out {
			return p
		}
	}
	return m.self
}

// monitored are the peers whose silence this node watches: its neighbours
// and its leader; a leader, and a node without one, every member.
func (m *Machine) monitored() []protocol.NodeInfo {
	var ps []protocol.NodeInfo
	add := func(p protocol.NodeInfo) {
		if p.ID == "" || p.ID == m.self.ID || slices.ContainsFunc(ps, func(q protocol.NodeInfo) bool { return q.ID == p.ID }) {
			return
		}
		if _, out := m.gone[p.ID]; out {
			return
		}
		ps = append(ps, p)
	}
	if m.IsLeader() || m.leaderless() {
		for _, p := range m.view.Members {
			add(p)
		}
		return ps
	}
	add(m.Next())
	add(m.Prev())
	if m.state == Member || m.state == Leaving {
		add(m.leader)
	}
	return ps
}

// heartbeatMsg proves liveness and carries where this node stands: its
// last sequence number, its leader, and from a leader its commit point,
// from a member what it stores of the leader's history.
func (m *Machine) heartbeatMsg() protocol.Heartbeat {
	hb := protocol.Heartbeat{LastSeq: m.log.LastSeq(), From: &m.self}
	if m.leader.ID != "" {
		l := m.leader
		hb.Leader = &l
	}
	if m.IsLeader() {
		hb.Commit = m.q.commit
		hb.Reach = uint32(m.heardCount(m.config()))
	} else {
		hb.Stored = m.ackable()
	}
	return hb
}

// heartbeat is sent each tick to the monitored peers; a node without a
// leader probes instead (probe.go).
func (m *Machine) heartbeat() {
	if m.leaderless() {
		return
	}
	hb := m.heartbeatMsg()
	for _, p := range m.monitored() {
		m.send(p, hb)
	}
}

// watch starts the silence clock of peers that just became monitored. A
// peer heard from long ago (say, when it joined through this node) and only
// now a neighbour gets a full failure timeout too: it has had no reason to
// send heartbeats here until now.
func (m *Machine) watch() {
	now := map[string]bool{}
	for _, p := range m.monitored() {
		now[p.ID] = true
		if !m.watched[p.ID] {
			m.lastHeard[p.ID] = m.tick
		}
	}
	m.watched = now
}

func (m *Machine) detectFailures() {
	m.watch() // neighbours change without a view too (a leave, an election)
	for _, p := range m.monitored() {
		last := m.lastHeard[p.ID]
		if m.tick-last > uint64(m.cfg.FailureTicks) {
			m.peerGone(p.ID, "died")
		}
	}
}

// heardFrom notes that a member is alive. A node without a leader routes
// through it again; a leader takes back one it found dead while its
// removal has not been written yet.
func (m *Machine) heardFrom(id string) {
	m.lastHeard[id] = m.tick
	why, out := m.gone[id]
	if !out {
		return
	}
	switch {
	case m.leaderless(): // a refusal or a leave marks it again (Step)
		delete(m.gone, id)
		m.watch()
	case why != "died":
		delete(m.gone, id)
		m.watch()
	case m.IsLeader() && hasMember(m.config(), id) && m.cancelChange(id):
		delete(m.gone, id)
		m.watch()
	}
}

// peerGone handles a member found dead or gone: the ring routes around it at
// once; a leader removes it from the view; a lost leader means an election.
func (m *Machine) peerGone(id, why string) {
	if id == m.self.ID {
		return
	}
	if !m.inRing(id) {
		if why == "left" && m.leaderless() {
			m.gone[id] = why // an election routed by a newer view must not wait for it
			m.resendElection(id)
		}
		return
	}
	if old, already := m.gone[id]; already && (old == why || why == "died") {
		return
	}
	m.gone[id] = why
	if why == "left" {
		delete(m.known, id) // nothing to probe for
	}
	delete(m.lastHeard, id)
	peer := m.peerInfo(id, "")
	m.emit(PeerGone{Peer: peer, Why: why})
	m.resendElection(id)
	switch {
	case m.IsLeader():
		m.queueChange(viewChange{node: peer, why: why})
	case id == m.leader.ID && (m.state == Member || m.state == Leaving):
		m.loseLeader("the leader " + why)
	case why == "left" && m.leaderless() && m.deserted():
		// So many members of its view have left that the rest can never
		// make a majority: there is no ring to wait for any more.
		m.detach()
		m.leftRing()
		return
	}
	m.watch()
}

// deserted: the members of the view not known to have left (they answer
// that they are in no ring) are no majority of it.
func (m *Machine) deserted() bool {
	return !m.quorumOf(func(id string) bool { return m.gone[id] != "left" })
}

// setTopology routes the ring by members, the view entry at seq.
func (m *Machine) setTopology(seq uint64, members []protocol.NodeInfo) {
	m.view.Members = slices.Clone(members)
	m.view.Version = seq
	m.home = homeRing{id: m.view.RingID, members: slices.Clone(members), epoch: m.epoch, leader: m.view.Leader}
	for _, p := range members {
		m.known[p.ID] = p
	}
	for id := range m.gone {
		if m.indexOf(id) < 0 {
			delete(m.gone, id)
		}
	}
	for id := range m.lastHeard {
		if !m.isMember(id) {
			delete(m.lastHeard, id)
		}
	}
	for id := range m.answered {
		if !m.isMember(id) {
			delete(m.answered, id)
		}
	}
	m.emit(ViewChanged{View: cloneView(m.view)})
	m.watch()
}

func cloneView(v protocol.View) protocol.View {
	v.Members = slices.Clone(v.Members)
	return v
}

// hintView is the view this node tells others of: the committed
// membership, and the leader and epoch it follows. Committed, so that a
// node missing from it knows it is out of the ring.
func (m *Machine) hintView() protocol.View {
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
		if p.ID != m.self.ID && m.gone[p.ID] != "died" {
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
// node's traffic because it is not in its view (hint).
func (m *Machine) onView(h protocol.Header, v protocol.View) {
	if v.RingID != m.view.RingID {
		return // another ring's
	}
	for _, p := range v.Members {
		m.known[p.ID] = p // even from a view not taken: see hint
	}
	if h.From != v.Leader || v.Leader == "" {
		if h.From == m.leader.ID && !m.IsLeader() && (m.state == Member || m.state == Leaving) {
			m.loseLeader("the leader is out of the ring")
		}
		m.onViewHint(v)
		return
	}
	if v.Epoch < m.term {
		return // fenced: an older leader
	}
	if !hasMember(v.Members, m.self.ID) {
		if m.outOf(v) {
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

// onViewHint: a member answered this node's traffic with its view. If it
// leaves this node out, the ring removed it (it was thought dead, or missed
// an election): it asks that view's leader to take it back. If it holds
// this node and names a leader while this node has none, this node looks
// for that leader.
func (m *Machine) onViewHint(v protocol.View) {
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
		if m.outOf(v) {
			m.removedFromView(v)
		}
	case m.seeks(v.Epoch):
		m.seekLeader(v.Members[slices.IndexFunc(v.Members, func(n protocol.NodeInfo) bool { return n.ID == v.Leader })])
	}
}

// outOf: the committed view v, which leaves this node out, is not older
// than what this node has committed (or that too leaves it out), or comes
// from a newer epoch: after a reform across a cut the reformed part's view
// may be the shorter history, but its epoch fences the other part.
func (m *Machine) outOf(v protocol.View) bool {
	return v.Version > m.committedSeq() || v.Epoch > m.epoch || !hasMember(m.committedConfig(), m.self.ID)
}

// seeks says whether this node, without a leader, looks for one it hears
// of in epoch: one at least as new as its term. While it elects, only a
// newer leader than the one it lost counts: a heartbeat from the old one
// may still be under way.
func (m *Machine) seeks(epoch uint64) bool {
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
	if m.leaveSent() || (m.state == Leaving && len(m.sq.outbox) == 0) {
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
	if m.leaveSent() || (m.state == Leaving && len(m.sq.outbox) == 0) {
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
		m.emit(LeaveDone{Err: "dropped from the ring with " + strconv.Itoa(len(m.sq.outbox)) + " messages not sequenced; joining again"})
		m.lv.waiting = false
	}
	m.seekLeader(leader)
}

// hint answers ring traffic from a node that is not in this node's view with
// the view, so that a node the ring dropped finds out (onViewHint). Only a
// node that follows a leader answers: the hint names it.
func (m *Machine) hint(from string, msg protocol.Message) {
	switch msg.(type) {
	case protocol.Heartbeat, protocol.Election, protocol.Elected, protocol.Submit, protocol.Ack,
		protocol.Deliver, protocol.CatchUpRequest, protocol.CatchUpReply:
	default:
		return
	}
	if m.leader.ID == "" || (m.state != Member && m.state != Leaving) || len(m.view.Members) == 0 || m.inRing(from) {
		return
	}
	if hb, ok := msg.(protocol.Heartbeat); ok && hb.From != nil && hb.From.ID == from {
		if _, known := m.known[from]; known && m.answered[from] != m.tick {
			m.answered[from] = m.tick
			m.send(*hb.From, m.hintView()) // at the address it names: it may have moved
			return
		}
	}
	if p, ok := m.known[from]; ok {
		m.send(p, m.hintView())
		return
	}
	// A node this one never heard of: it was admitted by a leader that died
	// before its view reached here. Its heartbeat says where it is. At most
	// maxStrangers of them are answered between two views (which forget
	// them), so made-up senders cannot grow the answered map.
	at, answered := m.answered[from]
	if hb, ok := msg.(protocol.Heartbeat); ok && hb.From != nil && hb.From.ID == from && (!answered || at != m.tick) &&
		len(m.answered) < len(m.view.Members)+maxStrangers {
		m.answered[from] = m.tick
		m.send(*hb.From, m.hintView())
	}
}

// maxStrangers bounds the unknown senders a member answers between views.
const maxStrangers = 64

func (m *Machine) detach() {
	m.setState(Detached)
	m.leader = protocol.NodeInfo{}
	m.el.participant = false
	m.el.wonEpoch = 0
	m.el.deferred = nil
	m.lastHeard = map[string]uint64{}
	m.watched = nil
	m.sq.catchUpAt = 0
	m.q.match = map[string]uint64{}
	m.q.changes = nil
	m.gone = map[string]string{}
	m.answered = map[string]uint64{}
	m.lv = leaving{}
}
