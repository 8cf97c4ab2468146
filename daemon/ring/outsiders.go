package ring

// How a member answers ring traffic from a node outside its view.

import (
	"github.com/ringchat/ring/protocol"
)

// answerOutsider answers ring traffic from a node that is not in this
// node's view with the committed view, so that a node the ring dropped
// finds out (onMemberView). Only a node that follows a leader answers: the
// view names it.
func (m *Machine) answerOutsider(from string, msg protocol.Message) {
	switch msg.(type) {
	case protocol.Heartbeat, protocol.Election, protocol.Elected, protocol.Submit, protocol.Ack,
		protocol.Deliver, protocol.CatchUpRequest, protocol.CatchUpReply:
	default:
		return
	}
	if m.leader.ID == "" || (m.state != Member && m.state != Leaving) || len(m.view.Members) == 0 || m.inRing(from) {
		return
	}
	if hb, ok := msg.(protocol.Heartbeat); ok && hb.From != nil && hb.From.ID == from {
		if _, known := m.known[from]; known && m.live.lastAnswered[from] != m.tick {
			m.live.lastAnswered[from] = m.tick
			m.send(*hb.From, m.committedView()) // at the address it names: it may have moved
			return
		}
	}
	if p, ok := m.known[from]; ok {
		m.send(p, m.committedView())
		return
	}
	// A node this one never heard of: it was admitted by a leader that died
	// before its view reached here. Its heartbeat says where it is. At most
	// maxStrangers of them are answered between two views (which forget
	// them), so made-up senders cannot grow the lastAnswered map.
	at, answered := m.live.lastAnswered[from]
	if hb, ok := msg.(protocol.Heartbeat); ok && hb.From != nil && hb.From.ID == from && (!answered || at != m.tick) &&
		len(m.live.lastAnswered) < len(m.view.Members)+maxStrangers {
		m.live.lastAnswered[from] = m.tick
		m.send(*hb.From, m.committedView())
	}
}

// maxStrangers bounds the unknown senders a member answers between views.
const maxStrangers = 64
