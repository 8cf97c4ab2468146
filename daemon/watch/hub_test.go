package watch

import (
	"errors"
	"testing"

	"github.com/ringchat/ring/daemon/chat"
)

// What is published while Watch reads the history reaches the watcher
// once: in the backlog or on the channel, never both.
func TestWatchHandsOnWhatIsPublishedDuringTheRead(t *testing.T) {
	h := &history{}
	h.store(seqs(1, 3)...)
	var hub *Hub
	read := func(q Query) []chat.Message {
		publish(hub, h, chatMessage(4), directMessage("x")) // stored before the read: in the backlog
		msgs := h.read(q)
		publish(hub, h, chatMessage(5)) // after it: on the channel only
		return msgs
	}
	hub = New(read, 0, discard())
	backlog, sub, err := hub.Watch(Query{N: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var got []chat.Message
	got = append(got, backlog...)
	for len(sub.C) > 0 {
		got = append(got, <-sub.C)
	}
	if want := "1 2 3 4 d:00000000000000bb/dx 5"; labels(got) != want {
		t.Fatalf("got %s, want %s", labels(got), want)
	}
}

// A watcher that falls Buffer messages behind is dropped, never waited for.
func TestSlowWatcherIsDropped(t *testing.T) {
	hub, h, logs := testHub(8)
	_, slow, err := hub.Watch(Query{N: 0})
	if err != nil {
		t.Fatal(err)
	}
	publish(hub, h, seqs(1, 9)...)
	count := 0
	for range slow.C {
		count++
	}
	if count != 8 || !errors.Is(slow.Err(), ErrWatcherTooSlow) || hub.Len() != 0 {
		t.Fatalf("slow watcher got %d messages, err %v, %d watchers left", count, slow.Err(), hub.Len())
	}
	if logs.String() == "" {
		t.Fatal("the drop is not logged")
	}
}

// Stop ends every watcher with its reason and refuses new ones.
func TestStopEndsWatchers(t *testing.T) {
	hub, _, _ := testHub(0)
	_, sub, err := hub.Watch(Query{})
	if err != nil {
		t.Fatal(err)
	}
	stopped := errors.New("stopping")
	hub.Stop(stopped)
	for range sub.C {
	}
	if !errors.Is(sub.Err(), stopped) {
		t.Fatalf("err %v, want %v", sub.Err(), stopped)
	}
	if _, _, err := hub.Watch(Query{}); !errors.Is(err, stopped) {
		t.Fatalf("Watch after Stop: %v", err)
	}
}
