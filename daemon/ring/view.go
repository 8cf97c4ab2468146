package ring

import (
	"slices"
	"strconv"

	"github.com/ringchat/ring/protocol"
)

func (m *Machine) indexOf(id string) int {
	return slices.IndexFunc(m.view.Members, func(n protocol.NodeInfo) bool { return n.ID == id })
}

func (m *Machine) isMember(id string) bool { return m.indexOf(id) >= 0 }

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

// monitored are the peers whose silence this node watches: its neighbours,
// its leader, and for a leader every member.
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
	if m.IsLeader() {
		for _, p := range m.view.Members {
			add(p)
		}
		return ps
	}
	add(m.Next())
	add(m.Prev())
	if m.state == Member {
		add(m.leader)
	}
	return ps
}

// heartbeat proves liveness. It carries the sender's last sequence number:
// from the leader it tells members what they miss, from a member it tells the
// leader how far that member got (which a leaving leader needs).
func (m *Machine) heartbeat() {
	hb := protocol.Heartbeat{LastSeq: m.log.LastSeq(), From: &m.self}
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

// peerGone handles a member found dead or gone: the ring routes around it at
// once; a leader publishes a view without it; a lost leader means an election.
func (m *Machine) peerGone(id, why string) {
	if id == m.self.ID || !m.isMember(id) {
		return
	}
	if _, already := m.gone[id]; already {
		return
	}
	m.gone[id] = why
	if why == "left" {
		delete(m.known, id) // nothing to probe for (probeAlone)
	}
	delete(m.lastHeard, id)
	peer := m.view.Members[m.indexOf(id)]
	m.emit(PeerGone{Peer: peer, Why: why})
	m.resendElection(id)
	switch {
	case m.IsLeader():
		m.removeMember(peer, why)
	case id == m.leader.ID && m.leaveSent():
		// Its neighbours know it is leaving; there is no leader left to
		// confirm it, and a node on its way out has no part in electing one.
		m.detach()
		m.leftRing()
		return
	case id == m.leader.ID && (m.state == Member || m.state == Leaving):
		m.startElection("the leader " + why)
	}
	m.watch()
}

// installView adopts a view published by the leader.
func (m *Machine) installView(v protocol.View) {
	m.view = v
	m.home = homeRing{id: v.RingID, members: slices.Clone(v.Members), epoch: v.Epoch, leader: v.Leader}
	for _, p := range v.Members {
		m.known[p.ID] = p
	}
	for id := range m.gone {
		if !m.isMember(id) {
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
	m.emit(ViewChanged{View: cloneView(v)})
	m.watch()
}

func cloneView(v protocol.View) protocol.View {
	v.Members = slices.Clone(v.Members)
	return v
}

// publishView is the leader's: install v and send it to every member.
func (m *Machine) publishView(members []protocol.NodeInfo) {
	v := protocol.View{
		Version: m.view.Version + 1,
		Epoch:   m.epoch,
		Leader:  m.self.ID,
		Members: slices.Clone(members),
		RingID:  m.view.RingID,
	}
	m.installView(v)
	for _, p := range v.Members {
		if p.ID != m.self.ID {
			m.send(p, cloneView(v))
		}
	}
}

// removeMember is the leader's: drop a dead or departed member from the view.
func (m *Machine) removeMember(peer protocol.NodeInfo, why string) {
	members := slices.DeleteFunc(slices.Clone(m.view.Members), func(n protocol.NodeInfo) bool { return n.ID == peer.ID })
	m.publishView(members)
	if why == "left" {
		m.send(peer, cloneView(m.view)) // completes its leave
	}
	m.sequencePresence(why, peer, displayName(peer)+" "+why)
}

func displayName(n protocol.NodeInfo) string {
	if n.Name != "" {
		return n.Name + "(" + n.Addr + ")"
	}
	return n.ID + "(" + n.Addr + ")"
}

func (m *Machine) onView(h protocol.Header, v protocol.View) {
	if v.RingID != m.view.RingID {
		return // another ring's
	}
	for _, p := range v.Members {
		m.known[p.ID] = p // even from a view not taken: see hint
	}
	if h.From != v.Leader || m.yieldsTo(v) {
		m.onViewHint(v)
		return
	}
	if v.Epoch < m.epoch || (v.Epoch == m.epoch && v.Version <= m.view.Version) {
		return // fenced: an older leader, or a view we already have
	}
	if !slices.ContainsFunc(v.Members, func(n protocol.NodeInfo) bool { return n.ID == m.self.ID }) {
		m.removedFromView(v) // whatever election this node runs: the ring goes on without it
		return
	}
	if m.state == Joining || (m.state == Electing && v.Epoch < m.elEpoch) {
		return // a joiner takes its view from the JoinReply; an election supersedes older views
	}
	newLeader := v.Epoch != m.epoch || m.leader.ID != v.Leader
	m.epoch = v.Epoch
	m.installView(v)
	m.leader = v.Members[m.indexOf(v.Leader)]
	if m.state == Electing || m.state == Joining {
		m.setState(Member)
	}
	if newLeader {
		m.participant = false
		m.emit(LeaderChanged{Leader: m.leader, Epoch: m.epoch})
		if m.catchUpTo != v.Leader {
			m.catchUpAt = 0 // a request to another node will not be answered
		}
		m.verifyLog()
		m.requestCatchUp()
		m.resendOutbox() // held back until the history is verified
		if m.leaveSent() {
			m.send(m.leader, protocol.Leave{Node: m.self}) // the old leader took our leave with it
		}
	}
}

// removedFromView: the leader published a view without this node. If it was
// leaving, that completes the leave; otherwise it was wrongly declared dead
// and rejoins through the leader.
func (m *Machine) removedFromView(v protocol.View) {
	leader := v.Members[slices.IndexFunc(v.Members, func(n protocol.NodeInfo) bool { return n.ID == v.Leader })]
	if m.leaveSent() || (m.state == Leaving && len(m.outbox) == 0) {
		m.detach()
		m.leftRing()
		return
	}
	if m.state == Leaving {
		// Its messages wait for a leader of this ring: it stays to see them
		// sequenced (and may leave again once it is back).
		m.emit(LeaveDone{Err: "dropped from the ring with " + strconv.Itoa(len(m.outbox)) + " messages not sequenced; joining again"})
	}
	// Whoever still follows this node's old view (it may have led it, and
	// admitted someone the ring does not know) learns of the ring the same way.
	for _, p := range m.view.Members {
		if p.ID != m.self.ID && !slices.ContainsFunc(v.Members, func(n protocol.NodeInfo) bool { return n.ID == p.ID }) {
			m.send(p, cloneView(v))
		}
	}
	m.detach() // Join refuses a node that is still a member
	m.rejoin(leader, v.Members)
}

// onViewHint: a member answered this node's traffic with its view, because
// this node is not in it (see Step). If that view is newer than ours and
// leaves this node out, the ring dropped it (it was thought dead, or missed
// an election): it joins again, through that view's leader. A node alone in
// its view yields to any view of its ring that leaves it out: it is what is
// left of a node that was cut off and went on by itself.
func (m *Machine) onViewHint(v protocol.View) {
	switch {
	case m.state != Member && m.state != Electing && m.state != Leaving:
		return
	case slices.ContainsFunc(v.Members, func(n protocol.NodeInfo) bool { return n.ID == m.self.ID }):
		return
	case len(m.view.Members) > 1 && (v.Epoch < m.epoch || (v.Epoch == m.epoch && v.Version <= m.view.Version)):
		return
	case len(m.view.Members) <= 1 && !m.yieldsTo(v):
		return
	}
	m.removedFromView(v)
}

// yieldsTo: this node, alone in its view, joins the ring of v (which leaves
// it out) whatever their epochs: two parts of a ring that lost sight of each
// other number their epochs apart. Of two nodes alone, the smaller id
// yields, so that they do not both join each other.
func (m *Machine) yieldsTo(v protocol.View) bool {
	if len(m.view.Members) > 1 || v.Leader == m.self.ID || (m.state != Member && m.state != Electing) ||
		slices.ContainsFunc(v.Members, func(n protocol.NodeInfo) bool { return n.ID == m.self.ID }) {
		return false
	}
	return len(v.Members) > 1 || m.self.ID < v.Leader
}

// probeAlone: a leader alone in its view, which knew other members of its
// ring, sends them a heartbeat now and then. One that is in a ring answers
// with its view (hint), and the two parts come together again (yieldsTo).
func (m *Machine) probeAlone() {
	if !m.IsLeader() || len(m.view.Members) > 1 || m.tick%uint64(m.cfg.FailureTicks) != 0 {
		return
	}
	ids := make([]string, 0, len(m.known))
	for id := range m.known {
		if id != m.self.ID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids) // the same inputs, the same outputs
	for _, id := range ids {
		m.send(m.known[id], protocol.Heartbeat{LastSeq: m.log.LastSeq(), From: &m.self})
	}
}

// hint answers ring traffic from a node that is not in this node's view with
// the view, so that a node the ring dropped finds out (onViewHint).
func (m *Machine) hint(from string, msg protocol.Message) {
	switch msg.(type) {
	case protocol.Heartbeat, protocol.Election, protocol.Elected, protocol.Submit,
		protocol.Deliver, protocol.CatchUpRequest, protocol.CatchUpReply:
	default:
		return
	}
	if m.state == Joining || m.state == Detached || len(m.view.Members) == 0 || m.isMember(from) {
		return
	}
	if p, ok := m.known[from]; ok {
		m.send(p, cloneView(m.view))
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
		m.send(*hb.From, cloneView(m.view))
	}
}

// maxStrangers bounds the unknown senders a member answers between views.
const maxStrangers = 64

func (m *Machine) detach() {
	m.setState(Detached)
	m.leader = protocol.NodeInfo{}
	m.participant = false
	m.wonEpoch = 0
	m.lastHeard = map[string]uint64{}
	m.watched = nil
	m.catchUpAt = 0
	m.progress = map[string]uint64{}
	m.gone = map[string]string{}
}
