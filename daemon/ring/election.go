package ring

// The election runs Chang–Roberts twice round the ring.
//
//  1. The candidacy (Election) is a pre-vote: a node forwards a larger key,
//     replaces a smaller one with its own if it has not yet taken part, and
//     drops it otherwise; whoever forwards it adds itself to its voters. A
//     node that still hears its leader holds the candidacy back (heldBack)
//     until it loses that leader. The candidacy that comes back to its
//     owner has found the most complete node; with voters that make a
//     majority of its view, the owner goes on. Nothing is stored in this
//     round, so a part of the ring without a majority tries as often as it
//     likes without moving any epoch.
//  2. The announcement (Elected) is the vote: each node it reaches takes
//     the new epoch and its leader, unless it voted otherwise in that epoch
//     or holds more history, and stores that vote (Saved) before passing it
//     on. Back at the leader, the members it collected must again be a
//     majority of its view.
//
// Keys compare history first (epoch, then last sequence number), then the
// node id: Raft's up-to-date check, so the leader holds every committed
// entry.

import (
	"github.com/ringchat/ring/protocol"
)

// election is where this node stands in the election rounds.
type election struct {
	round         uint64             // epoch of the newest round seen (rounds count up in memory)
	takesPart     bool               // it stood or voted in the candidacy round of round
	startedAt     uint64             // tick the round (or the wait in no-quorum) began
	awaitsVotesIn uint64             // epoch this node won the pre-vote for and awaits its Elected back
	lastSent      protocol.Message   // the last Election or Elected sent to the next node
	lastSentTo    string             // ... and that node's id
	heldBack      *protocol.Election // a candidacy that came while it heard its leader
	// bypass holds the members this node's own rounds go round: each one
	// that handed a candidacy of it back having skipped members this node
	// hears (candidacyBack), since its last round that came back short
	// with none skipped. Empty once it has a leader.
	bypass []string
	reform *protocol.NodeInfo // the reform this node's operator asked for (reform.go)
	// noQuorumSince is the tick the node last entered no-quorum from having
	// a leader (or a restart), 0 while it has one (reform.go).
	noQuorumSince uint64
}

// candidateKey is this node's candidacy: how complete its history is, then
// its id.
func (m *Machine) candidateKey() protocol.CandidateKey {
	return protocol.CandidateKey{Epoch: m.log.LastEpoch(), LastSeq: m.log.LastSeq(), NodeID: m.self.ID}
}

// asComplete: a history of key k holds at least what one of key o holds
// (Raft's up-to-date rule).
func asComplete(k, o protocol.CandidateKey) bool {
	return k.Epoch > o.Epoch || (k.Epoch == o.Epoch && k.LastSeq >= o.LastSeq)
}

// hasLiveLeader: this node leads, or it heard its leader within a failure
// timeout. It then holds candidacies back: a member cut off from the leader
// must not depose it.
func (m *Machine) hasLiveLeader() bool {
	if m.IsLeader() {
		return true
	}
	if m.leader.ID == "" || (m.state != Member && m.state != Leaving) {
		return false
	}
	at, ok := m.live.lastHeard[m.leader.ID]
	return ok && m.tick-at <= uint64(m.cfg.FailureTicks)
}

// startElection begins a round for an epoch above every one this node has
// voted in and every round it has seen, so it supersedes any still in flight.
func (m *Machine) startElection(why string) {
	// A reform is one round: if it fails, the ring waits for a majority
	// again until the operator asks anew.
	reform := m.election.reform
	m.election.reform = nil
	if m.leaveSent() || m.outOfView() {
		return // it votes in the others' election, or has no part in it
	}
	e := max(m.term, m.election.round) + 1
	m.enterElection(e)
	m.election.takesPart = true
	m.emit(ElectionStarted{Epoch: e, Why: why})
	m.forwardElection(protocol.Election{Candidate: m.candidateKey(), Epoch: e, Reform: reform})
}

func (m *Machine) enterElection(epoch uint64) {
	m.election.round = epoch
	m.election.takesPart = false
	m.election.awaitsVotesIn = 0
	m.election.startedAt = m.tick
	if m.leader.ID != "" {
		m.leader = protocol.NodeInfo{}
	}
	if m.state != Leaving && m.state != Electing {
		m.setState(Electing)
		m.watch()
	}
}

// loseLeader: this node's leader died, left or stepped down. A candidacy
// it held back while it heard the leader goes on now; otherwise it stands.
func (m *Machine) loseLeader(why string) {
	d := m.election.heldBack
	m.election.heldBack = nil
	if m.leaveSent() { // it does not stand; it votes, and waits for the next leader
		m.leader = protocol.NodeInfo{}
		m.election.startedAt = m.tick
		m.watch()
		return
	}
	if d != nil && d.Epoch > m.term && d.Epoch >= m.election.round {
		m.enterElection(d.Epoch)
		m.handleElection(*d, "")
		if m.election.takesPart {
			return
		}
	}
	m.startElection(why)
}

// electionTick restarts an election that did not finish in time, or waits
// in no-quorum while too few members answer.
func (m *Machine) electionTick() {
	reach := m.hearsQuorum()
	switch {
	case m.state == NoQuorum:
		if reach && m.tick-m.election.startedAt > uint64(m.cfg.FailureTicks) {
			m.startElection("a majority of the view is reachable")
		}
	case m.tick-m.election.startedAt > uint64(m.cfg.ElectionTicks):
		if reach || m.state == Leaving {
			m.startElection("the election did not finish in time")
			return
		}
		m.setState(NoQuorum)
		m.election.startedAt = m.tick
	}
}

// resendElection re-sends the last election message this node passed on
// when the node it went to is found gone: it may have died holding it, and
// waiting for the election timeout would cost seconds.
func (m *Machine) resendElection(gone string) {
	if m.election.lastSentTo != gone || m.election.lastSent == nil {
		return
	}
	out := m.election.lastSent
	m.election.lastSent, m.election.lastSentTo = nil, ""
	switch e := out.(type) {
	case protocol.Election:
		if m.state == Electing && e.Epoch == m.election.round {
			m.forwardElection(e)
		}
	case protocol.Elected:
		if m.state == Electing && e.NewEpoch >= m.election.round {
			m.forwardElected(e)
		}
	}
}
