package ipc

import (
	"context"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/watch"
)

// historyNode is a fake node with a history, followed through a real
// watch.Hub with a buffer of the test's choosing: watch answers from the
// history the way daemon/store does (Last, and Since with the direct
// messages in place); publish stores a message, then hands it to every
// watcher (the hub drops one whose buffer is full, and the follower
// resumes from the history).
type historyNode struct {
	*fakeNode
	hub *watch.Hub

	mu      sync.Mutex
	hist    []stored
	lastSeq uint64
	queries []watch.Query // every read of the history, in order
}

// stored is one message of the history at its place: a sequenced message at
// its seq, a direct one at the last seq when it arrived (daemon/store keys).
type stored struct {
	pos uint64
	m   chat.Message
}

func newHistoryNode(buffer int) *historyNode {
	h := &historyNode{fakeNode: newFakeNode()}
	h.hub = watch.New(h.history, buffer, slog.New(slog.DiscardHandler))
	return h
}

func (h *historyNode) Status() chat.Status {
	st := h.fakeNode.Status()
	h.mu.Lock()
	defer h.mu.Unlock()
	st.LastSeq = h.lastSeq
	return st
}

func (h *historyNode) Follow(q watch.Query) ([]chat.Message, *watch.Follower, error) {
	floor := q.Since
	if !q.HasSince {
		floor = h.Status().LastSeq
	}
	return h.hub.Follow(q, floor)
}

// history is store.Last and store.Since over h.hist.
func (h *historyNode) history(q watch.Query) []chat.Message {
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

// publish stores m (a sequenced message must follow the last one) and hands
// it to the watchers.
func (h *historyNode) publish(m chat.Message) {
	h.store(m)
	h.hub.Publish(m)
}

// store adds msgs to the history without showing them to anyone.
func (h *historyNode) store(msgs ...chat.Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range msgs {
		if m.Seq != 0 {
			if m.Seq != h.lastSeq+1 {
				panic("historyNode: a gap in the sequence")
			}
			h.lastSeq = m.Seq
		}
		h.hist = append(h.hist, stored{pos: h.lastSeq, m: m})
	}
}

func (h *historyNode) watchers() int { return h.hub.Len() }

func (h *historyNode) watchQueries() []watch.Query {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]watch.Query(nil), h.queries...)
}

// serveBackend starts the API over n on a temp socket.
func serveBackend(t testing.TB, n Node, logger *slog.Logger) (sock string) {
	t.Helper()
	sock = filepath.Join(shortDir(t), "ringd.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := newServer(n, logger)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return sock
}

// chatMessage is sequenced message seq; directMessage a direct one.
func chatMessage(seq uint64) chat.Message {
	m := fakeMessage(seq, "chat message number "+strconv.FormatUint(seq, 10))
	m.ID = fakeSelf.ID + "/" + strconv.FormatUint(seq, 10)
	return m
}

func directMessage(id string) chat.Message {
	return chat.Message{Epoch: 1, Lamport: 1, ID: "00000000000000bb/d" + id, Kind: chat.KindDirect,
		From: chat.NodeRef{ID: "00000000000000bb", Name: "bob", Addr: "127.0.0.1:7734"}, To: fakeSelf.ID,
		Text: "psst " + id}
}
