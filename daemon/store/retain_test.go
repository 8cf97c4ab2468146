package store

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/internal/testutil"
	"github.com/ringchat/ring/protocol"
)

func TestRetentionByCount(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{RetainCount: 5})
	appendRange(t, s, 1, 4, 1)
	appendRange(t, s, 5, 7, 2)
	mustAppend(t, s, directMsg("d", base), seqMsg(8, 2))
	wantLabels(t, "Last(-1)", s.Last(-1), "5", "6", "7", "d", "8")
	wantTip(t, s, tipWant{8, 2, 5})
	checkStarts(t, s, []epochCase{{1, 0, false}, {2, 5, true}})
	checkEnds(t, s, []epochCase{{0, 0, false}, {1, 4, true}, {2, 8, true}})
	if n, err := s.Prune(); n != 0 || err != nil {
		t.Errorf("Prune at the limit = %d, %v", n, err)
	}

	// The oldest retained epoch starts at the oldest retained message.
	appendRange(t, s, 9, 10, 2)
	wantLabels(t, "Last(-1)", s.Last(-1), "7", "d", "8", "9", "10")
	wantTip(t, s, tipWant{10, 2, 7})
	checkStarts(t, s, []epochCase{{2, 7, true}})
	checkEnds(t, s, []epochCase{{1, 0, false}, {2, 10, true}})

	if _, err := s.TruncateAfter(5); err == nil || !strings.Contains(err.Error(), "the history up to seq 6 is not held") {
		t.Errorf("TruncateAfter(5) below the floor = %v", err)
	}
	cut, err := s.TruncateAfter(6)
	if err != nil {
		t.Fatal(err)
	}
	wantLabels(t, "cut", cut, "7", "8", "9", "10")
	wantTip(t, s, tipWant{6, 2, 0})
	wantLabels(t, "Last(-1)", s.Last(-1), "d")

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, Options{RetainCount: 5})
	wantTip(t, s, tipWant{6, 2, 0})
	appendRange(t, s, 7, 8, 3)
	wantLabels(t, "Last(-1)", s.Last(-1), "d", "7", "8")
	wantTip(t, s, tipWant{8, 3, 7})
	checkEnds(t, s, []epochCase{{0, 0, false}, {1, 0, false}, {2, 6, true}, {3, 8, true}})
}

func TestRetentionByAge(t *testing.T) {
	path := tempPath(t)
	clk := testutil.NewClock(base.Add(10 * time.Minute))
	opts := Options{RetainAge: time.Hour, Now: clk.Now}
	s := openAt(t, path, opts)
	appendRange(t, s, 1, 10, 1) // seq i is sent i minutes after base
	wantTip(t, s, tipWant{10, 1, 1})

	clk.Set(base.Add(time.Hour + 5*time.Minute)) // seq 5 is just an hour old
	if n, err := s.Prune(); n != 4 || err != nil {
		t.Fatalf("Prune = %d, %v, want 4 removed", n, err)
	}
	wantTip(t, s, tipWant{10, 1, 5})
	checkStarts(t, s, []epochCase{{1, 5, true}})

	// Appends apply retention by age at most once a minute.
	clk.Add(30 * time.Second)
	appendRange(t, s, 11, 11, 2)
	wantTip(t, s, tipWant{11, 2, 5})
	clk.Add(31 * time.Second)
	appendRange(t, s, 12, 12, 2)
	wantTip(t, s, tipWant{12, 2, 7})

	// Everything expires; the tip stays, also across a reopen.
	clk.Add(24 * time.Hour)
	if n, err := s.Prune(); n != 6 || err != nil {
		t.Fatalf("Prune = %d, %v, want 6 removed", n, err)
	}
	wantTip(t, s, tipWant{12, 2, 0})
	checkEnds(t, s, []epochCase{{1, 0, false}, {2, 12, true}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, opts)
	wantTip(t, s, tipWant{12, 2, 0})
	wantLabels(t, "Last(-1)", s.Last(-1))
	if err := s.Append(seqMsg(12, 2)); err == nil {
		t.Error("seq 12 appended again after everything expired")
	}
}

// TestRetentionKeepsUncommitted: a node's store never removes a sequenced
// message above the commit point, however far over its count it is; the
// commit point moves on, and retention follows it.
func TestRetentionKeepsUncommitted(t *testing.T) {
	s := openAt(t, tempPath(t), Options{RetainCount: 2, KeepUncommitted: true})
	for i := uint64(1); i <= 5; i++ {
		if err := s.Append(seqMsg(i, 1)); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.FirstSeq(); got != 1 {
		t.Fatalf("first seq %d with nothing committed, want 1", got)
	}
	if err := <-s.SaveCommitAsync(2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	if got := s.FirstSeq(); got != 3 {
		t.Fatalf("first seq %d after retention with commit 2 and count 2, want 3 (3 to 5 are not committed)", got)
	}
	if got := s.Commit(); got != 2 {
		t.Fatalf("commit %d, want 2", got)
	}
	if err := <-s.SaveCommitAsync(9); err != nil {
		t.Fatal(err)
	}
	if got := s.Commit(); got != 5 {
		t.Fatalf("commit %d, want 5: it never passes the last message", got)
	}
	if _, err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	if got := s.FirstSeq(); got != 4 {
		t.Fatalf("first seq %d, want 4", got)
	}
}

// TestViewAt: the membership in force at any point, through truncation
// and retention.
func TestViewAt(t *testing.T) {
	s := openAt(t, tempPath(t), Options{RetainCount: 1, KeepUncommitted: true})
	a, b := Node{ID: "a", Addr: "127.0.0.1:1"}, Node{ID: "b", Addr: "127.0.0.1:2"}
	msgs := []Record{
		{Seq: 1, Epoch: 1, OriginID: "a", OriginCounter: 1, Kind: protocol.KindSystem, Members: []Node{a}},
		{Seq: 2, Epoch: 1, OriginID: "a", OriginCounter: 2, Kind: protocol.KindChat},
		{Seq: 3, Epoch: 1, OriginID: "a", OriginCounter: 3, Kind: protocol.KindSystem, Members: []Node{a, b}},
	}
	if err := s.Append(msgs...); err != nil {
		t.Fatal(err)
	}
	check := func(seq uint64, want int, wantAt uint64) {
		t.Helper()
		ms, at, ok, err := s.ViewAt(seq)
		if err != nil || !ok || len(ms) != want || at != wantAt {
			t.Fatalf("ViewAt(%d) = %v %d %v %v, want %d members at %d", seq, ms, at, ok, err, want, wantAt)
		}
	}
	check(2, 1, 1)
	check(9, 2, 3)
	if _, err := s.TruncateAfter(2); err != nil {
		t.Fatal(err)
	}
	check(9, 1, 1)
	if err := <-s.SaveCommitAsync(2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	check(5, 1, 1) // the message at 1 is gone; its view stays
}

// Retention frees whole segments of the log, which go; what the store
// holds reads the same after a reopen, the state and outbox written long
// before included.
func TestRetentionRemovesOldSegments(t *testing.T) {
	path := tempPath(t)
	opts := Options{RetainCount: 20, SegmentSize: 4 << 10}
	s := openAt(t, path, opts)
	if err := s.SetNodeID("n1"); err != nil {
		t.Fatal(err)
	}
	item := OutboxItem{ID: 1, Ring: "r1", Msg: Record{OriginID: "n1", OriginCounter: 1, Kind: protocol.KindChat, Text: "queued early"}}
	if err := s.OutboxPut(item); err != nil {
		t.Fatal(err)
	}
	appendRange(t, s, 1, 600, 1)
	segments := func() int {
		files, err := filepath.Glob(filepath.Join(path, "*.seg"))
		if err != nil {
			t.Fatal(err)
		}
		return len(files)
	}
	// 600 records of about 120 bytes would fill some 20 segments of 4 KiB;
	// twenty retained fit in one or two, and the last is being filled.
	if n := segments(); n > 4 {
		t.Fatalf("%d segments hold 20 retained messages", n)
	}
	want := s.Last(-1)
	if len(want) != 20 || want[0].Seq != 581 {
		t.Fatalf("retained %d messages from %d", len(want), want[0].Seq)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, opts)
	if got := s.Last(-1); !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopening: %d messages from %d, want 20 from 581", len(got), got[0].Seq)
	}
	if id, err := s.NodeID(); err != nil || id != "n1" {
		t.Fatalf("NodeID after the segments that held it went: %q, %v", id, err)
	}
	wantOutbox(t, s, item)
	wantOrigins(t, s, map[string]uint64{"n1": 600})
	wantTip(t, s, tipWant{600, 1, 581})
}
