package watch

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

// history is a store for the tests: it answers Last and Since the way
// daemon/store does (a direct message at the last seq when it arrived) and
// records every query.
type history struct {
	mu      sync.Mutex
	hist    []stored
	lastSeq uint64
	queries []Query
}

type stored struct {
	pos uint64
	m   chat.Message
}

func (h *history) read(q Query) []chat.Message {
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

func (h *history) store(msgs ...chat.Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range msgs {
		if m.Seq != 0 {
			if m.Seq != h.lastSeq+1 {
				panic("history: a gap in the sequence")
			}
			h.lastSeq = m.Seq
		}
		h.hist = append(h.hist, stored{pos: h.lastSeq, m: m})
	}
}

// retain removes the oldest messages up to and including seq, as retention does.
func (h *history) retain(seq uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i := 0
	for i < len(h.hist) && h.hist[i].pos <= seq {
		i++
	}
	h.hist = h.hist[i:]
}

func (h *history) readQueries() []Query {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Query(nil), h.queries...)
}

// lockedBuf is a log sink safe for the hub's goroutines.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testHub is a hub over a test history with the given buffer, logging to logs.
func testHub(buffer int) (*Hub, *history, *lockedBuf) {
	h, logs := &history{}, &lockedBuf{}
	return New(h.read, buffer, slog.New(slog.NewJSONHandler(logs, nil))), h, logs
}

// publish stores msgs and hands them to the watchers, as the node does.
func publish(hub *Hub, h *history, msgs ...chat.Message) {
	for _, m := range msgs {
		h.store(m)
		hub.Publish(m)
	}
}

// dropAll ends every subscription as too slow, as Publish does with a
// watcher whose buffer is full; what is buffered is still delivered.
func (h *Hub) dropAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		h.dropLocked(sub, ErrWatcherTooSlow)
	}
}

// next takes n messages from f, failing the test if it cannot within 5 s.
func next(t *testing.T, f *Follower, n int) []chat.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got []chat.Message
	for range n {
		m, err := f.Next(ctx)
		if err != nil {
			t.Fatalf("after %d of %d messages: %v", len(got), n, err)
		}
		got = append(got, m)
	}
	return got
}

// nothingWaiting fails the test if f has a message ready.
func nothingWaiting(t *testing.T, f *Follower) {
	t.Helper()
	if m, ok := f.Ready(); ok {
		t.Fatalf("and then %s", label(m))
	}
}

func chatMessage(seq uint64) chat.Message {
	return chat.Message{Seq: seq, Epoch: 1, Lamport: seq, ID: "00000000000000aa/" + strconv.FormatUint(seq, 10),
		Kind: chat.KindChat, Text: "chat message number " + strconv.FormatUint(seq, 10)}
}

func directMessage(id string) chat.Message {
	return chat.Message{Epoch: 1, Lamport: 1, ID: "00000000000000bb/d" + id, Kind: chat.KindDirect, Text: "psst " + id}
}

func seqs(from, to uint64) []chat.Message {
	var out []chat.Message
	for seq := from; seq <= to; seq++ {
		out = append(out, chatMessage(seq))
	}
	return out
}

func concat(parts ...[]chat.Message) []chat.Message {
	var out []chat.Message
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// label names a message for comparisons: its seq, or d:ID for a direct one.
func label(m chat.Message) string {
	if m.Seq == 0 {
		return "d:" + m.ID
	}
	return fmt.Sprint(m.Seq)
}

func labels(ms []chat.Message) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = label(m)
	}
	return strings.Join(s, " ")
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
