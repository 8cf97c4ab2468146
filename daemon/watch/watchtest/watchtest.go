// Package watchtest has what tests of watchers share: a history that
// answers queries the way daemon/store does, and messages to fill it with.
// It is for tests only.
package watchtest

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/watch"
)

// History is a stored history: a sequenced message at its seq, a direct
// one at the last seq when it arrived (daemon/store's keys). It records
// every query it answers. Safe for concurrent use.
type History struct {
	mu      sync.Mutex
	hist    []stored
	lastSeq uint64
	queries []watch.Query
}

type stored struct {
	pos uint64
	m   chat.Message
}

// Read answers q as store.Last (without HasSince) and store.Since do: Since
// holds the sequenced messages above q.Since and the direct messages
// stored after it. It is a watch.History.
func (h *History) Read(q watch.Query) []chat.Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.queries = append(h.queries, q)
	var out []chat.Message
	if !q.HasSince {
		for _, s := range h.hist[len(h.hist)-min(q.N, len(h.hist)):] {
			out = append(out, s.m)
		}
		return out
	}
	if len(h.hist) == 0 {
		return nil
	}
	since := min(q.Since, h.hist[len(h.hist)-1].pos)
	for _, s := range h.hist {
		if (s.m.Seq == 0 && s.pos >= since) || s.m.Seq > since {
			out = append(out, s.m)
		}
	}
	return out
}

// Store adds msgs; a sequenced message must follow the last one.
func (h *History) Store(msgs ...chat.Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range msgs {
		if m.Seq != 0 {
			if m.Seq != h.lastSeq+1 {
				panic(fmt.Sprintf("watchtest: message %d stored after %d", m.Seq, h.lastSeq))
			}
			h.lastSeq = m.Seq
		}
		h.hist = append(h.hist, stored{pos: h.lastSeq, m: m})
	}
}

// Retain removes the oldest messages up to and including seq, as retention does.
func (h *History) Retain(seq uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i := 0
	for i < len(h.hist) && h.hist[i].pos <= seq {
		i++
	}
	h.hist = h.hist[i:]
}

// LastSeq is the highest seq stored.
func (h *History) LastSeq() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastSeq
}

// Queries are the queries answered, in order.
func (h *History) Queries() []watch.Query {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]watch.Query(nil), h.queries...)
}

// Author is the node that says the chat messages of ChatMessage.
var Author = chat.NodeRef{ID: "00000000000000aa", Name: "alice", Addr: "127.0.0.1:7733"}

// ChatMessage is sequenced message seq, said by Author.
func ChatMessage(seq uint64) chat.Message {
	return chat.Message{Seq: seq, Epoch: 1, Lamport: seq, ID: Author.ID + "/" + strconv.FormatUint(seq, 10),
		Kind: chat.KindChat, From: Author, Text: "chat message number " + strconv.FormatUint(seq, 10),
		Time: time.Unix(0, 0).UTC()}
}

// DirectMessage is a direct message from bob to Author, its id ending in id.
func DirectMessage(id string) chat.Message {
	return chat.Message{Epoch: 1, Lamport: 1, ID: "00000000000000bb/d" + id, Kind: chat.KindDirect,
		From: chat.NodeRef{ID: "00000000000000bb", Name: "bob", Addr: "127.0.0.1:7734"}, To: Author.ID,
		Text: "psst " + id}
}

// Seqs are the chat messages from to to, in order.
func Seqs(from, to uint64) []chat.Message {
	var out []chat.Message
	for seq := from; seq <= to; seq++ {
		out = append(out, ChatMessage(seq))
	}
	return out
}

// Concat joins lists of messages.
func Concat(parts ...[]chat.Message) []chat.Message {
	var out []chat.Message
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Label names a message for comparisons: its seq, or d:ID for a direct one.
func Label(m chat.Message) string {
	if m.Seq == 0 {
		return "d:" + m.ID
	}
	return fmt.Sprint(m.Seq)
}

// Labels are the labels of ms, space-separated.
func Labels(ms []chat.Message) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = Label(m)
	}
	return strings.Join(s, " ")
}
