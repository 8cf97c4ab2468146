package node

import (
	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/protocol"
)

// withPresence copies the presence event of a system entry to its message.
func withPresence(m chat.Message, e protocol.Entry) chat.Message {
	if e.Presence != "" {
		m.About = &chat.NodeRef{ID: e.About.ID, Name: e.About.Name, Addr: e.About.Addr}
		m.Presence = e.Presence
	}
	if len(e.Members) > 0 {
		m.Members = make([]chat.NodeRef, len(e.Members))
		for i, n := range e.Members {
			m.Members[i] = chat.NodeRef{ID: n.ID, Name: n.Name, Addr: n.Addr}
		}
	}
	return m
}

// entryWithPresence is the inverse of withPresence.
func entryWithPresence(e protocol.Entry, m chat.Message) protocol.Entry {
	if m.Presence != "" && m.About != nil {
		e.About = protocol.NodeInfo{ID: m.About.ID, Name: m.About.Name, Addr: m.About.Addr}
		e.Presence = m.Presence
	}
	e.Members = nodesOf(m.Members)
	return e
}

func nodesOf(refs []chat.NodeRef) []protocol.NodeInfo {
	if len(refs) == 0 {
		return nil
	}
	out := make([]protocol.NodeInfo, len(refs))
	for i, r := range refs {
		out[i] = protocol.NodeInfo{ID: r.ID, Name: r.Name, Addr: r.Addr}
	}
	return out
}
