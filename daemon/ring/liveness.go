package ring

// Liveness: heartbeats and failure detection.

import (
	"maps"
	"slices"

	"github.com/ringchat/ring/protocol"
)

// liveness is what this node knows of whom it hears.
type liveness struct {
	lastHeard    map[string]uint64 // peer id -> tick
	watched      map[string]bool   // the peers monitored at the last watch
	lastAnswered map[string]uint64 // peer id -> tick this node last answered its heartbeat
	gone         map[string]string // peer id -> why it is out (died, left) until the view drops it
	lastProbe    uint64            // tick of the last probe round (probe.go)
	markProbe    uint64            // tick a follower last probed the members it marks dead (probe.go)
}

// Heard notes that a member's traffic has arrived, though the driver has
// not fed it to the machine yet (it waits behind other input): the member
// is alive. Failure detection counts silence from then.
func (m *Machine) Heard(id string) {
	if m.isMember(id) {
		m.heardFrom(id, 0)
	}
}

// Gone lists the members of the current view that this node found dead or
// saw leave ("died" or "left", by id), which the leader's next view will
// drop.
func (m *Machine) Gone() map[string]string { return maps.Clone(m.live.gone) }

// Watched lists the ids of the peers whose silence this node watches: its
// neighbours and its leader, and for a leader every member. Only their
// heartbeats tell it that they are alive right now.
func (m *Machine) Watched() []string {
	ps := m.monitored()
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

// Reachable is how many members of the configuration this node hears,
// itself included; a member that follows a leader reports the leader's count.
func (m *Machine) Reachable() int {
	if m.state == Member && !m.IsLeader() && m.commit.leaderReach > 0 {
		return int(m.commit.leaderReach)
	}
	switch m.state {
	case Detached, Joining:
		return 0
	}
	return m.heardCount(m.config())
}

// Unreachable lists the members of the view this node does not hear, as
// far as it can tell: a leader and a node without a leader watch every
// member; a member that follows a leader only its neighbours, and lists
// none.
func (m *Machine) Unreachable() []string {
	if !m.IsLeader() && !m.leaderless() {
		return nil
	}
	var out []string
	for _, p := range m.config() {
		if p.ID == m.self.ID {
			continue
		}
		if at, ok := m.live.lastHeard[p.ID]; !ok || m.tick-at > uint64(m.cfg.FailureTicks) {
			out = append(out, p.ID)
		}
	}
	return out
}

// heardCount counts the members of ms heard within a failure timeout,
// this node included.
func (m *Machine) heardCount(ms []protocol.NodeInfo) int {
	n := 0
	for _, p := range ms {
		if p.ID == m.self.ID {
			n++
			continue
		}
		if at, ok := m.live.lastHeard[p.ID]; ok && m.tick-at <= uint64(m.cfg.FailureTicks) {
			n++
		}
	}
	return n
}

// monitored are the peers whose silence this node watches: its neighbours
// and its leader; a leader, and a node without one, every member.
func (m *Machine) monitored() []protocol.NodeInfo {
	var ps []protocol.NodeInfo
	add := func(p protocol.NodeInfo) {
		if p.ID == "" || p.ID == m.self.ID || slices.ContainsFunc(ps, func(q protocol.NodeInfo) bool { return q.ID == p.ID }) {
			return
		}
		if _, out := m.live.gone[p.ID]; out {
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
		hb.Commit = m.commit.point
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

func (m *Machine) onHeartbeat(h protocol.Header, hb protocol.Heartbeat) {
	if m.IsLeader() && h.Epoch == m.epoch && m.isMember(h.From) && hb.Stored > 0 {
		m.noteStored(h.From, hb.Stored)
	}
	// A member that watches this node which this node does not watch back
	// (their views or the gone members they know differ for a moment, or it
	// probes) gets an answer, or it would take this node for dead. At most
	// one a tick: two nodes that both answer must not answer each other for ever.
	// A node without a leader answers any node of its ring that probes it,
	// member or not: views differ while a change is not committed, and
	// each must know whom it reaches to route an election.
	stranger := !m.isMember(h.From) && m.leaderless() && hb.From != nil && hb.From.ID == h.From &&
		len(m.live.lastAnswered) < len(m.view.Members)+maxStrangers
	if _, out := m.live.gone[h.From]; !m.live.watched[h.From] && (!out || m.IsLeader() || m.leaderless()) && m.live.lastAnswered[h.From] != m.tick && (m.isMember(h.From) || stranger) {
		m.live.lastAnswered[h.From] = m.tick
		to := m.peerInfo(h.From, "")
		if hb.From != nil && hb.From.ID == h.From {
			to = *hb.From // where it is now: it may have come back at another address
		}
		m.send(to, m.heartbeatMsg())
	}
	if m.fromLeader(h) {
		if hb.Leader == nil || hb.Leader.ID != m.leader.ID {
			m.loseLeader("the leader stepped down")
			return
		}
		m.commit.leaderReach = hb.Reach
		m.learnCommit(hb.Commit)
		if hb.LastSeq > m.log.LastSeq() {
			m.requestCatchUp()
		}
		return
	}
	switch {
	case hb.Leader == nil || hb.Leader.ID == m.self.ID || !m.leaderless():
	case hb.Leader.ID == h.From && h.Epoch >= m.term && m.isMember(h.From):
		// A leader of this node's epoch or a newer one, itself: this node
		// follows it (as Raft's pre-candidate does).
		v := m.committedView()
		v.Leader, v.Epoch = h.From, h.Epoch
		m.follow(*hb.Leader, v)
	case m.seeksLeaderIn(h.Epoch):
		m.seekLeader(*hb.Leader)
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
		if !m.live.watched[p.ID] {
			m.live.lastHeard[p.ID] = m.tick
		}
	}
	m.live.watched = now
}

func (m *Machine) detectFailures() {
	m.watch() // neighbours change without a view too (a leave, an election)
	for _, p := range m.monitored() {
		last := m.live.lastHeard[p.ID]
		if m.tick-last > uint64(m.cfg.FailureTicks) {
			m.peerGone(p.ID, "died")
		}
	}
}

// heardFrom notes that a member is alive; epoch is that of its message (0
// if not known: Heard). A node without a leader routes through it again; a
// leader takes back one it found dead while its removal has not been
// written yet; a follower one it found dead itself while the newest view
// entry it holds still has it (a leader takes a member that restarted at
// the same address back without a view entry), on a message of its
// leader's epoch or a newer one.
func (m *Machine) heardFrom(id string, epoch uint64) {
	m.live.lastHeard[id] = m.tick
	why, out := m.live.gone[id]
	if !out {
		return
	}
	back := false
	switch {
	case m.leaderless(), why != "died": // without a leader, a refusal or a leave marks it again (Step)
		back = true
	case m.IsLeader():
		back = hasMember(m.config(), id) && m.cancelChange(id)
	case m.follows():
		back = epoch != 0 && epoch >= m.epoch && hasMember(m.config(), id)
	}
	if back {
		delete(m.live.gone, id)
		m.watch()
		m.emit(PeerBack{Peer: m.peerInfo(id, "")})
	}
}

// follows: this node is a member that follows a leader other than itself.
func (m *Machine) follows() bool {
	return (m.state == Member || m.state == Leaving) && m.leader.ID != "" && m.leader.ID != m.self.ID
}

// peerGone handles a member found dead or gone: the ring routes around it at
// once; a leader removes it from the view; a lost leader means an election.
func (m *Machine) peerGone(id, why string) {
	if id == m.self.ID {
		return
	}
	if !m.inRing(id) {
		if why == "left" && m.leaderless() {
			m.live.gone[id] = why // an election routed by a newer view must not wait for it
			m.resendElection(id)
		}
		return
	}
	if old, already := m.live.gone[id]; already && (old == why || why == "died") {
		return
	}
	m.live.gone[id] = why
	if why == "left" {
		delete(m.known, id) // nothing to probe for
	}
	delete(m.live.lastHeard, id)
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
	return !m.quorumOf(func(id string) bool { return m.live.gone[id] != "left" })
}
