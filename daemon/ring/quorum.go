package ring

import (
	"slices"
	"sort"
	"strconv"

	"github.com/ringchat/ring/protocol"
)

// The quorum: Raft's safety argument fitted to the ring.
//
// Membership changes are view entries in the log (protocol.Entry.Members),
// so a node's configuration is the last view entry of its history, and it
// rolls back with the entries that carried it. An entry is committed once
// a majority of the configuration stores it durably and the leader has
// committed an entry of its own epoch; only then is it delivered (shown)
// and acknowledged to its author. A view change waits until the one before
// is committed, and while it is pending every commit needs a majority of
// the configuration before it too, so that any two majorities that matter
// overlap. A leader that does not hear a majority for FailureTicks steps
// down.

type configRec struct {
	seq     uint64 // of the view entry (0: not from the log)
	members []protocol.NodeInfo
}

type quorumState struct {
	// configs[0] is the configuration in force at the commit point; the
	// others are view entries above it, oldest first.
	configs []configRec
	commit  uint64           // every entry up to here is committed
	tail    []protocol.Entry // the entries above commit, in order
	// A leader's: what each member stores of this epoch (Ack, Heartbeat.Stored).
	match      map[string]uint64
	epochStart uint64 // first seq of this leader's epoch (its no-op)
	changes    []viewChange
	lost       map[string]protocol.NodeInfo // members removed as dead: probed, they may only be cut off
	// A member's: the last Ack sent, and the leader's count of the members
	// it hears.
	acked      uint64
	ackedEpoch uint64
	leaderSeen uint32
	commitSent uint64 // a leader's: the commit point its members were last told
}

// ElectionTicks is the election timeout in ticks.
func (m *Machine) ElectionTicks() int { return m.cfg.ElectionTicks }

// Commit is the node's commit point.
func (m *Machine) Commit() uint64 { return m.q.commit }

func majority(n int) int { return n/2 + 1 }

func (m *Machine) config() []protocol.NodeInfo {
	if len(m.q.configs) == 0 {
		return m.view.Members
	}
	return m.q.configs[len(m.q.configs)-1].members
}

func (m *Machine) committedConfig() []protocol.NodeInfo {
	if len(m.q.configs) == 0 {
		return m.view.Members
	}
	return m.q.configs[0].members
}

// committedSeq is the sequence number of the view entry in force at the
// commit point.
func (m *Machine) committedSeq() uint64 {
	if len(m.q.configs) == 0 {
		return 0
	}
	return m.q.configs[0].seq
}

// viewPending says whether a view entry above the commit point waits.
func (m *Machine) viewPending() bool { return len(m.q.configs) > 1 }

func hasMember(ms []protocol.NodeInfo, id string) bool {
	return slices.ContainsFunc(ms, func(n protocol.NodeInfo) bool { return n.ID == id })
}

// Quorum is how many members make a majority of the configuration.
func (m *Machine) Quorum() int { return majority(len(m.config())) }

// Reachable is how many members of the configuration this node hears,
// itself included; a member that follows a leader reports the leader's count.
func (m *Machine) Reachable() int {
	if m.state == Member && !m.IsLeader() && m.q.leaderSeen > 0 {
		return int(m.q.leaderSeen)
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
		if at, ok := m.lastHeard[p.ID]; !ok || m.tick-at > uint64(m.cfg.FailureTicks) {
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
		if at, ok := m.lastHeard[p.ID]; ok && m.tick-at <= uint64(m.cfg.FailureTicks) {
			n++
		}
	}
	return n
}

// quorumOf says whether the members for which in holds are a majority of
// every configuration in play: the view, and while a view change is
// pending the view before it too.
func (m *Machine) quorumOf(in func(id string) bool) bool {
	if !m.majorityOf(m.config(), in) {
		return false
	}
	return !m.viewPending() || m.majorityOf(m.q.configs[len(m.q.configs)-2].members, in)
}

// hears: this node hears a quorum (quorumOf).
func (m *Machine) hears() bool {
	return m.quorumOf(func(id string) bool {
		at, ok := m.lastHeard[id]
		return id == m.self.ID || (ok && m.tick-at <= uint64(m.cfg.FailureTicks))
	})
}

// majorityOf says whether the members of ms for which in holds are a majority.
func (m *Machine) majorityOf(ms []protocol.NodeInfo, in func(id string) bool) bool {
	n := 0
	for _, p := range ms {
		if in(p.ID) {
			n++
		}
	}
	return n >= majority(len(ms))
}

// loadConfigs rebuilds the configurations from the log: the view in force
// at the commit point, and the view entries above it. fallback serves when
// the log holds no view entry (a log from before them, or one a test built).
func (m *Machine) loadConfigs(fallback []protocol.NodeInfo) {
	m.q.configs = m.q.configs[:0]
	if e, ok := m.log.ViewAt(m.q.commit); ok {
		m.q.configs = append(m.q.configs, configRec{seq: e.Seq, members: slices.Clone(e.Members)})
	} else {
		m.q.configs = append(m.q.configs, configRec{members: slices.Clone(fallback)})
	}
	m.q.tail = m.q.tail[:0]
	for after := m.q.commit; ; { // bounded by the log
		batch := m.log.After(after, catchUpBatch)
		if len(batch) == 0 {
			break
		}
		for _, e := range batch {
			m.q.tail = append(m.q.tail, e)
			if e.IsView() {
				m.q.configs = append(m.q.configs, configRec{seq: e.Seq, members: slices.Clone(e.Members)})
			}
		}
		after = batch[len(batch)-1].Seq
	}
}

// appended records an entry just stored: it waits above the commit point,
// and a view entry is the configuration from now on.
func (m *Machine) appended(e protocol.Entry) {
	m.q.tail = append(m.q.tail, e)
	if e.IsView() {
		c := configRec{seq: e.Seq, members: slices.Clone(e.Members)}
		if e.Presence == protocol.PresenceReformed {
			m.q.configs = []configRec{c} // forced: the old view no longer counts
		} else {
			m.q.configs = append(m.q.configs, c)
		}
		if e.Seq >= m.view.Version {
			m.route()
		}
	}
}

// route makes the ring this node routes by the configuration in force,
// or while a removal is pending the view before it: an election must pass
// through every member whose vote may count.
func (m *Machine) route() {
	if len(m.q.configs) == 0 {
		return
	}
	if c := m.routing(); c.seq != m.view.Version || !slices.Equal(c.members, m.view.Members) {
		m.setTopology(c.seq, c.members)
	}
}

func (m *Machine) routing() configRec {
	c := m.q.configs[len(m.q.configs)-1]
	if m.viewPending() {
		if prev := m.q.configs[len(m.q.configs)-2]; len(prev.members) > len(c.members) {
			c.members = prev.members
		}
	}
	return c
}

// cutTail drops what truncation removed above seq: entries and view
// entries; the view in force goes back to the one before.
func (m *Machine) cutTail(seq uint64) {
	i := sort.Search(len(m.q.tail), func(i int) bool { return m.q.tail[i].Seq > seq })
	m.q.tail = m.q.tail[:i]
	n := len(m.q.configs)
	for n > 0 && m.q.configs[n-1].seq > seq {
		n--
	}
	if n == len(m.q.configs) {
		return
	}
	if n == 0 { // a forced view (reform) went: the log knows the one before
		m.loadConfigs(m.view.Members)
	} else {
		m.q.configs = m.q.configs[:n]
	}
	m.route()
}

// ackable is how far this node may tell its leader it holds the leader's
// history: what is durable, once its history is checked against the
// leader's (verifyLog).
func (m *Machine) ackable() uint64 {
	if m.sq.verifySeq > 0 || m.leader.ID == "" || m.IsLeader() {
		return 0
	}
	return min(m.log.Durable(), m.log.LastSeq())
}

// sendAck tells the leader what this node stores, at most once per Ready.
func (m *Machine) sendAck() {
	if (m.state != Member && m.state != Leaving) || m.IsLeader() || m.leader.ID == "" {
		return
	}
	seq := m.ackable()
	if seq == 0 || (seq <= m.q.acked && m.q.ackedEpoch == m.epoch) {
		return
	}
	m.q.acked, m.q.ackedEpoch = seq, m.epoch
	m.send(m.leader, protocol.Ack{Seq: seq})
}

func (m *Machine) onAck(h protocol.Header, a protocol.Ack) {
	if m.IsLeader() && h.Epoch == m.epoch && m.isMember(h.From) {
		m.noteMatch(h.From, a.Seq)
	}
}

func (m *Machine) noteMatch(id string, seq uint64) {
	if seq > m.q.match[id] && seq <= m.log.LastSeq() {
		m.q.match[id] = seq
	}
}

// matchedBy is the highest sequence number a majority of ms stores.
func (m *Machine) matchedBy(ms []protocol.NodeInfo) uint64 {
	if len(ms) == 0 {
		return 0
	}
	vals := make([]uint64, 0, len(ms))
	for _, p := range ms {
		if p.ID == m.self.ID {
			vals = append(vals, min(m.log.Durable(), m.log.LastSeq()))
		} else {
			vals = append(vals, m.q.match[p.ID])
		}
	}
	slices.Sort(vals)
	slices.Reverse(vals)
	return vals[majority(len(ms))-1]
}

// advanceCommit is the leader's: commit what a majority of each
// configuration in play stores, from its own epoch on (an older epoch's
// entries commit with the first of its own, as in Raft). It reports
// whether the commit point moved.
func (m *Machine) advanceCommit() bool {
	if !m.IsLeader() {
		return false
	}
	n := m.matchedBy(m.config())
	if m.viewPending() {
		n = min(n, m.matchedBy(m.q.configs[len(m.q.configs)-2].members))
	}
	if n <= m.q.commit || n < m.q.epochStart {
		return false
	}
	m.setCommit(n)
	return true
}

// learnCommit is a member's: its leader committed up to seq.
func (m *Machine) learnCommit(seq uint64) {
	if m.sq.verifySeq > 0 || m.IsLeader() {
		return
	}
	if seq = min(seq, m.log.LastSeq()); seq > m.q.commit {
		m.setCommit(seq)
	}
}

// setCommit moves the commit point to seq: the entries up to it are
// delivered, this node's own among them acknowledged, and the views up to
// it are in force.
func (m *Machine) setCommit(seq uint64) {
	before := m.committedConfig()
	fromLog := len(m.q.configs) > 0 && m.q.configs[0].seq > 0
	i := 0
	for ; i < len(m.q.tail) && m.q.tail[i].Seq <= seq; i++ {
		m.delivered(m.q.tail[i])
		if e := m.q.tail[i]; e.IsView() && e.About.ID != m.self.ID {
			m.changeCommitted(e)
		}
	}
	m.q.tail = slices.Delete(m.q.tail, 0, i)
	m.q.commit = seq
	k := 0
	for k+1 < len(m.q.configs) && m.q.configs[k+1].seq <= seq {
		k++
	}
	if k == 0 {
		return
	}
	m.q.configs = slices.Delete(m.q.configs, 0, k)
	m.route()
	if fromLog {
		m.viewCommitted(before, m.committedConfig())
	}
}

// delivered: a committed entry is shown; this node's own is acknowledged.
func (m *Machine) delivered(e protocol.Entry) {
	m.emit(Delivered{Entry: e})
	if e.OriginID != m.self.ID {
		return
	}
	for i, p := range m.sq.outbox {
		if p.entry.OriginCounter == e.OriginCounter {
			if p.entry.Lamport != e.Lamport || p.entry.Text != e.Text || e.Kind == protocol.KindSystem {
				// Another entry of this node holds that counter (a leader
				// of a part that did not know of the message numbered it
				// so): the message was never sequenced, and goes again
				// after what the ring has.
				m.closeCounterGap()
				m.resendOutbox()
				break
			}
			m.sq.outbox = append(m.sq.outbox[:i], m.sq.outbox[i+1:]...)
			m.sq.outboxGen++
			if p.token != 0 { // 0: offered again after a divergence, acknowledged before
				m.emit(Acked{Token: p.token, Entry: e})
			}
			break
		}
	}
}

// changeCommitted acts on a committed view entry: a member removed as dead
// is probed by whoever leads from now on (it may only have been cut off),
// until it comes back; and the leader tells a member that left (that
// completes its leave).
func (m *Machine) changeCommitted(e protocol.Entry) {
	switch e.Presence {
	case protocol.PresenceLeft:
		delete(m.q.lost, e.About.ID)
		if !m.IsLeader() {
			return
		}
		v := m.hintView()
		v.Version, v.Members = e.Seq, slices.Clone(e.Members)
		if hasMember(v.Members, m.self.ID) {
			v.Leader = m.self.ID
		}
		m.send(e.About, v)
	case protocol.PresenceDied:
		m.noteLost(e.About)
	case protocol.PresenceJoined:
		delete(m.q.lost, e.About.ID)
	}
}

// viewCommitted acts on a membership change that is now committed: this
// node itself, if the change removed it, leaves the ring, asks to come
// back, or (a leaving leader) hands over.
func (m *Machine) viewCommitted(before, now []protocol.NodeInfo) {
	if !hasMember(now, m.self.ID) && hasMember(before, m.self.ID) {
		if m.IsLeader() {
			m.lv.before, m.lv.beforeAt = before, m.tick
			m.tryHandover()
			return
		}
		m.removedFromRing()
	}
}

// checkLease is the leader's, each tick: one that does not hear a majority
// of its view steps down, so that a leader cut off from the others stops
// sequencing what it could never commit.
func (m *Machine) checkLease() {
	if !m.hears() {
		m.stepDown("it hears " + strconv.Itoa(m.heardCount(m.config())) + " of " + strconv.Itoa(len(m.config())) + " members")
	}
}

// stepDown: the leader gives up leading without a quorum; it waits, with
// the others, for a majority to elect a leader.
func (m *Machine) stepDown(why string) {
	if !m.IsLeader() {
		return
	}
	m.leader = protocol.NodeInfo{}
	m.q.changes = nil
	m.q.match = map[string]uint64{}
	m.emit(SteppedDown{Why: why})
	m.lv.handingOver, m.lv.before = false, nil
	if m.state == Leaving {
		m.lv.waiting = true
		return
	}
	m.setState(NoQuorum)
	m.el.started = m.tick
	m.watch()
}

// sendCommit tells the members a commit point they have not heard, at most
// once per Ready: on the Deliver messages it sends anyway, or with a
// heartbeat.
func (m *Machine) sendCommit() {
	if !m.IsLeader() {
		return
	}
	patched := false
	for i := range m.out.Messages {
		if d, ok := m.out.Messages[i].Msg.(protocol.Deliver); ok && m.out.Messages[i].Epoch == m.epoch {
			d.Commit = m.q.commit
			m.out.Messages[i].Msg = d
			patched = true
		}
	}
	if m.q.commit <= m.q.commitSent {
		return
	}
	m.q.commitSent = m.q.commit
	if patched && m.lastBroadcast.end == len(m.out.Messages) {
		return
	}
	hb := m.heartbeatMsg()
	for _, p := range m.recipients() {
		m.send(p, hb)
	}
}
