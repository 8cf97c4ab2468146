package node

import (
	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/store"
	"github.com/ringchat/ring/protocol"
)

// The node stores each entry as a store.Record (store.RecordOf, and
// Record.Entry back); this is the one place where a record becomes the
// local API's chat message, for the watchers and the history it shows.

// messageOf turns a protocol entry into a chat message.
func messageOf(e protocol.Entry) chat.Message { return messageOfRecord(store.RecordOf(e)) }

// messageOfRecord turns a stored record into a chat message.
func messageOfRecord(r store.Record) chat.Message {
	m := chat.Message{
		Seq:     r.Seq,
		Epoch:   r.Epoch,
		Lamport: r.Lamport,
		ID:      r.ID(),
		Kind:    r.Kind,
		From:    chat.NodeRef{ID: r.OriginID, Name: r.FromName, Addr: r.FromAddr},
		To:      r.To,
		Text:    r.Text,
		Time:    r.Time,
	}
	if r.Presence != "" {
		about := refOf(r.About)
		m.About, m.Presence = &about, r.Presence
	}
	if len(r.Members) > 0 {
		m.Members = make([]chat.NodeRef, len(r.Members))
		for i, n := range r.Members {
			m.Members[i] = refOf(n)
		}
	}
	return m
}

// messagesOf turns stored records into chat messages.
func messagesOf(rs []store.Record) []chat.Message {
	if rs == nil {
		return nil
	}
	out := make([]chat.Message, len(rs))
	for i, r := range rs {
		out[i] = messageOfRecord(r)
	}
	return out
}

func refOf(n store.Node) chat.NodeRef { return chat.NodeRef{ID: n.ID, Name: n.Name, Addr: n.Addr} }
