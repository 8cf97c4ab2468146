package daemon

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
	return m
}

// entryWithPresence is the inverse of withPresence.
func entryWithPresence(e protocol.Entry, m chat.Message) protocol.Entry {
	if m.Presence != "" && m.About != nil {
		e.About = protocol.NodeInfo{ID: m.About.ID, Name: m.About.Name, Addr: m.About.Addr}
		e.Presence = m.Presence
	}
	return e
}
