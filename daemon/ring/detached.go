package ring

// What a node in no ring (detached, or joining one) does with the ring
// traffic that still reaches it.

import (
	"slices"

	"github.com/ringchat/ring/protocol"
)

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
