package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

func chatMsg(seq uint64, text string) chat.Message {
	return chat.Message{Seq: seq, Kind: chat.KindChat, Text: text}
}

func TestTrackerTextRoundTrip(t *testing.T) {
	tr := newTracker(3, 64)
	for _, i := range []int{0, 7, 123456} {
		text := tr.text(i)
		if len(text) != 64 {
			t.Errorf("text %d is %d bytes, want 64", i, len(text))
		}
		if got, ok := tr.index(text); !ok || got != i {
			t.Errorf("index(text(%d)) = %d, %v", i, got, ok)
		}
	}
	other := newTracker(3, 64)
	if _, ok := tr.index(other.text(1)); ok {
		t.Error("a message of another run counted as this run's")
	}
	for _, s := range []string{"hello", tr.prefix, tr.prefix + "x1 ", tr.prefix + "-3 "} {
		if _, ok := tr.index(s); ok {
			t.Errorf("index(%q) accepted", s)
		}
	}
}

// TestTrackerLatencies: arrivals at known times give known latencies, a
// message is complete only once every node that must have it has it, and a
// second arrival on one node is a duplicate.
func TestTrackerLatencies(t *testing.T) {
	tr := newTracker(3, 40)
	at := func(ms int) time.Time { return tr.base.Add(time.Duration(ms) * time.Millisecond) }
	i0, text0 := tr.add(3, at(10))
	i1, text1 := tr.add(3, at(20))
	tr.observe(0, chatMsg(1, text0), at(11))
	tr.observe(1, chatMsg(1, text0), at(12))
	if tr.isComplete(i0) {
		t.Fatal("complete after 2 of 3 nodes")
	}
	tr.observe(2, chatMsg(1, text0), at(15))
	tr.observe(0, chatMsg(2, text1), at(21))
	tr.observe(1, chatMsg(2, text1), at(22))
	tr.observe(2, chatMsg(2, text1), at(30))
	tr.observe(2, chatMsg(2, text1), at(31)) // again
	tr.observe(1, chatMsg(3, "someone else's"), at(31))
	if !tr.isComplete(i0) || !tr.isComplete(i1) {
		t.Fatal("not complete after every node had them")
	}
	said, done := tr.counts()
	if said != 2 || done != 2 {
		t.Fatalf("counts = %d said, %d complete", said, done)
	}
	if d := tr.duplicates(); len(d) != 1 || !strings.Contains(d[0], "message 1 (seq 2) twice on node 3") {
		t.Fatalf("duplicates = %q", d)
	}
	sp := tr.summarise(i0, i1+1, true)
	if sp.complete != 2 || sp.firstSent != 10*time.Millisecond || sp.lastArrive != 30*time.Millisecond {
		t.Fatalf("span = %+v", sp)
	}
	if got := distOf(sp.toAll); got.N != 2 || got.Max != 10 || got.P50 != 5 {
		t.Errorf("to all = %+v, want 5 and 10 ms", got)
	}
	if got := distOf(sp.toEach); got.N != 6 || got.Max != 10 || got.P50 != 2 {
		t.Errorf("to each = %+v, want 6 arrivals, p50 2 ms, max 10 ms", got)
	}
}

func TestTrackerMissingWithdrawnDead(t *testing.T) {
	tr := newTracker(3, 40)
	now := tr.base
	i0, text0 := tr.add(2, now)
	i1, _ := tr.add(2, now)
	tr.withdraw(i1)
	tr.markDead(2)
	tr.observe(0, chatMsg(1, text0), now.Add(time.Millisecond))
	if got := tr.firstIncomplete(i0, i1+1); got != i0 {
		t.Fatalf("firstIncomplete = %d, want %d", got, i0)
	}
	sp := tr.summarise(i0, i1+1, false)
	if sp.said != 1 || sp.complete != 0 || sp.missing[1] != 1 || sp.missing[2] != 0 || len(sp.missing) != 1 {
		t.Fatalf("span = %+v: want 1 said, node 2 missing it, the dead node 3 not counted", sp)
	}
	tr.observe(1, chatMsg(1, text0), now.Add(2*time.Millisecond))
	if got := tr.firstIncomplete(i0, i1+1); got != i1+1 {
		t.Fatalf("firstIncomplete = %d, want %d (the withdrawn message does not count)", got, i1+1)
	}
	if said, _ := tr.counts(); said != 1 {
		t.Fatalf("said = %d, want 1", said)
	}
}

func TestTrackerLeaderEvents(t *testing.T) {
	tr := newTracker(2, 40)
	ev := chat.Message{Kind: chat.KindSystem, Presence: "leader", Text: "n2 is the new leader"}
	tr.observe(1, ev, tr.base.Add(5*time.Millisecond))
	tr.observe(0, ev, tr.base.Add(9*time.Millisecond))
	if got := tr.leadersSince(6 * time.Millisecond); len(got) != 1 || got[0].node != 0 {
		t.Fatalf("leadersSince(6ms) = %+v", got)
	}
}
