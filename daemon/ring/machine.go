package ring

import (
	"github.com/ringchat/ring/protocol"
)

// State is where a node stands with respect to its ring.
type State string

const (
	Detached State = "detached"
	Joining  State = "joining"
	Member   State = "member"
	Electing State = "electing"
	Leaving  State = "leaving"
)

// Log is the node's delivered history, in sequence order. The machine
// appends each entry it delivers and reads entries back for catch-up.
// Retention may remove its oldest entries: it then starts after a floor.
type Log interface {
	LastSeq() uint64   // the floor's when no entry is left
	LastEpoch() uint64 // epoch of the last entry, 0 if none
	Append(protocol.Entry) error
	After(seq uint64, max int) []protocol.Entry
	// EpochEnd finds the largest epoch not above epoch in the history and
	// the last sequence number of it (0, 0 if there is none); ok is false
	// when the answer lies in what retention removed.
	EpochEnd(epoch uint64) (endEpoch, endSeq uint64, ok bool)
	// TruncateAfter removes the entries above seq and returns them.
	TruncateAfter(seq uint64) ([]protocol.Entry, error)
	// Floor is the last sequence number (and its epoch) that retention
	// removed, 0, 0 if the history starts at 1.
	Floor() (seq, epoch uint64)
	// StartAfter makes an empty log continue after seq, with the origin
	// counters of the history it will not hold.
	StartAfter(seq, epoch uint64, origins map[string]uint64) error
	// Origins is the highest counter delivered of each origin.
	Origins() map[string]uint64
	Reset() error // forget everything: the node joins another ring
}

// Config sets up a Machine. Times are counted in ticks; the driver ticks
// once per heartbeat interval.
type Config struct {
	Self          protocol.NodeInfo
	Log           Log
	FailureTicks  int          // silence after which a peer is dead (default 5)
	ElectionTicks int          // an election not decided by then restarts (default 4*FailureTicks)
	Now           func() int64 // wall clock in Unix nanoseconds for new entries
}

// Outgoing is one message to send.
type Outgoing struct {
	To      protocol.NodeInfo
	Msg     protocol.Message
	Lamport uint64
	Epoch   uint64
}

// Ready is what the machine produced since the last call to Ready.
type Ready struct {
	Messages []Outgoing
	Events   []Event
}

// Machine is one node's ring state. It is not safe for concurrent use: one
// goroutine (the driver's loop) owns it.
type Machine struct {
	cfg   Config
	self  protocol.NodeInfo
	log   Log
	clock uint64 // Lamport time
	tick  uint64

	state  State
	view   protocol.View
	epoch  uint64 // epoch of the leader we follow (or are)
	leader protocol.NodeInfo

	lastHeard map[string]uint64            // peer id -> tick
	known     map[string]protocol.NodeInfo // every node seen in a view of this ring, by id
	watched   map[string]bool              // the peers monitored at the last watch
	answered  map[string]uint64            // peer id -> tick this node last answered its heartbeat
	gone      map[string]string            // peer id -> why it is out (dead, left) until the next view

	// Election.
	elEpoch     uint64 // epoch of the newest election seen
	participant bool
	elStarted   uint64
	accepted    map[uint64]string // epoch -> leader id accepted for it
	wonEpoch    uint64            // epoch this node won and awaits its Elected back
	elOut       protocol.Message  // the last Election or Elected sent to the next node
	elOutTo     string            // ... and that node's id

	// Sequencing.
	seen         map[string]uint64 // origin id -> highest counter delivered
	broadcast    []protocol.Entry  // sequenced by this leader in the current call
	catchUpAt    uint64            // tick a catch-up was requested, 0 if none pending
	catchUpTo    string            // the node it was asked of
	progress     map[string]uint64 // leader's: member id -> last seq it reported having
	verifySeq    uint64            // compare this entry with the leader's at the next catch-up, 0 if none
	verifyAsked  bool              // the catch-up under way asks for it
	relayUntil   uint64            // a leader that handed over relays election traffic until this tick
	relayTo      protocol.NodeInfo // ... to its successor
	relayed      map[uint64]string // epoch -> leader whose announcement passOn relayed
	counter      uint64            // this node's origin counter
	token        uint64            // last local token handed out by Submit
	outbox       []pending         // submitted by this node, not yet delivered
	outboxID     uint64            // last id given to an outbox entry
	outboxGen    uint64            // counts changes of the outbox
	lastResend   uint64
	joinVia      protocol.NodeInfo
	refound      bool // the join gave up a one-node ring: found it again if the join fails
	joinAt       uint64
	joinFrom     string              // ring id this node was in when it asked to join
	rejoinVia    []protocol.NodeInfo // members to try next when joining again by itself
	leaveAt      uint64
	leaveWaiting bool

	// Restart (restart.go).
	home             homeRing // the ring this node was last in, kept while it joins again
	left             bool     // it left its ring on purpose
	resuming         bool     // joining its ring again after a restart
	resumeBusy       bool     // ... and a member answered that the ring is busy, or outranks it
	resumeHeard      bool     // ... and some member answered at all
	resumeQuiet      int      // rounds in a row in which no member answered
	resumeQuietSince uint64   // tick at which those rounds began
	resumeAt         uint64

	out           Ready
	news          bool         // out holds an event other than Delivered or Acked
	lastBroadcast broadcastRec // the leader's last broadcast in out (flush)
}

// New returns a detached machine.
func New(cfg Config) *Machine {
	if cfg.FailureTicks <= 0 {
		cfg.FailureTicks = 5
	}
	if cfg.ElectionTicks <= 0 {
		cfg.ElectionTicks = 4 * cfg.FailureTicks
	}
	if cfg.Now == nil {
		cfg.Now = func() int64 { return 0 }
	}
	m := &Machine{
		cfg:       cfg,
		self:      cfg.Self,
		log:       cfg.Log,
		state:     Detached,
		lastHeard: map[string]uint64{},
		known:     map[string]protocol.NodeInfo{},
		answered:  map[string]uint64{},
		gone:      map[string]string{},
		accepted:  map[uint64]string{},
		seen:      map[string]uint64{},
		progress:  map[string]uint64{},
		relayed:   map[uint64]string{},
	}
	return m
}

// Ready returns and clears what the machine produced.
func (m *Machine) Ready() Ready {
	m.sealBroadcast()
	r := m.out
	m.out = Ready{}
	m.news = false
	m.lastBroadcast = broadcastRec{}
	return r
}

// HasNews reports whether the machine produced, since the last Ready, an
// event other than Delivered or Acked. A driver that feeds it several inputs
// before Ready acts on such an event before it feeds more.
func (m *Machine) HasNews() bool { return m.news }

// Lamport is the node's current Lamport time.
func (m *Machine) Lamport() uint64 { return m.clock }

// State is the node's state.
func (m *Machine) State() State { return m.state }

// Epoch is the epoch of the current leader.
func (m *Machine) Epoch() uint64 { return m.epoch }

// Leader is the current leader, zero while there is none.
func (m *Machine) Leader() protocol.NodeInfo { return m.leader }

// IsLeader says whether this node leads its ring.
func (m *Machine) IsLeader() bool { return m.leader.ID == m.self.ID && m.state == Member }

// View is the current membership view.
func (m *Machine) View() protocol.View { return m.view }

// Next and Prev are this node's live neighbours (itself when alone).
func (m *Machine) Next() protocol.NodeInfo { return m.neighbour(+1) }
func (m *Machine) Prev() protocol.NodeInfo { return m.neighbour(-1) }

// Pending is how many of this node's messages wait to be sequenced.
func (m *Machine) Pending() int { return len(m.outbox) }

// pending is a message of this node waiting to be sequenced; token
// identifies it to the driver's waiting caller (0: none) and id to the
// driver's durable outbox, even if its origin counter changes on a join.
// ring is the ring whose counters entry.OriginCounter follows.
type pending struct {
	token uint64
	id    uint64
	entry protocol.Entry
	ring  string
}

func (m *Machine) send(to protocol.NodeInfo, msg protocol.Message) {
	m.sealBroadcast()
	m.clock++
	m.out.Messages = append(m.out.Messages, Outgoing{To: to, Msg: msg, Lamport: m.clock, Epoch: m.epoch})
}

func (m *Machine) emit(e Event) {
	switch e.(type) {
	case Delivered, Acked:
	default:
		m.news = true
	}
	m.out.Events = append(m.out.Events, e)
}

func (m *Machine) setState(s State) {
	if m.state != s {
		m.state = s
		m.emit(StateChanged{State: s})
	}
}

// Tick advances time by one heartbeat interval.
func (m *Machine) Tick() {
	m.tick++
	defer m.flush()
	switch m.state {
	case Detached:
		m.resumeTick()
		return
	case Joining:
		// A join by itself (after a restart, a divergence or a drop) has
		// other members to try: one that does not answer soon is skipped.
		wait := 2 * m.cfg.ElectionTicks
		if m.resuming || len(m.rejoinVia) > 0 {
			wait = 2 * m.cfg.FailureTicks
		}
		if m.tick-m.joinAt > uint64(wait) {
			m.joinFailed("no answer from " + m.joinVia.Addr)
		}
		return
	}
	m.heartbeat()
	m.probeAlone()
	m.detectFailures()
	electing := m.state == Electing || (m.state == Leaving && m.leaveWaiting && m.leader.ID == "")
	if electing && m.tick-m.elStarted > uint64(m.cfg.ElectionTicks) {
		m.startElection("the election did not finish in time")
	}
	if m.state == Member && !m.IsLeader() && m.catchUpAt != 0 && m.tick-m.catchUpAt > uint64(m.cfg.FailureTicks) {
		m.catchUpAt = 0 // the request or its reply was lost; the next heartbeat asks again
	}
	if m.state == Member && m.verifySeq > 0 && m.catchUpAt == 0 {
		m.requestCatchUp() // the check of the history must not wait for a heartbeat
	}
	if (m.state == Member || m.state == Leaving) && len(m.outbox) > 0 && m.tick-m.lastResend > uint64(m.cfg.FailureTicks) {
		m.resendOutbox()
	}
	m.checkLeaving()
}

// PeerDown reports that the connection to peer failed, and why.
func (m *Machine) PeerDown(peer protocol.NodeInfo, why string) {
	defer m.flush()
	if m.state == Joining && peer.ID == "" && peer.Addr == m.joinVia.Addr {
		m.joinFailed("cannot reach " + peer.Addr + ": " + why)
		return
	}
	if peer.ID != "" {
		m.peerGone(peer.ID, "died")
	}
}

// Heard notes that a member's traffic has arrived, though the driver has
// not fed it to the machine yet (it waits behind other input): the member
// is alive. Failure detection counts silence from then.
func (m *Machine) Heard(id string) {
	if m.isMember(id) {
		m.lastHeard[id] = m.tick
	}
}

// Step handles one message received from the node with id from.
func (m *Machine) Step(h protocol.Header, msg protocol.Message) {
	m.Witness(h.Lamport)
	from := h.From
	m.lastHeard[from] = m.tick
	defer m.flush()

	if m.tick <= m.relayUntil && (m.state == Detached || m.state == Joining) {
		switch msg.(type) {
		case protocol.Election, protocol.Elected:
			m.passOn(msg, m.relayTo) // a leader that just handed over (leaderLeave)
			return
		}
	}
	if m.state == Detached {
		switch msg := msg.(type) {
		case protocol.JoinRequest:
			m.refuseJoin(from, msg, "not a member of any ring")
		case protocol.Refuse, protocol.Heartbeat:
		default:
			if p := m.peerInfo(from, ""); p.Addr != "" {
				m.send(p, protocol.Refuse{Reason: "not a member of any ring"})
			}
		}
		return
	}
	if m.state == Joining {
		switch msg := msg.(type) {
		case protocol.JoinReply:
		case protocol.JoinRequest:
			m.refuseJoin(from, msg, "not a member of any ring: joining one itself")
			return
		default:
			return // not in a ring yet: the old ring's traffic (an election, say) is not ours
		}
	}
	m.hint(from, msg)
	switch msg := msg.(type) {
	case protocol.Heartbeat:
		m.onHeartbeat(h, msg)
	case protocol.JoinRequest:
		m.onJoinRequest(h, msg)
	case protocol.JoinReply:
		m.onJoinReply(h, msg)
	case protocol.View:
		m.onView(h, msg)
	case protocol.Election:
		m.onElection(h, msg)
	case protocol.Elected:
		m.onElected(h, msg)
	case protocol.Submit:
		m.onSubmit(h, msg)
	case protocol.Deliver:
		m.onDeliver(h, msg.Entries)
	case protocol.CatchUpRequest:
		m.onCatchUpRequest(h, msg)
	case protocol.CatchUpReply:
		m.onCatchUpReply(h, msg)
	case protocol.Leave:
		m.onLeave(h, msg)
	case protocol.Refuse:
		m.peerGone(from, "left")
	}
}

// peerInfo finds a peer's address in the view; addr is the fallback.
func (m *Machine) peerInfo(id, addr string) protocol.NodeInfo {
	for _, n := range m.view.Members {
		if n.ID == id {
			return n
		}
	}
	return protocol.NodeInfo{ID: id, Addr: addr}
}
