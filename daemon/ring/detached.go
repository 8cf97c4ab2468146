package ring

// What a node in no ring (detached, or joining one) does with the ring
// traffic that still reaches it.

import (
	"slices"

	"github.com/ringchat/ring/protocol"
)

// stepDetached answers what reaches a node in no ring.
func (m *Machine) stepDetached(from string, msg protocol.Message) {
	switch msg := msg.(type) {
	case protocol.JoinRequest:
		m.refuseJoin(from, msg, "not a member of any ring")
	case protocol.Heartbeat:
		// A member of a ring this node left (or a part that lost sight
		// of it) learns it is out: from the last view this node had of
		// that ring, which leaves it out, or a refusal. At most once a
		// tick per sender.
		if msg.From != nil && msg.From.ID == from && m.live.lastAnswered[from] != m.tick && len(m.live.lastAnswered) < maxStrangers {
			m.live.lastAnswered[from] = m.tick
			if v := m.lastKnownView(); v.RingID != "" && len(v.Members) > 0 && !hasMember(v.Members, m.self.ID) {
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
}

// joiningTakes says whether a joining node handles msg: only the reply
// to its request. It refuses to admit others.
func (m *Machine) joiningTakes(from string, msg protocol.Message) bool {
	switch msg := msg.(type) {
	case protocol.JoinReply:
		return true
	case protocol.JoinRequest:
		m.refuseJoin(from, msg, "not a member of any ring: joining one itself")
	}
	return false // not in a ring yet: the old ring's traffic (an election, say) is not ours
}

// lastKnownView is the last view of its ring that a detached node's history
// holds, committed or not, without a leader.
func (m *Machine) lastKnownView() protocol.View {
	if len(m.configs) == 0 {
		return protocol.View{}
	}
	c := m.configs[len(m.configs)-1]
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

// refuseJoin answers a join request while this node is in no ring.
func (m *Machine) refuseJoin(from string, r protocol.JoinRequest, why string) {
	if r.Node.ID != from || r.Node.Addr == "" {
		return
	}
	m.send(r.Node, protocol.JoinReply{Error: why, View: protocol.View{RingID: m.restart.home.id}})
}
