package ring

// Commit: what each member stores, and the leader's commit point once a
// majority of every configuration in play holds an entry.

import (
	"slices"

	"github.com/ringchat/ring/protocol"
)

// commitState is how far the history is stored and committed.
type commitState struct {
	point uint64           // every entry up to here is committed
	tail  []protocol.Entry // the entries above commit, in order
	// A leader's: what each member stores of this epoch (Ack, Heartbeat.Stored).
	storedBy   map[string]uint64
	epochStart uint64 // first seq of this leader's epoch (its no-op)
	commitSent uint64 // the commit point its members were last told
	// A member's: the last Ack sent, and the leader's count of the members
	// it hears.
	acked       uint64
	ackedEpoch  uint64
	leaderReach uint32
}

// Commit is the node's commit point.
func (m *Machine) Commit() uint64 { return m.commit.point }

// ackable is how far this node may tell its leader it holds the leader's
// history: what is durable, once its history is checked against the
// leader's (verifyLog).
func (m *Machine) ackable() uint64 {
	if m.catchUp.verifySeq > 0 || m.leader.ID == "" || m.IsLeader() {
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
	if seq == 0 || (seq <= m.commit.acked && m.commit.ackedEpoch == m.epoch) {
		return
	}
	m.commit.acked, m.commit.ackedEpoch = seq, m.epoch
	m.send(m.leader, protocol.Ack{Seq: seq})
}

func (m *Machine) onAck(h protocol.Header, a protocol.Ack) {
	if m.IsLeader() && h.Epoch == m.epoch && m.isMember(h.From) {
		m.noteStored(h.From, a.Seq)
	}
}

func (m *Machine) noteStored(id string, seq uint64) {
	if seq > m.commit.storedBy[id] && seq <= m.log.LastSeq() {
		m.commit.storedBy[id] = seq
	}
}

// storedByMajority is the highest sequence number a majority of ms stores.
func (m *Machine) storedByMajority(ms []protocol.NodeInfo) uint64 {
	if len(ms) == 0 {
		return 0
	}
	vals := make([]uint64, 0, len(ms))
	for _, p := range ms {
		if p.ID == m.self.ID {
			vals = append(vals, min(m.log.Durable(), m.log.LastSeq()))
		} else {
			vals = append(vals, m.commit.storedBy[p.ID])
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
	n := m.storedByMajority(m.config())
	if m.viewPending() {
		n = min(n, m.storedByMajority(m.configs[len(m.configs)-2].members))
	}
	if n <= m.commit.point || n < m.commit.epochStart {
		return false
	}
	m.setCommit(n)
	return true
}

// learnCommit is a member's: its leader committed up to seq.
func (m *Machine) learnCommit(seq uint64) {
	if m.catchUp.verifySeq > 0 || m.IsLeader() {
		return
	}
	if seq = min(seq, m.log.LastSeq()); seq > m.commit.point {
		m.setCommit(seq)
	}
}

// setCommit moves the commit point to seq: the entries up to it are
// delivered, this node's own among them acknowledged, and the views up to
// it are in force.
func (m *Machine) setCommit(seq uint64) {
	before := m.committedConfig()
	fromLog := len(m.configs) > 0 && m.configs[0].seq > 0
	i := 0
	for ; i < len(m.commit.tail) && m.commit.tail[i].Seq <= seq; i++ {
		m.delivered(m.commit.tail[i])
		if e := m.commit.tail[i]; e.IsView() && e.About.ID != m.self.ID {
			m.changeCommitted(e)
		}
	}
	m.commit.tail = slices.Delete(m.commit.tail, 0, i)
	m.commit.point = seq
	k := 0
	for k+1 < len(m.configs) && m.configs[k+1].seq <= seq {
		k++
	}
	if k == 0 {
		return
	}
	m.configs = slices.Delete(m.configs, 0, k)
	m.routeByConfig()
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
	for i, p := range m.outbox.queue {
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
			m.outbox.queue = removePending(m.outbox.queue, i)
			m.outbox.version++
			if p.token != 0 { // 0: offered again after a divergence, acknowledged before
				m.emit(Acked{Token: p.token, Entry: e})
			}
			break
		}
	}
}

// removePending drops q[i]. Messages are committed oldest first, so the
// front goes by reslicing: copying the rest down for each one cost a sayer
// with n messages in flight O(n) per message (3.5 % of a 5-node ring's CPU
// at full throughput, docs/PERFORMANCE.md).
func removePending(q []pending, i int) []pending {
	if i == 0 {
		q[0] = pending{} // let go of the entry's strings
		return q[1:]
	}
	return append(q[:i], q[i+1:]...)
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
			d.Commit = m.commit.point
			m.out.Messages[i].Msg = d
			patched = true
		}
	}
	if m.commit.point <= m.commit.commitSent {
		return
	}
	m.commit.commitSent = m.commit.point
	if patched && m.sequencing.lastBroadcast.end == len(m.out.Messages) {
		return
	}
	hb := m.heartbeatMsg()
	for _, p := range m.recipients() {
		m.send(p, hb)
	}
}
