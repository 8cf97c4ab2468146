package daemon

import (
	"strconv"
	"strings"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/history"
	"github.com/ringchat/ring/protocol"
)

// messageOf turns a sequenced protocol entry into a chat message.
func messageOf(e protocol.Entry) chat.Message {
	return chat.Message{
		Seq:     e.Seq,
		Epoch:   e.Epoch,
		Lamport: e.Lamport,
		ID:      e.OriginID + "/" + strconv.FormatUint(e.OriginCounter, 10),
		Kind:    e.Kind,
		From:    chat.NodeRef{ID: e.OriginID, Name: e.FromName, Addr: e.FromAddr},
		To:      e.To,
		Text:    e.Text,
		Time:    time.Unix(0, e.TimeUnixNano).UTC(),
	}
}

// entryOf is the inverse of messageOf.
func entryOf(m chat.Message) protocol.Entry {
	counter := uint64(0)
	if i := strings.LastIndexByte(m.ID, '/'); i >= 0 {
		counter, _ = strconv.ParseUint(m.ID[i+1:], 10, 64)
	}
	return protocol.Entry{
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
	}
}

// ringLog lets the ring machine append to and read from the history store.
type ringLog struct{ h *history.Memory }

func (l ringLog) LastSeq() uint64   { return l.h.LastSeq() }
func (l ringLog) LastEpoch() uint64 { return l.h.LastEpoch() }
func (l ringLog) Append(e protocol.Entry) error {
	return l.h.Append(messageOf(e))
}
func (l ringLog) After(seq uint64, max int) []protocol.Entry {
	ms := l.h.After(seq, max)
	out := make([]protocol.Entry, len(ms))
	for i, m := range ms {
		out[i] = entryOf(m)
	}
	return out
}
func (l ringLog) Reset() error { l.h.Reset(); return nil }
