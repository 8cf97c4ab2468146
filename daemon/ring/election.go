package ring

import (
	"slices"
	"strconv"

	"github.com/ringchat/ring/protocol"
)

// The election runs Chang–Roberts twice round the ring.
//
//  1. The candidacy (Election) is a pre-vote: a node forwards a larger key,
//     replaces a smaller one with its own if it has not yet taken part, and
//     drops it otherwise; whoever forwards it adds itself to its voters. A
//     node that still hears its leader holds the candidacy back (deferred)
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

type electionState struct {
	epoch       uint64 // of the newest round seen (rounds count up in memory)
	participant bool
	started     uint64
	wonEpoch    uint64           // epoch this node won the pre-vote for and awaits its Elected back
	out         protocol.Message // the last Election or Elected sent to the next node
	outTo       string           // ... and that node's id
	deferred    *protocol.Election
	reform      *protocol.NodeInfo // the reform this node's operator asked for (reform.go)
	relayUntil  uint64             // a leader that handed over relays election traffic until this tick
	relayTo     protocol.NodeInfo  // ... to its successor
	relayed     map[uint64]string  // epoch -> leader whose announcement passOn relayed
}

// key is this node's candidacy: how complete its history is, then its id.
func (m *Machine) key() protocol.CandidateKey {
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
	at, ok := m.lastHeard[m.leader.ID]
	return ok && m.tick-at <= uint64(m.cfg.FailureTicks)
}

// startElection begins a round for an epoch above every one this node has
// voted in and every round it has seen, so it supersedes any still in flight.
func (m *Machine) startElection(why string) {
	// A reform is one round: if it fails, the ring waits for a majority
	// again until the operator asks anew.
	reform := m.el.reform
	m.el.reform = nil
	if m.leaveSent() || m.outOfView() {
		return // it votes in the others' election, or has no part in it
	}
	e := max(m.term, m.el.epoch) + 1
	m.enterElection(e)
	m.el.participant = true
	m.emit(ElectionStarted{Epoch: e, Why: why})
	m.forwardElection(protocol.Election{Candidate: m.key(), Epoch: e, Reform: reform})
}

func (m *Machine) enterElection(epoch uint64) {
	m.el.epoch = epoch
	m.el.participant = false
	m.el.wonEpoch = 0
	m.el.started = m.tick
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
	d := m.el.deferred
	m.el.deferred = nil
	if m.leaveSent() { // it does not stand; it votes, and waits for the next leader
		m.leader = protocol.NodeInfo{}
		m.el.started = m.tick
		m.watch()
		return
	}
	if d != nil && d.Epoch > m.term && d.Epoch >= m.el.epoch {
		m.enterElection(d.Epoch)
		m.handleElection(*d)
		if m.el.participant {
			return
		}
	}
	m.startElection(why)
}

// electionTick restarts an election that did not finish in time, or waits
// in no-quorum while too few members answer.
func (m *Machine) electionTick() {
	reach := m.hears()
	switch {
	case m.state == NoQuorum:
		if reach && m.tick-m.el.started > uint64(m.cfg.FailureTicks) {
			m.startElection("a majority of the view is reachable")
		}
	case m.tick-m.el.started > uint64(m.cfg.ElectionTicks):
		if reach || m.state == Leaving {
			m.startElection("the election did not finish in time")
			return
		}
		m.setState(NoQuorum)
		m.el.started = m.tick
	}
}

// forwardElection passes an election message to the next live node; alone,
// this node receives its own candidacy at once. Another's candidacy cannot
// come round to its owner through a node that is alone: that node runs for
// itself instead (handing the other back to itself would never end).
func (m *Machine) forwardElection(e protocol.Election) {
	if len(e.Route) == 0 || e.Candidate.NodeID == m.self.ID {
		e.Route = m.liveRoute()
	}
	next := m.nextOn(e.Route)
	if next.ID == m.self.ID {
		if e.Candidate.NodeID != m.self.ID {
			e = protocol.Election{Candidate: m.key(), Epoch: e.Epoch, Reform: e.Reform, Route: m.liveRoute()}
		}
		m.handleElection(e)
		return
	}
	m.el.out, m.el.outTo = e, next.ID
	m.send(next, e)
}

func (m *Machine) onElection(h protocol.Header, e protocol.Election) {
	// A leader that handed over is out of the view its successor may
	// already hold; its handover still counts.
	if !m.inRing(h.From) && m.state != Electing && !e.Handover {
		return
	}
	m.handleElection(e)
}

func (m *Machine) handleElection(e protocol.Election) {
	if e.Reform == nil && !e.Handover && m.hasLiveLeader() {
		// It still hears its leader: it passes the candidacy on without
		// its vote (so that the others, if they are a majority, can still
		// elect: a leader that only they cannot hear), and keeps it for
		// when it loses the leader, to vote for it then.
		m.deferElection(e)
		m.relayElection(e)
		return
	}
	if e.Reform != nil && !m.leaderless() && m.state != Leaving {
		return // a reform is among nodes without a leader
	}
	if e.Epoch <= m.term {
		// A round for an epoch this node has voted in or followed cannot
		// win: it starts one above.
		if !m.el.participant || m.el.epoch <= m.term {
			m.startElection("a candidacy for an epoch already used")
		}
		return
	}
	switch {
	case e.Epoch < m.el.epoch:
		return // superseded
	case e.Epoch > m.el.epoch:
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
			if e.Candidate.Compare(m.key()) > 0 {
				e.Voters = append(slices.Clone(e.Voters), m.self.ID)
			}
			m.forwardElection(e)
		}
		return
	}
	c := e.Candidate.Compare(m.key())
	switch {
	case e.Candidate.NodeID == m.self.ID:
		m.candidacyBack(e)
	case c > 0:
		m.el.participant = true
		e.Hops++
		e.Voters = append(slices.Clone(e.Voters), m.self.ID)
		m.forwardElection(e)
	case !m.el.participant:
		m.el.participant = true
		m.forwardElection(protocol.Election{Candidate: m.key(), Epoch: e.Epoch, Reform: e.Reform})
	}
	// A smaller candidacy reaching a participant is dropped.
}

// liveRoute is the ring as this node routes it, less the members it cannot
// hear: the route its own candidacy and announcement take, and every node
// on the way follows it. A member that one node hears and another does
// not (a cut one way) is left out by the candidate that does not, so that
// the round does not die at it.
func (m *Machine) liveRoute() []protocol.NodeInfo {
	return slices.DeleteFunc(slices.Clone(m.view.Members), func(n protocol.NodeInfo) bool {
		_, out := m.gone[n.ID]
		return out && n.ID != m.self.ID
	})
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
		if _, out := m.gone[p.ID]; !out {
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

// deferElection keeps the newest candidacy that reached this node while it
// had a leader, for when it loses it.
func (m *Machine) deferElection(e protocol.Election) {
	d := m.el.deferred
	if d == nil || e.Epoch > d.Epoch || (e.Epoch == d.Epoch && e.Candidate.Compare(d.Candidate) > 0) {
		m.el.deferred = &e
	}
}

// candidacyBack: this node's candidacy came round. With a majority of
// voters (a handover or a reform needs none) it asks for the votes.
func (m *Machine) candidacyBack(e protocol.Election) {
	voters := append(slices.Clone(e.Voters), m.self.ID)
	if e.Reform == nil && !e.Handover && !m.quorumOf(func(id string) bool { return slices.Contains(voters, id) }) {
		m.electionLost("its candidacy came round with " + strconv.Itoa(len(voters)) + " of " + strconv.Itoa(len(m.config())) + " members")
		return
	}
	m.win(e.Epoch, e.Reform)
}

// electionLost: the round cannot make this node leader; it waits.
func (m *Machine) electionLost(why string) {
	m.el.wonEpoch = 0
	if m.state == Electing && !m.hears() {
		m.setState(NoQuorum)
		m.el.started = m.tick
	}
	m.emit(ElectionLost{Epoch: m.el.epoch, Why: why})
}

// win: this node votes for itself in the new epoch and announces itself;
// it leads once a majority voted for it on the way round.
func (m *Machine) win(epoch uint64, reform *protocol.NodeInfo) {
	if m.el.wonEpoch == epoch {
		return
	}
	m.term, m.vote = epoch, m.self.ID
	m.emit(Voted{Epoch: epoch, Leader: m.self.ID})
	m.el.wonEpoch = epoch
	m.forwardElected(protocol.Elected{Leader: m.self, Key: m.key(), NewEpoch: epoch, Ring: []protocol.NodeInfo{m.self}, Reform: reform})
}

// forwardElected passes the announcement on. A node that is alone takes
// back only its own; another's cannot reach its leader and dies here (the
// election timeout starts a new one).
func (m *Machine) forwardElected(e protocol.Elected) {
	if len(e.Route) == 0 {
		e.Route = m.liveRoute()
	}
	next := m.nextOn(e.Route)
	if next.ID == m.self.ID {
		if e.Leader.ID == m.self.ID {
			m.handleElected(e)
		}
		return
	}
	m.el.out, m.el.outTo = e, next.ID
	m.send(next, e)
}

// resendElection re-sends the last election message this node passed on
// when the node it went to is found gone: it may have died holding it, and
// waiting for the election timeout would cost seconds.
func (m *Machine) resendElection(gone string) {
	if m.el.outTo != gone || m.el.out == nil {
		return
	}
	out := m.el.out
	m.el.out, m.el.outTo = nil, ""
	switch e := out.(type) {
	case protocol.Election:
		if m.state == Electing && e.Epoch == m.el.epoch {
			m.forwardElection(e)
		}
	case protocol.Elected:
		if m.state == Electing && e.NewEpoch >= m.el.epoch {
			m.forwardElected(e)
		}
	}
}

func (m *Machine) onElected(h protocol.Header, e protocol.Elected) {
	m.handleElected(e)
}

func (m *Machine) handleElected(e protocol.Elected) {
	if e.Leader.ID == m.self.ID {
		if m.el.wonEpoch == e.NewEpoch {
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
	if e.NewEpoch > m.el.epoch || m.leader.ID != "" || m.state == Member {
		m.enterElection(e.NewEpoch)
	}
	m.el.participant = false
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
	return asComplete(e.Key, m.key())
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

// adoptOwnHistory: a node elected leads with its history, which may not
// have been checked against the last leader's (verifyLog): the dedup table
// is its history's, and its outbox follows it. Messages of its outbox that
// the history holds wait there to be committed; the others are numbered
// after them, as are those said since a restart (their counters are unsure).
func (m *Machine) adoptOwnHistory() {
	m.sq.seen = m.log.Origins()
	own := m.sq.seen[m.self.ID]
	k := own
	for i := range m.sq.outbox {
		p := &m.sq.outbox[i]
		if p.ring != "" && m.stored(p.entry) {
			continue // in the history already, waiting to be committed
		}
		k++
		if p.entry.OriginCounter != k || p.ring != m.view.RingID {
			p.entry.OriginCounter, p.ring = k, m.view.RingID
			m.sq.outboxGen++
		}
	}
	m.sq.counter = max(m.sq.counter, k)
	m.sq.unsure = false
}

// becomeLeader: a majority voted for this node. It announces itself to the
// view, and its first entry (Raft's no-op) says it leads: once that is
// committed, so is everything before it. Members the vote passed by are
// found dead and removed one at a time.
func (m *Machine) becomeLeader(epoch uint64, ring []protocol.NodeInfo, reform *protocol.NodeInfo) {
	wasLeaving := m.state == Leaving
	m.epoch = epoch
	m.term = max(m.term, epoch)
	m.el.epoch = max(m.el.epoch, epoch)
	m.el.wonEpoch = 0
	m.el.participant = false
	m.el.deferred = nil
	m.leader = m.self
	m.view.Leader, m.view.Epoch = m.self.ID, epoch
	m.home.epoch, m.home.leader = epoch, m.self.ID
	m.setState(Member)
	m.sq.catchUpAt = 0
	m.adoptOwnHistory()
	m.sq.verifySeq, m.sq.verifyAsked = 0, false // its history is the ring's now
	m.q.match = map[string]uint64{}
	m.q.changes = nil
	m.q.commitSent = 0
	m.lv.handingOver, m.lv.before = false, nil
	m.q.epochStart = m.log.LastSeq() + 1
	for _, p := range ring {
		if p.ID != m.self.ID {
			m.lastHeard[p.ID] = m.tick
		}
	}
	m.watch()
	m.emit(LeaderChanged{Leader: m.self, Epoch: epoch})
	hv := m.hintView()
	for _, p := range unionMembers(m.config(), m.committedConfig()) {
		if p.ID != m.self.ID {
			m.send(p, hv)
		}
	}
	m.resendOutbox() // first: its own messages keep their counters
	if reform != nil {
		m.sequenceReform(*reform, ring)
	} else {
		m.sequencePresence(protocol.PresenceLeader, m.self, m.self.Display()+" is the new leader (epoch "+strconv.FormatUint(epoch, 10)+")", nil)
		for _, p := range m.config() {
			if p.ID != m.self.ID && !slices.ContainsFunc(ring, func(r protocol.NodeInfo) bool { return r.ID == p.ID }) {
				why := m.gone[p.ID]
				if why == "" {
					why = "died"
					m.gone[p.ID] = why
				}
				m.queueChange(viewChange{node: p, why: why})
			}
		}
	}
	if wasLeaving {
		// It won while leaving (it held the most history): its own
		// messages are sequenced now, so it hands over once committed.
		m.setState(Leaving)
		m.lv.waiting = true
		m.lv.at = m.tick
		m.checkLeaving()
	}
}

func unionMembers(a, b []protocol.NodeInfo) []protocol.NodeInfo {
	out := slices.Clone(a)
	for _, p := range b {
		if !hasMember(out, p.ID) {
			out = append(out, p)
		}
	}
	return out
}

// leaveSent: this node has told the ring it leaves and waits only for the
// leader's confirmation.
func (m *Machine) leaveSent() bool { return m.state == Leaving && !m.lv.waiting }

// passOn forwards election traffic unchanged for a leader that just handed
// over: it relays what still reaches it (a member that did not yet hear of
// its leave sends it the successor's announcement). Alone, it drops it.
// Each announcement is relayed once, and a candidacy counts the hop, so
// that nothing circles for ever through relays.
func (m *Machine) passOn(msg protocol.Message, next protocol.NodeInfo) {
	switch e := msg.(type) {
	case protocol.Election:
		e.Hops++
		if int(e.Hops) > 2*max(len(m.view.Members), len(m.known))+2 {
			return
		}
		msg = e
	case protocol.Elected:
		if m.el.relayed[e.NewEpoch] == e.Leader.ID {
			return
		}
		m.el.relayed[e.NewEpoch] = e.Leader.ID
		for k := range m.el.relayed {
			if k+8 < e.NewEpoch {
				delete(m.el.relayed, k)
			}
		}
	}
	if next.ID != "" && next.ID != m.self.ID {
		m.send(next, msg)
	}
}
