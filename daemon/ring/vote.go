package ring

// The second round of an election (election.go): the announcement
// (Elected), which is the vote.

import (
	"slices"
	"strconv"

	"github.com/ringchat/ring/protocol"
)

// askForVotes: this node votes for itself in the new epoch and announces
// itself; it leads once a majority voted for it on the way round.
func (m *Machine) askForVotes(epoch uint64, reform *protocol.NodeInfo) {
	if m.election.awaitsVotesIn == epoch {
		return
	}
	m.term, m.vote = epoch, m.self.ID
	m.emit(Voted{Epoch: epoch, Leader: m.self.ID})
	m.election.awaitsVotesIn = epoch
	m.forwardElected(protocol.Elected{Leader: m.self, Key: m.candidateKey(), NewEpoch: epoch, Ring: []protocol.NodeInfo{m.self}, Reform: reform})
}

// forwardElected passes the announcement on. A node that is alone takes
// back only its own; another's cannot reach its leader and dies here (the
// election timeout starts a new one).
func (m *Machine) forwardElected(e protocol.Elected) {
	if len(e.Route) == 0 {
		e.Route = m.roundRoute(e.Reform != nil)
	}
	next := m.nextOn(e.Route)
	if next.ID == m.self.ID {
		if e.Leader.ID == m.self.ID {
			m.handleElected(e)
		}
		return
	}
	m.election.lastSent, m.election.lastSentTo = e, next.ID
	m.send(next, e)
}

func (m *Machine) onElected(h protocol.Header, e protocol.Elected) {
	m.handleElected(e)
}

func (m *Machine) handleElected(e protocol.Elected) {
	if e.Leader.ID == m.self.ID {
		if m.election.awaitsVotesIn == e.NewEpoch {
			m.electedBack(e)
		}
		return
	}
	if !m.mayVote(e) {
		return
	}
	if slices.ContainsFunc(e.Ring, func(n protocol.NodeInfo) bool { return n.ID == m.self.ID }) {
		return // it came round again without reaching its leader: it would circle for ever
	}
	// The vote: the driver stores it before the announcement goes on.
	m.term, m.vote = e.NewEpoch, e.Leader.ID
	m.emit(Voted{Epoch: e.NewEpoch, Leader: e.Leader.ID})
	if e.NewEpoch > m.election.round || m.leader.ID != "" || m.state == Member {
		m.enterElection(e.NewEpoch)
	}
	m.election.takesPart = false
	e.Ring = append(slices.Clone(e.Ring), m.self)
	m.forwardElected(e)
}

// mayVote: this node votes for e's leader in e's epoch unless it voted or
// followed otherwise in that epoch or later, or holds more history. A
// reform is voted for only by nodes without a leader.
func (m *Machine) mayVote(e protocol.Elected) bool {
	if e.NewEpoch < m.term {
		return false
	}
	if e.NewEpoch == m.term && ((m.vote != "" && m.vote != e.Leader.ID) || (m.leader.ID != "" && m.leader.ID != e.Leader.ID)) {
		return false
	}
	if e.Reform != nil {
		return m.leaderless() || m.state == Leaving
	}
	return asComplete(e.Key, m.candidateKey())
}

// electedBack: the announcement came round. A majority of the view voted
// for this node, or it did not win.
func (m *Machine) electedBack(e protocol.Elected) {
	if e.Reform == nil && !m.quorumOf(func(id string) bool {
		return slices.ContainsFunc(e.Ring, func(n protocol.NodeInfo) bool { return n.ID == id })
	}) {
		m.electionLost("its announcement came round with " + strconv.Itoa(len(e.Ring)) + " votes")
		return
	}
	m.becomeLeader(e.NewEpoch, e.Ring, e.Reform)
}
