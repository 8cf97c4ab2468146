package ring

import (
	"slices"
	"strconv"

	"github.com/ringchat/ring/protocol"
)

type joining struct {
	via     protocol.NodeInfo
	at      uint64
	from    string // ring id this node was in when it asked to join
	refound bool   // the join gave up a one-node ring: found it again if the join fails
	// seeking: the node asks its own ring's leader to take it (back): it
	// has no leader (no-quorum, a restart) or the ring removed it. It keeps
	// its history, view and vote; a failure takes it back to no-quorum.
	seeking bool
}

type leaving struct {
	at          uint64
	waiting     bool // it waits for its messages to be committed before it says goodbye
	handingOver bool // a leaving leader: its own removal is queued; it sequences nothing more
	// A leaving leader whose removal is committed: the view before it, in
	// which it picks its successor, and since when it waits for that one.
	before   []protocol.NodeInfo
	beforeAt uint64
}

// viewChange is a membership change the leader will write, one at a time.
type viewChange struct {
	node protocol.NodeInfo
	via  protocol.NodeInfo // an admission: placed after this member
	why  string            // a removal: "died" or "left"; "" for an admission
}

// Found starts a new one-node ring led by this node, with a history of
// its own: what the node held of another ring stays with that ring (a
// node that joins this one must not see it, nor take its messages for
// this ring's).
func (m *Machine) Found() {
	defer m.flush()
	if m.state != Detached {
		return
	}
	if m.log.LastSeq() > 0 {
		_ = m.log.Reset()
		m.sq.seen = map[string]uint64{}
		m.q.commit, m.q.tail, m.q.configs = 0, nil, nil
	}
	m.found(m.self.ID + "-" + strconv.FormatInt(m.cfg.Now(), 36))
}

// found makes this node the leader of a new ring id, alone. What it held
// uncommitted of its last ring goes: no majority ever stored it.
func (m *Machine) found(id string) {
	if m.log.LastSeq() > m.q.commit {
		m.truncate(m.q.commit)
	}
	m.left = false
	m.epoch = max(m.epoch, m.el.epoch, m.term, m.log.LastEpoch(), m.home.epoch) + 1
	m.term, m.vote = m.epoch, m.self.ID
	m.el.epoch = m.epoch
	m.leader = m.self
	m.view = protocol.View{RingID: id, Leader: m.self.ID, Epoch: m.epoch}
	me := []protocol.NodeInfo{m.self}
	m.q.configs = []configRec{{members: me}}
	m.q.tail = nil
	m.q.match = map[string]uint64{}
	m.q.changes = nil
	m.q.lost = map[string]protocol.NodeInfo{}
	m.q.epochStart = m.log.LastSeq() + 1
	m.setState(Member)
	m.setTopology(0, me)
	m.emit(LeaderChanged{Leader: m.self, Epoch: m.epoch})
	// The founding entry comes first (it holds the view); what this node
	// has queued follows it, numbered after it in the new ring.
	m.sq.seen = m.log.Origins()
	m.sq.counter = m.sq.seen[m.self.ID]
	for i := range m.sq.outbox {
		m.sq.outbox[i].ring = id // numbered in this ring from now on (closeCounterGap)
	}
	m.sq.unsure = false
	m.sequencePresence(protocol.PresenceJoined, m.self, m.self.Display()+" started a new ring", me)
	m.resendOutbox()
}

// Join asks the member at via (an address, the id may be unknown) to admit
// this node. A node alone in its ring gives that ring up. JoinDone reports
// the outcome.
func (m *Machine) Join(via protocol.NodeInfo) {
	defer m.flush()
	switch {
	case m.state == Joining:
		m.emit(JoinDone{Err: "already joining through " + m.jn.via.Addr})
		return
	case m.state == Leaving, m.leaderless(), m.state == Member && len(m.view.Members) > 1:
		m.emit(JoinDone{Err: "already in a ring of " + strconv.Itoa(len(m.view.Members)) + " members; leave it first"})
		return
	}
	m.jn.refound = m.state == Member // alone in its ring (checked above)
	m.left = false
	m.detach()
	if m.view.RingID != "" {
		// The ring whose history the log holds. A join that follows a
		// failed one (the view is empty then) is still from that ring.
		m.jn.from = m.view.RingID
	}
	m.view = protocol.View{}
	m.epoch, m.el.epoch = 0, 0
	m.jn.seeking = false
	m.setState(Joining)
	m.jn.via = via
	m.jn.at = m.tick
	m.send(via, protocol.JoinRequest{Node: m.self})
}

// seekLeader asks l, the leader of this node's ring as far as it knows, to
// take it (back) in; see joining.seeking.
func (m *Machine) seekLeader(l protocol.NodeInfo) {
	if m.state == Joining || m.state == Detached || l.ID == m.self.ID || l.Addr == "" {
		return
	}
	if m.state == Leaving {
		m.lv.waiting = false
	}
	m.leader = protocol.NodeInfo{}
	m.jn.seeking = true
	m.jn.via = l
	m.jn.at = m.tick
	m.setState(Joining)
	m.send(l, protocol.JoinRequest{Node: m.self})
}

func (m *Machine) onJoinRequest(h protocol.Header, r protocol.JoinRequest) {
	joiner := r.Node
	if r.Node.ID != h.From && r.Via.ID != h.From {
		return
	}
	switch {
	case m.IsLeader() && (m.lv.before != nil || (m.lv.handingOver && !hasMember(m.committedConfig(), joiner.ID) && !hasMember(m.config(), joiner.ID))):
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
	delete(m.gone, joiner.ID)
	delete(m.q.match, joiner.ID) // it may come back with another history
	delete(m.q.lost, joiner.ID)
	m.lastHeard[joiner.ID] = m.tick
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
	m.send(joiner, protocol.JoinReply{OK: true, Leader: m.self, View: v, Counter: m.sq.seen[joiner.ID]})
}

// queueChange queues a membership change; one already queued for the same
// node is not queued twice (a removal becomes a leave if it was one).
func (m *Machine) queueChange(c viewChange) {
	for i, old := range m.q.changes {
		if old.node.ID == c.node.ID && (old.why == "") == (c.why == "") {
			if c.why == "left" {
				m.q.changes[i].why = "left"
			}
			if c.why == "" {
				m.q.changes[i].node = c.node // the address it asks from now
			}
			return
		}
	}
	m.q.changes = append(m.q.changes, c)
}

func (m *Machine) selfRemovalQueued() bool {
	return slices.ContainsFunc(m.q.changes, func(c viewChange) bool { return c.node.ID == m.self.ID && c.why != "" })
}

// cancelChange drops a queued removal of id and reports whether there was one.
func (m *Machine) cancelChange(id string) bool {
	n := len(m.q.changes)
	m.q.changes = slices.DeleteFunc(m.q.changes, func(c viewChange) bool { return c.node.ID == id && c.why != "" })
	return len(m.q.changes) < n
}

// applyChange is the leader's: it writes the next membership change as a
// view entry once the last one is committed and its own epoch has a
// committed entry (so that no two views in play can have disjoint
// majorities). It reports whether it wrote one.
func (m *Machine) applyChange() bool {
	if !m.IsLeader() || m.viewPending() || m.q.commit < m.q.epochStart {
		return false
	}
	for len(m.q.changes) > 0 {
		c := m.q.changes[0]
		m.q.changes = m.q.changes[1:]
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
			m.q.changes = slices.Insert(m.q.changes, 0, c)
			return false
		}
		if c.why == "" {
			m.lastHeard[c.node.ID] = m.tick
			m.sendJoinReply(c.node)
			m.watch()
		}
		return true
	}
	return false
}

func (m *Machine) onJoinReply(h protocol.Header, r protocol.JoinReply) {
	if m.state != Joining {
		return
	}
	if !r.OK {
		m.joinFailed(r.Error)
		return
	}
	ring := m.jn.from
	if m.jn.seeking {
		ring = m.view.RingID
	}
	if r.View.RingID != ring {
		if m.jn.seeking {
			m.joinFailed(r.Leader.Addr + " leads another ring")
			return
		}
		m.known = map[string]protocol.NodeInfo{}
		if m.log.LastSeq() > 0 {
			_ = m.log.Reset() // another ring: its history replaces ours
			m.sq.seen = map[string]uint64{}
		}
		m.q.commit, m.q.tail, m.q.configs = 0, nil, nil
		m.term, m.vote = 0, ""
		m.q.lost = map[string]protocol.NodeInfo{}
	}
	// The ring has sequenced r.Counter messages of this node (as its leader
	// knows), and this node's own history holds its messages up to own.
	// Those of the outbox that its history holds wait to be committed; those
	// numbered between own and r.Counter in this ring the ring may have
	// taken, and they arrive by catch-up; the others (typed while detached
	// or joining, numbered by another ring, or cut from a history that
	// diverged) follow, in order. Should the ring's entry at a counter turn
	// out to be another message, the outbox is numbered again then
	// (delivered).
	own := m.log.Origins()[m.self.ID]
	k := max(r.Counter, own)
	for i := range m.sq.outbox {
		p := &m.sq.outbox[i]
		if p.ring == r.View.RingID && (m.stored(p.entry) || (p.entry.OriginCounter > own && p.entry.OriginCounter <= r.Counter)) {
			continue
		}
		k++
		if p.entry.OriginCounter != k || p.ring != r.View.RingID {
			p.entry.OriginCounter = k
			p.ring = r.View.RingID
			m.sq.outboxGen++
		}
	}
	m.sq.counter = max(k, own)
	m.sq.seen[m.self.ID] = max(r.Counter, own)
	if r.View.Epoch > m.term {
		m.term, m.vote = r.View.Epoch, ""
	}
	m.epoch = r.View.Epoch
	m.el.epoch = max(m.el.epoch, m.epoch)
	m.el.deferred = nil
	m.leader = r.Leader
	// What it found gone while it was out (a restarted node dials the
	// members' old addresses) is stale: the leader's view says who is in,
	// and where; its own failure detector starts afresh.
	m.gone = map[string]string{}
	m.view.RingID, m.view.Leader, m.view.Epoch = r.View.RingID, r.View.Leader, r.View.Epoch
	if len(m.q.configs) == 0 {
		m.loadConfigs(r.View.Members)
	}
	m.setTopology(r.View.Version, r.View.Members)
	m.setState(Member)
	m.emit(LeaderChanged{Leader: m.leader, Epoch: m.epoch})
	m.emit(JoinDone{})
	m.jn.seeking = false
	m.sq.unsure = false
	m.sq.catchUpAt = 0
	m.verifyLog()
	m.requestCatchUp()
	// The neighbours learn of this node from the leader's view entry;
	// should the leader die before that reaches them, they would not know
	// whom they hear from. This copy tells them where this node is, so that
	// they can answer it (hint) if the ring goes on without it.
	for _, p := range []protocol.NodeInfo{m.Next(), m.Prev()} {
		if p.ID != m.self.ID {
			m.send(p, m.hintView())
		}
	}
}

// joinFailed ends a join that did not work out. A node that looked for its
// own ring's leader waits in no-quorum again; one that gave up its one-node
// ring for the join founds one again rather than stay detached.
func (m *Machine) joinFailed(why string) {
	if m.jn.seeking {
		m.jn.seeking = false
		m.setState(NoQuorum)
		m.el.started = m.tick
		m.watch()
		return
	}
	m.setState(Detached)
	m.emit(JoinDone{Err: why})
	if m.jn.refound { // the same ring again, with its history
		m.jn.refound = false
		m.found(m.jn.from)
		m.flush()
	}
}

// refuseJoin answers a join request while this node is in no ring.
func (m *Machine) refuseJoin(from string, r protocol.JoinRequest, why string) {
	if r.Node.ID != from || r.Node.Addr == "" {
		return
	}
	m.send(r.Node, protocol.JoinReply{Error: why, View: protocol.View{RingID: m.home.id}})
}

// Leave leaves the ring gracefully once every message of this node is
// committed. A leader hands over: the others elect a new one.
func (m *Machine) Leave() {
	defer m.flush()
	switch m.state {
	case Detached:
		m.emit(LeaveDone{Err: "not a member of any ring"})
		return
	case Joining:
		m.jn.seeking = false
		m.setState(Detached)
		m.emit(JoinDone{Err: "cancelled by leave"})
		m.leftRing()
		return
	case Leaving:
		return
	}
	m.setState(Leaving)
	m.lv.at = m.tick
	m.lv.waiting = true
	m.checkLeaving()
}

// checkLeaving sends the leave once the outbox is committed; it gives up
// (and stays a member) if that takes longer than an election may.
func (m *Machine) checkLeaving() {
	if m.state != Leaving {
		return
	}
	if m.lv.waiting {
		if m.lv.handingOver && m.IsLeader() && m.lv.before == nil && !m.viewPending() &&
			hasMember(m.config(), m.self.ID) && !m.selfRemovalQueued() {
			// Its removal was dropped: the others left or died meanwhile
			// and it was alone. Alone it is done; if a member came back, it
			// asks again.
			if len(m.config()) == 1 {
				m.detach()
				m.leftRing()
				return
			}
			m.queueChange(viewChange{node: m.self, why: "left"})
		}
		// It says goodbye once its messages are committed and a leader is
		// in place: then all it holds, a majority holds too.
		if len(m.sq.outbox) > 0 || m.leader.ID == "" || m.lv.handingOver {
			if m.tick-m.lv.at > uint64(2*m.cfg.ElectionTicks) && !m.lv.handingOver {
				m.lv.waiting = false
				switch {
				case m.IsLeader() || m.leader.ID != "":
					m.setState(Member)
				case m.hears():
					m.setState(Electing)
				default:
					m.setState(NoQuorum)
				}
				m.emit(LeaveDone{Err: strconv.Itoa(len(m.sq.outbox)) + " messages of this node are not committed yet; not leaving"})
			}
			return
		}
		if m.IsLeader() {
			if len(m.config()) <= 1 && !m.viewPending() {
				m.detach() // a ring of one: nobody to hand over to
				m.leftRing()
				return
			}
			m.lv.handingOver = true
			m.lv.at = m.tick
			m.queueChange(viewChange{node: m.self, why: "left"})
			return // handover follows once its removal is committed (viewCommitted)
		}
		m.lv.waiting = false
		m.lv.at = m.tick
		bye := protocol.Leave{Node: m.self}
		for _, p := range []protocol.NodeInfo{m.leader, m.Next(), m.Prev()} {
			if p.ID != "" && p.ID != m.self.ID {
				m.send(p, bye)
			}
		}
		return
	}
	// It waits for the leader's confirmation (the committed view without
	// it), saying goodbye again now and then: a node that simply went away
	// would leave the ring short of its vote.
	switch {
	case m.tick-m.lv.at > uint64(4*m.cfg.ElectionTicks):
		m.lv.waiting = true
		m.setState(Member)
		if m.leader.ID == "" {
			m.setState(NoQuorum)
		}
		m.emit(LeaveDone{Err: "the ring did not confirm the leave (it may have no quorum); still a member"})
	case m.leader.ID != "" && (m.tick-m.lv.at)%uint64(2*m.cfg.FailureTicks) == 0:
		m.send(m.leader, protocol.Leave{Node: m.self})
	}
}

// tryHandover is a leaving leader's, once the view without it is
// committed: a majority of the others holds everything it sequenced. Its
// successor is its next member, once that one stores all of it too; if
// that takes more than a failure timeout, the first member after it that
// does.
func (m *Machine) tryHandover() {
	before := m.lv.before
	last := m.log.LastSeq()
	i := slices.IndexFunc(before, func(n protocol.NodeInfo) bool { return n.ID == m.self.ID })
	patient := m.tick-m.lv.beforeAt <= uint64(m.cfg.FailureTicks)
	for k := 1; k < len(before); k++ {
		p := before[(i+k)%len(before)]
		if p.ID == m.self.ID || m.gone[p.ID] == "died" || !hasMember(m.config(), p.ID) {
			continue
		}
		if m.q.match[p.ID] >= last {
			m.handover(p)
			return
		}
		if patient {
			return // its next member is catching up
		}
	}
	if !patient {
		m.handover(protocol.NodeInfo{}) // nobody holds it all: the election timeout decides
	}
}

// handover hands succ a candidacy for the next epoch, tells everyone this
// node leaves, and relays election traffic for a while, to the successor,
// for members that have not heard of it yet.
func (m *Machine) handover(succ protocol.NodeInfo) {
	// Its removal is committed, but the others may not know yet: without
	// that, a successor left alone would still count this node's vote.
	m.sendCommit()
	before := m.lv.before
	m.lv.before = nil
	bye := protocol.Leave{Node: m.self}
	for _, p := range unionMembers(m.config(), before) {
		if p.ID != m.self.ID {
			m.send(p, bye)
		}
	}
	if succ.ID != "" {
		key := protocol.CandidateKey{Epoch: m.log.LastEpoch(), LastSeq: m.log.LastSeq(), NodeID: succ.ID}
		m.send(succ, protocol.Election{Candidate: key, Epoch: max(m.term, m.el.epoch) + 1, Handover: true})
	}
	m.lv.handingOver = false
	m.detach()
	m.el.relayUntil, m.el.relayTo = m.tick+uint64(m.cfg.ElectionTicks), succ
	m.leftRing()
}

// onLeave: a member says goodbye. The leader removes it by a view change;
// the others route through it until that is committed (its vote may still
// count). The leader's own goodbye comes after its removal is committed:
// its successor's announcement follows.
func (m *Machine) onLeave(h protocol.Header, l protocol.Leave) {
	if l.Node.ID != h.From {
		return
	}
	if m.IsLeader() {
		if !m.isMember(h.From) {
			m.send(l.Node, m.hintView()) // out already: the confirmation was lost
			return
		}
		m.peerGone(h.From, "left")
		return
	}
	if h.From == m.leader.ID && m.state != Detached && m.state != Joining {
		m.emit(PeerGone{Peer: m.leader, Why: "left"})
		m.el.deferred = nil
		m.enterElection(max(m.el.epoch, m.epoch))
	}
}
