package store

import (
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/internal/testutil"
)

func TestStartAfter(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{})
	mustAppend(t, s, directMsg("d0", base)) // direct messages do not stop it
	if err := s.StartAfter(100, 5, nil, nil); err != nil {
		t.Fatal(err)
	}
	empty := func() {
		t.Helper()
		wantTip(t, s, tipWant{100, 5, 0})
		checkStarts(t, s, []epochCase{{5, 0, false}})
		checkEnds(t, s, []epochCase{{0, 0, false}, {4, 0, false}, {5, 100, true}, {9, 100, true}})
	}
	empty()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, Options{})
	empty()

	for _, c := range []struct {
		seq, epoch uint64
		want       string
	}{
		{100, 5, "seq 100 does not follow last seq 100"},
		{1, 5, "seq 1 does not follow last seq 100"},
		{102, 5, "seq 102 does not follow last seq 100"},
		{101, 4, "seq 101 has epoch 4, below epoch 5 of seq 100"},
	} {
		if err := s.Append(seqMsg(c.seq, c.epoch)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Append(seq %d, epoch %d) = %v, want %q", c.seq, c.epoch, err, c.want)
		}
	}
	empty()

	mustAppend(t, s, directMsg("d1", base), seqMsg(101, 5), seqMsg(102, 5), directMsg("d2", base))
	mustAppend(t, s, seqMsg(103, 7))
	full := func() {
		t.Helper()
		wantTip(t, s, tipWant{103, 7, 101})
		wantLabels(t, "Last(-1)", s.Last(-1), "d0", "d1", "101", "102", "d2", "103")
		wantLabels(t, "Since(100)", s.Since(100), "d1", "101", "102", "d2", "103")
		wantLabels(t, "After(0, 0)", s.After(0, 0), "101", "102", "103")
		checkStarts(t, s, []epochCase{{5, 101, true}, {6, 0, false}, {7, 103, true}})
		checkEnds(t, s, []epochCase{{4, 0, false}, {5, 102, true}, {6, 102, true}, {7, 103, true}})
	}
	full()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, Options{})
	full()

	if _, err := s.TruncateAfter(99); err == nil || !strings.Contains(err.Error(), "up to seq 100 is not held") {
		t.Errorf("TruncateAfter(99) = %v, want it refused", err)
	}
	cut, err := s.TruncateAfter(100)
	if err != nil {
		t.Fatal(err)
	}
	wantLabels(t, "cut", cut, "101", "102", "103")
	empty()
}

// The floor of a new epoch with nothing removed: the next message is seq 1
// in an epoch of at least 3, and nothing lies behind.
func TestStartAfterZero(t *testing.T) {
	s := openAt(t, tempPath(t), Options{})
	if err := s.StartAfter(0, 3, nil, nil); err != nil {
		t.Fatal(err)
	}
	wantTip(t, s, tipWant{0, 3, 0})
	checkEnds(t, s, []epochCase{{0, 0, true}, {2, 0, true}, {3, 0, true}})
	if err := s.Append(seqMsg(1, 2)); err == nil {
		t.Error("seq 1 of epoch 2 appended after StartAfter(0, 3, nil)")
	}
	mustAppend(t, s, seqMsg(1, 4))
	checkEnds(t, s, []epochCase{{2, 0, true}, {3, 0, true}, {4, 1, true}})
}

func TestStartAfterRefused(t *testing.T) {
	for _, c := range []struct {
		name    string
		history func(t *testing.T, s *Store, clk *testutil.Clock)
		want    string
	}{
		{"a sequenced message", func(t *testing.T, s *Store, clk *testutil.Clock) { appendRange(t, s, 1, 2, 1) }, "already reaches seq 2"},
		{"started already", func(t *testing.T, s *Store, clk *testutil.Clock) {
			if err := s.StartAfter(10, 1, nil, nil); err != nil {
				t.Fatal(err)
			}
		}, "already reaches seq 10"},
		{"all removed by retention", func(t *testing.T, s *Store, clk *testutil.Clock) {
			appendRange(t, s, 1, 3, 1)
			clk.Add(24 * time.Hour)
			if n, err := s.Prune(); n != 3 || err != nil {
				t.Fatalf("Prune = %d, %v", n, err)
			}
		}, "already reaches seq 3"},
		{"queued in the same transaction", func(t *testing.T, s *Store, clk *testutil.Clock) {
			release := blockCommitter(t, s)
			appended := s.AppendAsync(seqMsg(1, 1))
			started := make(chan error, 1)
			go func() { started <- s.StartAfter(50, 2, nil, nil) }()
			waitQueued(s, 2)
			release()
			if err := <-appended; err != nil {
				t.Fatal(err)
			}
			if err := <-started; err == nil || !strings.Contains(err.Error(), "already reaches seq 1") {
				t.Fatalf("StartAfter behind a queued Append = %v", err)
			}
		}, "already reaches seq 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := tempPath(t)
			clk := testutil.NewClock(base)
			s := openAt(t, path, Options{RetainAge: time.Hour, Now: clk.Now})
			c.history(t, s, clk)
			last, epoch, first := s.LastSeq(), s.LastEpoch(), s.FirstSeq()
			if err := s.StartAfter(500, 9, nil, nil); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("StartAfter = %v, want an error with %q", err, c.want)
			}
			wantTip(t, s, tipWant{last, epoch, first})
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openAt(t, path, Options{})
			wantTip(t, s, tipWant{last, epoch, first})
		})
	}
}
