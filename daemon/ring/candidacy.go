package ring

// The first round of an election (election.go): the candidacy, a pre-vote.

import (
	"slices"
	"strconv"

	"github.com/ringchat/ring/protocol"
)

// forwardElection passes an election message to the next live node; alone,
// this node receives its own candidacy at once. Another's candidacy cannot
// come round to its owner through a node that is alone: that node runs for
// itself instead (handing the other back to itself would never end).
func (m *Machine) forwardElection(e protocol.Election) {
	if len(e.Route) == 0 || e.Candidate.NodeID == m.self.ID {
		e.Route = m.roundRoute(e.Reform != nil)
	}
	next := m.nextOn(e.Route)
	if next.ID == m.self.ID {
		if e.Candidate.NodeID != m.self.ID {
			e = protocol.Election{Candidate: m.candidateKey(), Epoch: e.Epoch, Reform: e.Reform, Route: m.roundRoute(e.Reform != nil)}
		}
		m.handleElection(e, m.self.ID)
		return
	}
	m.election.lastSent, m.election.lastSentTo = e, next.ID
	m.send(next, e)
}

func (m *Machine) onElection(h protocol.Header, e protocol.Election) {
	// A leader that handed over is out of the view its successor may
	// already hold; its handover still counts.
	if !m.inRing(h.From) && m.state != Electing && !e.Handover {
		return
	}
	m.handleElection(e, h.From)
}

// handleElection takes a candidacy that from passed on ("" for one held
// back, this node's id for its own when it is alone).
func (m *Machine) handleElection(e protocol.Election, from string) {
	if e.Reform == nil && !e.Handover && m.hasLiveLeader() {
		// It still hears its leader: it passes the candidacy on without
		// its vote (so that the others, if they are a majority, can still
		// elect: a leader that only they cannot hear), and keeps it for
		// when it loses the leader, to vote for it then.
		m.holdBackCandidacy(e)
		m.relayElection(e)
		return
	}
	if e.Reform != nil && !m.leaderless() && m.state != Leaving {
		return // a reform is among nodes without a leader
	}
	if e.Epoch <= m.term {
		// A round for an epoch this node has voted in or followed cannot
		// win: it starts one above.
		if !m.election.takesPart || m.election.round <= m.term {
			m.startElection("a candidacy for an epoch already used")
		}
		return
	}
	switch {
	case e.Epoch < m.election.round:
		return // superseded
	case e.Epoch > m.election.round:
		m.enterElection(e.Epoch)
	}
	if int(e.Hops) > 2*max(len(m.view.Members), len(e.Route))+2 {
		return // its candidate is gone; the election timeout starts a new one
	}
	if m.leaveSent() || m.outOfView() {
		// A node that has said goodbye is never a candidate, but it is a
		// member until the view without it is committed, so it votes: it
		// passes every candidacy on, adding itself to the voters of one at
		// least as complete as itself. (One still waiting to leave stands
		// like any member: if it holds the most history it wins, and hands
		// over at once, see becomeLeader.) One that knows its removal
		// committed does the same: to a candidate that has not committed
		// it yet it is still a member, and it must not swallow candidacies
		// it cannot win itself.
		if e.Candidate.NodeID != m.self.ID {
			e.Hops++
			if e.Candidate.Compare(m.candidateKey()) > 0 {
				e.Voters = append(slices.Clone(e.Voters), m.self.ID)
			}
			m.forwardElection(e)
		}
		return
	}
	c := e.Candidate.Compare(m.candidateKey())
	switch {
	case e.Candidate.NodeID == m.self.ID:
		m.candidacyBack(e, from)
	case c > 0:
		m.election.takesPart = true
		e.Hops++
		e.Voters = append(slices.Clone(e.Voters), m.self.ID)
		m.forwardElection(e)
	case !m.election.takesPart:
		m.election.takesPart = true
		m.forwardElection(protocol.Election{Candidate: m.candidateKey(), Epoch: e.Epoch, Reform: e.Reform})
	}
	// A smaller candidacy reaching a node that takes part is dropped.
}

// liveRoute is the ring as this node routes it, less the members it cannot
// hear: the route its own candidacy and announcement take, and every node
// on the way follows it. A member that one node hears and another does
// not (a cut one way) is left out by the candidate that does not, so that
// the round does not die at it.
func (m *Machine) liveRoute() []protocol.NodeInfo {
	return slices.DeleteFunc(slices.Clone(m.view.Members), func(n protocol.NodeInfo) bool {
		_, out := m.live.gone[n.ID]
		return out && n.ID != m.self.ID
	})
}

// roundRoute is the route of this node's own candidacy and announcement:
// liveRoute, less the members its candidacies came back from short, having
// skipped members this node hears (election.bypass). A node cut off from
// all but this one hands every candidacy straight back, so a round through
// it never reaches the others; with two such members the rounds would go
// round each in turn and die at the other. A reform goes to every member
// it reaches: its new view is exactly those that vote.
func (m *Machine) roundRoute(reform bool) []protocol.NodeInfo {
	r := m.liveRoute()
	if reform || len(m.election.bypass) == 0 {
		return r
	}
	return slices.DeleteFunc(r, func(n protocol.NodeInfo) bool { return slices.Contains(m.election.bypass, n.ID) })
}

// skippedOnWay says whether a candidacy of this node that from handed back
// missed members of its route: the member before this node on the route
// would have handed it back otherwise.
func (m *Machine) skippedOnWay(e protocol.Election, from string) bool {
	i := slices.IndexFunc(e.Route, func(n protocol.NodeInfo) bool { return n.ID == m.self.ID })
	if i < 0 || len(e.Route) < 3 || from == "" || from == m.self.ID {
		return false
	}
	return e.Route[(i+len(e.Route)-1)%len(e.Route)].ID != from
}

// nextOn is the next member after this node on route that it does not
// know to be gone; its own view's next if it is not on route.
func (m *Machine) nextOn(route []protocol.NodeInfo) protocol.NodeInfo {
	i := slices.IndexFunc(route, func(n protocol.NodeInfo) bool { return n.ID == m.self.ID })
	if i < 0 {
		return m.Next()
	}
	for k := 1; k < len(route); k++ {
		p := route[(i+k)%len(route)]
		if _, out := m.live.gone[p.ID]; !out {
			return p
		}
	}
	return m.self
}

// relayElection passes a candidacy on unchanged but for the hop, without
// taking part in its round.
func (m *Machine) relayElection(e protocol.Election) {
	if e.Candidate.NodeID == m.self.ID || int(e.Hops) > 2*max(len(m.view.Members), len(e.Route))+2 {
		return
	}
	e.Hops++
	if len(e.Route) == 0 {
		e.Route = m.liveRoute()
	}
	if next := m.nextOn(e.Route); next.ID != m.self.ID {
		m.send(next, e)
	}
}

// holdBackCandidacy keeps the newest candidacy that reached this node while
// it had a leader, for when it loses it.
func (m *Machine) holdBackCandidacy(e protocol.Election) {
	d := m.election.heldBack
	if d == nil || e.Epoch > d.Epoch || (e.Epoch == d.Epoch && e.Candidate.Compare(d.Candidate) > 0) {
		m.election.heldBack = &e
	}
}

// candidacyBack: this node's candidacy came round. With a majority of
// voters (a handover or a reform needs none) it asks for the votes.
func (m *Machine) candidacyBack(e protocol.Election, from string) {
	voters := append(slices.Clone(e.Voters), m.self.ID)
	if e.Reform == nil && !e.Handover && !m.quorumOf(func(id string) bool { return slices.Contains(voters, id) }) {
		switch {
		case !m.skippedOnWay(e, from):
			m.election.bypass = nil // short for want of votes, not for a dead end
		case !slices.Contains(m.election.bypass, from):
			m.election.bypass = append(m.election.bypass, from) // the next round goes round it too
		}
		m.electionLost("its candidacy came round with " + strconv.Itoa(len(voters)) + " of " + strconv.Itoa(len(m.config())) + " members")
		return
	}
	m.askForVotes(e.Epoch, e.Reform)
}

// electionLost: the round cannot make this node leader; it waits.
func (m *Machine) electionLost(why string) {
	m.election.awaitsVotesIn = 0
	if m.state == Electing && !m.hearsQuorum() {
		m.setState(NoQuorum)
		m.election.startedAt = m.tick
	}
	m.emit(ElectionLost{Epoch: m.election.round, Why: why})
}
