package ring

import (
	"slices"

	"github.com/ringchat/ring/protocol"
)

// State is where a node stands with respect to its ring.
type State string

const (
	Detached State = "detached"
	Joining  State = "joining"
	Member   State = "member"
	Electing State = "electing"
	// NoQuorum: the node is in a ring but has no leader and cannot elect
	// one, because it does not reach a majority of its view (a partition,
	// or most of the ring is down). It sequences nothing, keeps what its
	// user says queued, and probes the members until the ring heals.
	NoQuorum State = "no-quorum"
	Leaving  State = "leaving"
)

// Log is the node's stored history, in sequence order. The machine appends
// each entry the leader sequenced; an entry is committed (shown, counted as
// said) once a majority stores it, and only the uncommitted end of the log
// is ever cut. Retention may remove its oldest entries: it then starts
// after a floor.
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
	// counters of the history it will not hold and the membership in force
	// at seq.
	StartAfter(seq, epoch uint64, origins map[string]uint64, members []protocol.NodeInfo) error
	// Origins is the highest counter stored of each origin.
	Origins() map[string]uint64
	Reset() error // forget everything: the node joins another ring
	// Durable is the sequence number up to which every entry is stored
	// durably: what the node may tell its leader it holds.
	Durable() uint64
	// ViewAt is the last view entry (Entry.IsView) at or below seq; false
	// if there is none.
	ViewAt(seq uint64) (protocol.Entry, bool)
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
	view   protocol.View // the ring as this node routes it (quorum.go has the configurations)
	epoch  uint64        // epoch of the leader it follows (or is)
	leader protocol.NodeInfo
	term   uint64 // the highest epoch it voted in or followed: it never follows an older one
	vote   string // whom it voted for in term ("" if nobody)

	lastHeard map[string]uint64            // peer id -> tick
	known     map[string]protocol.NodeInfo // every node seen in a view of this ring, by id
	watched   map[string]bool              // the peers monitored at the last watch
	answered  map[string]uint64            // peer id -> tick this node last answered its heartbeat
	gone      map[string]string            // peer id -> why it is out (died, left) until the view drops it
	lastProbe uint64                       // tick of the last probe round (probe.go)
	// noQuorumAt is the tick the node last entered no-quorum from having
	// a leader (or a restart), 0 while it has one (reform.go).
	noQuorumAt uint64

	q  quorumState
	el electionState
	sq sequencing
	jn joining
	lv leaving

	// Restart (restart.go).
	home homeRing // the ring this node was last in
	left bool     // it left its ring on purpose

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
	}
	m.q.match = map[string]uint64{}
	m.q.lost = map[string]protocol.NodeInfo{}
	m.el.relayed = map[uint64]string{}
	m.sq.seen = map[string]uint64{}
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

// Pending is how many of this node's messages wait to be committed.
func (m *Machine) Pending() int { return len(m.sq.outbox) }

func (m *Machine) send(to protocol.NodeInfo, msg protocol.Message) {
	m.sealBroadcast()
	m.clock++
	m.out.Messages = append(m.out.Messages, Outgoing{To: to, Msg: msg, Lamport: m.clock, Epoch: m.term})
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
	switch s {
	case NoQuorum:
		if m.noQuorumAt == 0 {
			m.noQuorumAt = max(m.tick, 1)
		}
	case Member, Detached:
		m.noQuorumAt = 0
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

// Tick advances time by one heartbeat interval.
func (m *Machine) Tick() {
	m.tick++
	defer m.flush()
	switch m.state {
	case Detached:
		return
	case Joining:
		// A node that looks for its own ring's leader has others to try:
		// one that does not answer soon is skipped.
		wait := 2 * m.cfg.ElectionTicks
		if m.jn.seeking {
			wait = 2 * m.cfg.FailureTicks
		}
		if m.tick-m.jn.at > uint64(wait) {
			m.joinFailed("no answer from " + m.jn.via.Addr)
		}
		return
	}
	if !m.IsLeader() && m.outOfView() {
		switch {
		case m.state == Leaving:
			m.detach() // its removal is committed: the leave is done
			m.leftRing()
			return
		case m.state == Member && m.leader.ID != "":
			m.backToRing(m.leader) // the ring's view leaves this node out: it asks to come back
			return
		}
	}
	m.heartbeat()
	m.detectFailures()
	m.probe()
	switch {
	case m.IsLeader():
		m.checkLease()
	case m.leaderless():
		m.electionTick()
	}
	if m.state == Member && !m.IsLeader() && m.sq.catchUpAt != 0 && m.tick-m.sq.catchUpAt > uint64(m.cfg.FailureTicks) {
		m.sq.catchUpAt = 0 // the request or its reply was lost; the next heartbeat asks again
	}
	if m.state == Member && m.sq.verifySeq > 0 && m.sq.catchUpAt == 0 {
		m.requestCatchUp() // the check of the history must not wait for a heartbeat
	}
	if (m.state == Member || m.state == Leaving) && len(m.sq.outbox) > 0 && m.tick-m.sq.lastResend > uint64(m.cfg.FailureTicks) {
		m.resendOutbox()
	}
	m.checkLeaving()
}

// PeerDown reports that the connection to peer failed, and why.
func (m *Machine) PeerDown(peer protocol.NodeInfo, why string) {
	defer m.flush()
	if m.state == Joining && ((peer.ID == "" && peer.Addr == m.jn.via.Addr) || (peer.ID != "" && peer.ID == m.jn.via.ID)) {
		m.joinFailed("cannot reach " + peer.Addr + ": " + why)
		return
	}
	if peer.ID != "" {
		if cur := m.peerInfo(peer.ID, ""); cur.Addr != "" && peer.Addr != "" && cur.Addr != peer.Addr {
			return // an address the peer had before it restarted: it is elsewhere now
		}
		m.peerGone(peer.ID, "died")
	}
}

// Heard notes that a member's traffic has arrived, though the driver has
// not fed it to the machine yet (it waits behind other input): the member
// is alive. Failure detection counts silence from then.
func (m *Machine) Heard(id string) {
	if m.isMember(id) {
		m.heardFrom(id)
	}
}

// Stored tells the machine that the log's durable point (Log.Durable) may
// have moved: a leader counts itself towards the commit, a member tells its
// leader with the next Ready.
func (m *Machine) Stored() { m.flush() }

// Step handles one message received from the node with id from.
func (m *Machine) Step(h protocol.Header, msg protocol.Message) {
	m.Witness(h.Lamport)
	from := h.From
	defer m.flush()

	if m.tick <= m.el.relayUntil && (m.state == Detached || m.state == Joining) {
		switch msg.(type) {
		case protocol.Election, protocol.Elected:
			m.passOn(msg, m.el.relayTo) // a leader that just handed over (handover)
			return
		}
	}
	if m.state == Detached {
		switch msg := msg.(type) {
		case protocol.JoinRequest:
			m.refuseJoin(from, msg, "not a member of any ring")
		case protocol.Heartbeat:
			// A member of a ring this node left (or a part that lost sight
			// of it) learns it is out: from the last view this node had of
			// that ring, which leaves it out, or a refusal. At most once a
			// tick per sender.
			if msg.From != nil && msg.From.ID == from && m.answered[from] != m.tick && len(m.answered) < maxStrangers {
				m.answered[from] = m.tick
				if v := m.lastView(); v.RingID != "" && len(v.Members) > 0 && !hasMember(v.Members, m.self.ID) {
					m.send(*msg.From, v)
				} else {
					m.send(*msg.From, protocol.Refuse{Reason: "not a member of any ring"})
				}
			}
		case protocol.Refuse, protocol.Ack:
		default:
			if p := m.senderInfo(from, msg); p.Addr != "" {
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
	if _, out := m.gone[from]; out || m.isMember(from) {
		m.heardFrom(from)
	}
	if m.IsLeader() && h.Epoch > m.epoch && m.isMember(from) {
		// A member voted in a newer epoch: this leader is deposed.
		m.stepDown("a member is in a newer epoch")
	}
	if from == m.leader.ID && h.Epoch > m.epoch && !m.IsLeader() && (m.state == Member || m.state == Leaving) {
		m.loseLeader("the leader voted in a newer epoch")
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
		m.onDeliver(h, msg)
	case protocol.Ack:
		m.onAck(h, msg)
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

// lastView is the last view of its ring that a detached node's history
// holds, committed or not, without a leader.
func (m *Machine) lastView() protocol.View {
	if len(m.q.configs) == 0 {
		return protocol.View{}
	}
	c := m.q.configs[len(m.q.configs)-1]
	return protocol.View{Version: c.seq, Epoch: m.epoch, Members: slices.Clone(c.members), RingID: m.view.RingID}
}

// senderInfo finds the sender's address: known, or named in the message.
func (m *Machine) senderInfo(from string, msg protocol.Message) protocol.NodeInfo {
	if p := m.peerInfo(from, ""); p.Addr != "" {
		return p
	}
	var in []protocol.NodeInfo
	switch msg := msg.(type) {
	case protocol.Election:
		in = msg.Route
	case protocol.Elected:
		in = append(msg.Ring, msg.Route...)
	case protocol.View:
		in = msg.Members
	}
	for _, n := range in {
		if n.ID == from {
			return n
		}
	}
	return protocol.NodeInfo{}
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
	if m.lv.before != nil && m.IsLeader() {
		m.tryHandover()
	}
	m.flushBroadcast()
}
