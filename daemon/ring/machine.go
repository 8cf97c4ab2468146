package ring

import (
	"github.com/ringchat/ring/internal/limits"
	"github.com/ringchat/ring/protocol"
)

// Machine is one node's ring state. It is not safe for concurrent use: one
// goroutine (the driver's loop) owns it. Each group of its state belongs to
// the file of its topic.
type Machine struct {
	cfg   Config
	self  protocol.NodeInfo
	log   Log
	clock uint64 // Lamport time
	tick  uint64

	state  State
	view   protocol.View // the ring as this node routes it (quorum.go has the configurations)
	epoch  uint64        // epoch of the leader it follows (or is)
	leader protocol.NodeInfo
	term   uint64 // the highest epoch it voted in or followed: it never follows an older one
	vote   string // whom it voted for in term ("" if nobody)

	// Membership (view.go, quorum.go, changes.go).
	known map[string]protocol.NodeInfo // every node seen in a view of this ring, by id
	// configs[0] is the configuration in force at the commit point; the
	// others are view entries above it, oldest first.
	configs []configRec
	changes changeQueue

	live       liveness      // liveness.go, probe.go
	election   election      // election.go, candidacy.go, vote.go
	sequencing sequencing    // sequence.go, broadcast.go
	outbox     outbox        // outbox.go
	commit     commitState   // commit.go
	catchUp    catchUpState  // catchup.go, verify.go
	join       joining       // join.go
	leave      leaving       // leave.go
	relay      handoverRelay // leave.go
	restart    restartState  // restart.go

	out        Ready
	outNotable bool // out holds an event other than Delivered or Acked
}

// New returns a detached machine.
func New(cfg Config) *Machine {
	if cfg.FailureTicks <= 0 {
		cfg.FailureTicks = limits.FailureTicks
	}
	if cfg.ElectionTicks <= 0 {
		cfg.ElectionTicks = limits.ElectionFailures * cfg.FailureTicks
	}
	if cfg.Now == nil {
		cfg.Now = func() int64 { return 0 }
	}
	m := &Machine{
		cfg:   cfg,
		self:  cfg.Self,
		log:   cfg.Log,
		state: Detached,
		known: map[string]protocol.NodeInfo{},
	}
	m.live.lastHeard = map[string]uint64{}
	m.live.lastAnswered = map[string]uint64{}
	m.live.gone = map[string]string{}
	m.commit.storedBy = map[string]uint64{}
	m.changes.removedDead = map[string]protocol.NodeInfo{}
	m.relay.relayed = map[uint64]string{}
	m.sequencing.counters = map[string]uint64{}
	return m
}

// Ready returns and clears what the machine produced.
func (m *Machine) Ready() Ready {
	m.flush()
	m.sealBroadcast()
	m.sendAck()
	m.sendCommit()
	r := m.out
	m.out = Ready{}
	m.outNotable = false
	m.sequencing.lastBroadcast = broadcastRec{}
	return r
}

// HasNews reports whether the machine produced, since the last Ready, an
// event other than Delivered or Acked. A driver that feeds it several inputs
// before Ready acts on such an event before it feeds more.
func (m *Machine) HasNews() bool { return m.outNotable }

// Lamport is the node's current Lamport time.
func (m *Machine) Lamport() uint64 { return m.clock }

// State is the node's state.
func (m *Machine) State() State { return m.state }

// Epoch is the epoch of the current leader (or the last one).
func (m *Machine) Epoch() uint64 { return m.epoch }

// Leader is the current leader, zero while there is none.
func (m *Machine) Leader() protocol.NodeInfo { return m.leader }

// IsLeader says whether this node leads its ring.
func (m *Machine) IsLeader() bool {
	return m.leader.ID == m.self.ID && (m.state == Member || m.state == Leaving)
}

// View is the current membership view.
func (m *Machine) View() protocol.View { return m.view }

// Next and Prev are this node's live neighbours (itself when alone).
func (m *Machine) Next() protocol.NodeInfo { return m.neighbour(+1) }

func (m *Machine) Prev() protocol.NodeInfo { return m.neighbour(-1) }

// ElectionTicks is the election timeout in ticks.
func (m *Machine) ElectionTicks() int { return m.cfg.ElectionTicks }

func (m *Machine) send(to protocol.NodeInfo, msg protocol.Message) {
	m.sealBroadcast()
	m.clock++
	m.out.Messages = append(m.out.Messages, Outgoing{To: to, Msg: msg, Lamport: m.clock, Epoch: m.term})
}

func (m *Machine) emit(e Event) {
	switch e.(type) {
	case Delivered, Acked:
	default:
		m.outNotable = true
	}
	m.out.Events = append(m.out.Events, e)
}

func (m *Machine) setState(s State) {
	if m.state != s {
		m.state = s
		m.emit(StateChanged{State: s})
	}
	switch s {
	case NoQuorum:
		if m.election.noQuorumSince == 0 {
			m.election.noQuorumSince = max(m.tick, 1)
		}
	case Member, Detached:
		m.election.noQuorumSince = 0
	}
}

// outOfView: neither the view in force nor the committed one holds this node.
func (m *Machine) outOfView() bool {
	return len(m.config()) > 0 && !hasMember(m.config(), m.self.ID) && !hasMember(m.committedConfig(), m.self.ID)
}

// leaderless: in a ring, without a leader (a node that waits to leave
// too, until a leader confirms it).
func (m *Machine) leaderless() bool {
	return m.state == Electing || m.state == NoQuorum || (m.state == Leaving && m.leader.ID == "")
}

// peerInfo finds a peer's address in the view; addr is the fallback.
func (m *Machine) peerInfo(id, addr string) protocol.NodeInfo {
	for _, n := range m.view.Members {
		if n.ID == id {
			return n
		}
	}
	if n, ok := m.known[id]; ok {
		return n
	}
	return protocol.NodeInfo{ID: id, Addr: addr}
}

// flush ends every input: a leader commits what a majority stores and
// takes the next membership change; what it sequenced goes out as one
// broadcast.
func (m *Machine) flush() {
	for range 4 { // a one-node ring commits what it appends at once
		if !m.advanceCommit() && !m.applyChange() {
			break
		}
	}
	if m.leave.viewBefore != nil && m.IsLeader() {
		m.tryHandover()
	}
	m.flushBroadcast()
}
