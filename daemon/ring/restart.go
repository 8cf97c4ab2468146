package ring

import (
	"slices"

	"github.com/ringchat/ring/protocol"
)

// homeRing is what a node knows of the ring it was last in: enough to find
// it again after a restart.
type homeRing struct {
	id      string
	members []protocol.NodeInfo
	epoch   uint64
	leader  string
}

// Saved is what the driver keeps across a restart besides the log and the
// outbox: the ring this node was last in, whether it left it on purpose,
// and its origin counter.
type Saved struct {
	RingID  string
	Members []protocol.NodeInfo
	Epoch   uint64
	Leader  string
	Left    bool
	Counter uint64
}

// Pending is a message of this node that no leader has sequenced yet, as
// the driver keeps it: ID names it in the durable outbox, Ring is the ring
// whose counters Entry.OriginCounter follows.
type Pending struct {
	ID    uint64
	Ring  string
	Entry protocol.Entry
}

// Saved returns what the driver must keep for a restart. It changes with
// ViewChanged, StateChanged and LeaveDone events, and with each message
// this node submits.
func (m *Machine) Saved() Saved {
	return Saved{
		RingID:  m.home.id,
		Members: slices.Clone(m.home.members),
		Epoch:   m.home.epoch,
		Leader:  m.home.leader,
		Left:    m.left,
		Counter: m.counter,
	}
}

// Outbox returns the messages waiting to be sequenced, oldest first.
func (m *Machine) Outbox() []Pending {
	out := make([]Pending, len(m.outbox))
	for i, p := range m.outbox {
		out[i] = Pending{ID: p.id, Ring: p.ring, Entry: p.entry}
	}
	return out
}

// EachPending calls f for every message of the outbox, in order, without
// copying the outbox.
func (m *Machine) EachPending(f func(Pending)) {
	for _, p := range m.outbox {
		f(Pending{ID: p.id, Ring: p.ring, Entry: p.entry})
	}
}

// OutboxVersion changes whenever the outbox does, so that the driver
// compares outboxes only when there is something to save.
func (m *Machine) OutboxVersion() uint64 { return m.outboxGen }

// Restore gives a new, detached machine what a previous run of this node
// kept: its state and outbox. The log is the one that run wrote. Resume
// then takes it back into its ring.
func (m *Machine) Restore(s Saved, outbox []Pending) {
	if m.state != Detached {
		return
	}
	m.home = homeRing{id: s.RingID, members: slices.Clone(s.Members), epoch: s.Epoch, leader: s.Leader}
	m.view = protocol.View{RingID: s.RingID}
	m.left = s.Left
	m.seen = m.log.Origins()
	m.counter = max(s.Counter, m.seen[m.self.ID])
	for _, n := range s.Members {
		if n.ID != m.self.ID {
			m.known[n.ID] = n
		}
	}
	m.outbox = m.outbox[:0]
	for _, p := range outbox {
		m.outbox = append(m.outbox, pending{id: p.ID, entry: p.Entry, ring: p.Ring})
		m.outboxID = max(m.outboxID, p.ID)
		m.counter = max(m.counter, p.Entry.OriginCounter)
	}
	m.outboxGen++
}

// A restarted node that no member answers carries on alone in its ring
// once that has lasted resumeQuietRounds rounds through its members and
// resumeQuietTimeouts failure timeouts: members killed with it refuse
// connections at once and need time to start again, while hung members
// each take a join timeout, so a round can be short or long.
const (
	resumeQuietRounds   = 2
	resumeQuietTimeouts = 4
)

// Resume takes a restarted node back into the ring it was in, unless it
// had left it: it joins through the members it knew, one after another,
// round after round. Of members that restarted too and wait for their ring
// as well, the one with the most history (the election's key) founds it
// again, and the others join it. If no member answers for a while, it
// carries on alone in its ring, which the others find when they come back
// (probeAlone). It reports whether there is a ring to go back to.
func (m *Machine) Resume() bool {
	defer m.flush()
	if m.state != Detached || m.left || m.home.id == "" {
		return false
	}
	m.resuming = true
	m.resumeAt, m.resumeQuiet, m.resumeQuietSince = 0, 0, m.tick
	m.resume()
	return true
}

func (m *Machine) resume() {
	m.resumeBusy, m.resumeHeard = false, false
	others := slices.DeleteFunc(slices.Clone(m.home.members), func(n protocol.NodeInfo) bool { return n.ID == m.self.ID })
	if len(others) == 0 {
		m.resuming = false
		m.found(m.home.id)
		return
	}
	// The leader it knew first: it admits joiners itself.
	slices.SortStableFunc(others, func(a, b protocol.NodeInfo) int {
		switch {
		case a.ID == m.home.leader:
			return -1
		case b.ID == m.home.leader:
			return 1
		}
		return 0
	})
	m.view = protocol.View{RingID: m.home.id}
	m.rejoin(others[0], others)
}

// refuseJoin answers a join request while this node is in no ring, with
// its candidacy and the last epoch it knew of its ring (heardResuming).
func (m *Machine) refuseJoin(from string, r protocol.JoinRequest, why string) {
	if r.Node.ID != from || r.Node.Addr == "" {
		return
	}
	key := m.key()
	m.send(r.Node, protocol.JoinReply{
		Error: why, Resuming: m.resuming, Key: &key,
		View: protocol.View{RingID: m.home.id, Epoch: max(m.home.epoch, m.elEpoch)},
	})
}

// heardResuming notes a refusal while this node waits for its ring: one
// from a live ring (busy electing, say) or from a member of its ring that
// waits too and holds more history means: ask again later. A node that
// waits for no ring (it left, say) counts as no answer. Should it found
// the ring again, it does so above every epoch it heard of.
func (m *Machine) heardResuming(r protocol.JoinReply) {
	if !m.resuming {
		return
	}
	switch {
	case r.Key == nil: // a member of a live ring (electing, say)
		m.resumeHeard, m.resumeBusy = true, true
	case r.View.RingID != m.home.id: // waits for another ring, or none
	default: // epochs this ring used while this node was down
		m.home.epoch = max(m.home.epoch, r.View.Epoch, r.Key.Epoch)
		if r.Resuming {
			m.resumeHeard = true
			m.resumeBusy = m.resumeBusy || r.Key.Compare(m.key()) > 0
		}
	}
}

// resumeFailed: no member it knew admitted it in this round.
func (m *Machine) resumeFailed() {
	if m.resumeHeard {
		m.resumeQuiet, m.resumeQuietSince = 0, m.tick
	} else {
		m.resumeQuiet++
	}
	quietLongEnough := m.resumeQuiet >= resumeQuietRounds &&
		m.tick-m.resumeQuietSince >= uint64(resumeQuietTimeouts*m.cfg.FailureTicks)
	if m.resumeBusy || (!m.resumeHeard && !quietLongEnough) {
		m.resumeAt = m.tick + uint64(m.cfg.FailureTicks)
		return
	}
	// Every member that answered waits for the ring too and has less
	// history, or none has answered for long: it founds the ring again.
	m.resuming = false
	m.found(m.home.id)
}

// resumeTick runs, detached, the retry that resumeFailed scheduled.
func (m *Machine) resumeTick() {
	if m.resuming && m.resumeAt != 0 && m.tick >= m.resumeAt {
		m.resumeAt = 0
		m.resume()
	}
}

// leftRing completes a leave: this node stays detached, after a restart too.
func (m *Machine) leftRing() {
	m.left = true
	m.emit(LeaveDone{})
}
