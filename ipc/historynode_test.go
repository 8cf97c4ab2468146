package ipc

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/daemon/watch/watchtest"
)

// historyNode is a fake node with a history (answering as daemon/store
// does), followed through a real watch.Hub with a buffer of the test's
// choosing: publish stores a message, then hands it to every watcher (the
// hub drops one whose buffer is full, and the follower resumes from the
// history).
type historyNode struct {
	*fakeNode
	*watchtest.History
	hub *watch.Hub
}

func newHistoryNode(buffer int) *historyNode {
	h := &historyNode{fakeNode: newFakeNode(), History: &watchtest.History{}}
	h.hub = watch.New(h.Read, buffer, slog.New(slog.DiscardHandler))
	return h
}

func (h *historyNode) Status() chat.Status {
	st := h.fakeNode.Status()
	st.LastSeq = h.LastSeq()
	return st
}

func (h *historyNode) Follow(q watch.Query) ([]chat.Message, *watch.Follower, error) {
	return h.hub.Follow(q, h.LastSeq())
}

// publish stores m (a sequenced message must follow the last one) and hands
// it to the watchers.
func (h *historyNode) publish(m chat.Message) {
	h.Store(m)
	h.hub.Publish(m)
}

func (h *historyNode) watchers() int { return h.hub.Len() }

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
