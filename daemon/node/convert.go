package node

import (
	"strconv"
	"strings"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/protocol"
)

// directMark sets the counters of direct messages apart from the ring's in
// message ids: ORIGIN/dN.
const directMark = "d"

// messageOf turns a protocol entry into a chat message.
func messageOf(e protocol.Entry) chat.Message {
	counter := strconv.FormatUint(e.OriginCounter, 10)
	if e.Kind == protocol.KindDirect {
		counter = directMark + counter
	}
	return withPresence(chat.Message{
		Seq:     e.Seq,
		Epoch:   e.Epoch,
		Lamport: e.Lamport,
		ID:      e.OriginID + "/" + counter,
		Kind:    e.Kind,
		From:    chat.NodeRef{ID: e.OriginID, Name: e.FromName, Addr: e.FromAddr},
		To:      e.To,
		Text:    e.Text,
		Time:    time.Unix(0, e.TimeUnixNano).UTC(),
	}, e)
}

// entryOf is the inverse of messageOf.
func entryOf(m chat.Message) protocol.Entry {
	counter := uint64(0)
	if i := strings.LastIndexByte(m.ID, '/'); i >= 0 {
		counter, _ = strconv.ParseUint(strings.TrimPrefix(m.ID[i+1:], directMark), 10, 64)
	}
	return entryWithPresence(protocol.Entry{
		Seq:           m.Seq,
		Epoch:         m.Epoch,
		Lamport:       m.Lamport,
		OriginID:      m.From.ID,
		OriginCounter: counter,
		Kind:          m.Kind,
		FromName:      m.From.Name,
		FromAddr:      m.From.Addr,
		To:            m.To,
		Text:          m.Text,
		TimeUnixNano:  m.Time.UnixNano(),
	}, m)
}
