package watch_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/daemon/watch/watchtest"
)

// What is published while Watch reads the history reaches the watcher
// once: in the backlog or on the channel, never both.
func TestWatchHandsOnWhatIsPublishedDuringTheRead(t *testing.T) {
	h := &watchtest.History{}
	h.Store(watchtest.Seqs(1, 3)...)
	var hub *watch.Hub
	read := func(q watch.Query) []chat.Message {
		publish(hub, h, watchtest.ChatMessage(4), watchtest.DirectMessage("x")) // stored before the read: in the backlog
		msgs := h.Read(q)
		publish(hub, h, watchtest.ChatMessage(5)) // after it: on the channel only
		return msgs
	}
	hub = watch.New(read, 0, discard())
	backlog, sub, err := hub.Watch(watch.Query{N: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var got []chat.Message
	got = append(got, backlog...)
	for len(sub.C) > 0 {
		got = append(got, (<-sub.C).Message)
	}
	if want := "1 2 3 4 d:00000000000000bb/dx 5"; watchtest.Labels(got) != want {
		t.Fatalf("got %s, want %s", watchtest.Labels(got), want)
	}
}

// A watcher that falls Buffer messages behind is dropped, never waited for.
func TestSlowWatcherIsDropped(t *testing.T) {
	hub, h, logs := testHub(8)
	_, slow, err := hub.Watch(watch.Query{N: 0})
	if err != nil {
		t.Fatal(err)
	}
	publish(hub, h, watchtest.Seqs(1, 9)...)
	count := 0
	for range slow.C {
		count++
	}
	if count != 8 || !errors.Is(slow.Err(), watch.ErrWatcherTooSlow) || hub.Len() != 0 {
		t.Fatalf("slow watcher got %d messages, err %v, %d watchers left", count, slow.Err(), hub.Len())
	}
	if logs.String() == "" {
		t.Fatal("the drop is not logged")
	}
}

// Stop ends every watcher with its reason and refuses new ones.
func TestStopEndsWatchers(t *testing.T) {
	hub, _, _ := testHub(0)
	_, sub, err := hub.Watch(watch.Query{})
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
	if _, _, err := hub.Watch(watch.Query{}); !errors.Is(err, stopped) {
		t.Fatalf("Watch after Stop: %v", err)
	}
}

// Every watcher of a published message gets the same JSON line, encoded
// once: the local API's form of the message and a newline.
func TestPublishedMessageIsEncodedOnceForAllWatchers(t *testing.T) {
	hub, h, _ := testHub(0)
	_, a, err := hub.Watch(watch.Query{N: 0})
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := hub.Watch(watch.Query{N: 0})
	if err != nil {
		t.Fatal(err)
	}
	m := watchtest.ChatMessage(1)
	publish(hub, h, m)
	ma, mb := <-a.C, <-b.C
	la, err := ma.JSON()
	if err != nil {
		t.Fatal(err)
	}
	lb, _ := mb.JSON()
	want, _ := json.Marshal(m)
	if string(la) != string(want)+"\n" {
		t.Fatalf("line %q, want %q", la, string(want)+"\n")
	}
	if &la[0] != &lb[0] {
		t.Fatal("the two watchers got two encodings of one message")
	}
}
