package watch_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/daemon/watch/watchtest"
	"github.com/ringchat/ring/internal/testutil"
)

// testHub is a hub over a test history with the given buffer, logging to logs.
func testHub(buffer int) (*watch.Hub, *watchtest.History, *testutil.SyncBuffer) {
	h, logs := &watchtest.History{}, &testutil.SyncBuffer{}
	return watch.New(h.Read, buffer, slog.New(slog.NewJSONHandler(logs, nil))), h, logs
}

// publish stores msgs and hands them to the watchers, as the node does.
func publish(hub *watch.Hub, h *watchtest.History, msgs ...chat.Message) {
	for _, m := range msgs {
		h.Store(m)
		hub.Publish(m)
	}
}

// next takes n messages from f, failing the test if it cannot within 5 s.
func next(t *testing.T, f *watch.Follower, n int) []chat.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got []chat.Message
	for range n {
		m, err := f.Next(ctx)
		if err != nil {
			t.Fatalf("after %d of %d messages: %v", len(got), n, err)
		}
		got = append(got, m.Message)
	}
	return got
}

// nothingWaiting fails the test if f has a message ready.
func nothingWaiting(t *testing.T, f *watch.Follower) {
	t.Helper()
	if m, ok := f.Ready(); ok {
		t.Fatalf("and then %s", watchtest.Label(m.Message))
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
