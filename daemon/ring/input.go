package ring

// The machine's inputs besides the local requests: time, lost connections
// and received messages, which go to the handler of their topic.

import (
	"github.com/ringchat/ring/protocol"
)

// Tick advances time by one heartbeat interval.
func (m *Machine) Tick() {
	m.tick++
	defer m.flush()
	switch m.state {
	case Detached:
		return
	case Joining:
		m.joinTick()
		return
	}
	if m.outOfViewTick() {
		return
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
	m.catchUpTick()
	if (m.state == Member || m.state == Leaving) && len(m.outbox.queue) > 0 && m.tick-m.outbox.lastResend > uint64(m.cfg.FailureTicks) {
		m.resendOutbox()
	}
	m.checkLeaving()
}

// outOfViewTick: a node that is not the leader and that the views leave
// out has left (its removal is committed) or asks to come back. It
// reports whether that ended the tick.
func (m *Machine) outOfViewTick() bool {
	if m.IsLeader() || !m.outOfView() {
		return false
	}
	switch {
	case m.state == Leaving:
		m.detach() // its removal is committed: the leave is done
		m.leftRing()
		return true
	case m.state == Member && m.leader.ID != "":
		m.backToRing(m.leader) // the ring's view leaves this node out: it asks to come back
		return true
	}
	return false
}

// PeerDown reports that the connection to peer failed, and why.
func (m *Machine) PeerDown(peer protocol.NodeInfo, why string) {
	defer m.flush()
	if m.state == Joining && ((peer.ID == "" && peer.Addr == m.join.via.Addr) || (peer.ID != "" && peer.ID == m.join.via.ID)) {
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

// Stored tells the machine that the log's durable point (Log.Durable) may
// have moved: a leader counts itself towards the commit, a member tells its
// leader with the next Ready.
func (m *Machine) Stored() { m.flush() }

// Step handles one message received from the node with id from.
func (m *Machine) Step(h protocol.Header, msg protocol.Message) {
	m.Witness(h.Lamport)
	defer m.flush()
	if m.relaysAfterHandover(msg) {
		return
	}
	switch m.state {
	case Detached:
		m.stepDetached(h.From, msg)
		return
	case Joining:
		if !m.joiningTakes(h.From, msg) {
			return
		}
	}
	m.noteSender(h)
	m.answerOutsider(h.From, msg)
	m.dispatch(h, msg)
}

// noteSender: a member's message proves it alive, and one from a newer
// epoch deposes this node's leader, or this node if it leads.
func (m *Machine) noteSender(h protocol.Header) {
	from := h.From
	if _, out := m.live.gone[from]; out || m.isMember(from) {
		m.heardFrom(from, h.Epoch)
	}
	if m.IsLeader() && h.Epoch > m.epoch && m.isMember(from) {
		// A member voted in a newer epoch: this leader is deposed.
		m.stepDown("a member is in a newer epoch")
	}
	if from == m.leader.ID && h.Epoch > m.epoch && !m.IsLeader() && (m.state == Member || m.state == Leaving) {
		m.loseLeader("the leader voted in a newer epoch")
	}
}

// dispatch hands a message of a node in a ring to its topic's handler.
func (m *Machine) dispatch(h protocol.Header, msg protocol.Message) {
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
		m.peerGone(h.From, "left")
	}
}
