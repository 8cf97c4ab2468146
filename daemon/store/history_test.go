package store

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestAppendSurvivesReopen(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{})
	want := []Record{directMsg("d0", base), seqMsg(1, 1), seqMsg(2, 1), directMsg("dA", base), seqMsg(3, 2), directMsg("dB", base)}
	mustAppend(t, s, want[:3]...)
	mustAppend(t, s, want[3:]...)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path, Options{})
	if got := s.Last(-1); !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopen Last(-1) =\n%+v\nwant\n%+v", got, want)
	}
	wantTip(t, s, tipWant{3, 2, 1})
	// The arrival counter continues: dC must not replace dB.
	mustAppend(t, s, directMsg("dC", base), seqMsg(4, 2))
	wantLabels(t, "Last(-1)", s.Last(-1), "d0", "1", "2", "dA", "3", "dB", "dC", "4")
}

func TestAppendContiguity(t *testing.T) {
	s := openAt(t, tempPath(t), Options{})
	mustAppend(t, s, seqMsg(1, 3))
	for _, c := range []struct {
		msgs []Record
		want string
	}{
		{[]Record{seqMsg(3, 3)}, "seq 3 does not follow last seq 1"},
		{[]Record{seqMsg(1, 3)}, "seq 1 does not follow last seq 1"},
		{[]Record{seqMsg(2, 3), seqMsg(4, 3)}, "seq 4 does not follow last seq 2"},
		{[]Record{seqMsg(2, 2)}, "seq 2 has epoch 2, below epoch 3 of seq 1"},
	} {
		err := s.Append(c.msgs...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Append(%v) = %v, want an error with %q", labels(c.msgs), err, c.want)
		}
	}
	// A refused Append stores none of its messages.
	wantLabels(t, "Last(-1)", s.Last(-1), "1")
	wantTip(t, s, tipWant{1, 3, 1})

	// In one group commit a refused Append leaves the others alone.
	ok1, bad, ok2 := s.AppendAsync(seqMsg(2, 3)), s.AppendAsync(seqMsg(4, 3)), s.AppendAsync(seqMsg(3, 4))
	if err := <-ok1; err != nil {
		t.Errorf("seq 2: %v", err)
	}
	if err := <-bad; err == nil {
		t.Errorf("seq 4 after 2 was accepted")
	}
	if err := <-ok2; err != nil {
		t.Errorf("seq 3: %v", err)
	}
	wantTip(t, s, tipWant{3, 4, 1})
}

func TestLastSinceAfter(t *testing.T) {
	s := openAt(t, tempPath(t), Options{})
	mustAppend(t, s, directMsg("d0", base), seqMsg(1, 1), seqMsg(2, 1))
	mustAppend(t, s, directMsg("dA", base), directMsg("dB", base), seqMsg(3, 1), directMsg("dC", base))

	wantLabels(t, "Last(2)", s.Last(2), "3", "dC")
	wantLabels(t, "Last(0)", s.Last(0))
	wantLabels(t, "Last(100)", s.Last(100), "d0", "1", "2", "dA", "dB", "3", "dC")
	wantLabels(t, "Last(-1)", s.Last(-1), "d0", "1", "2", "dA", "dB", "3", "dC")

	wantLabels(t, "Since(0)", s.Since(0), "d0", "1", "2", "dA", "dB", "3", "dC")
	wantLabels(t, "Since(1)", s.Since(1), "2", "dA", "dB", "3", "dC")
	wantLabels(t, "Since(2)", s.Since(2), "dA", "dB", "3", "dC")
	wantLabels(t, "Since(3)", s.Since(3), "dC")
	wantLabels(t, "Since(99)", s.Since(99), "dC")

	wantLabels(t, "After(0, 0)", s.After(0, 0), "1", "2", "3")
	wantLabels(t, "After(0, 2)", s.After(0, 2), "1", "2")
	wantLabels(t, "After(1, 5)", s.After(1, 5), "2", "3")
	wantLabels(t, "After(3, 5)", s.After(3, 5))
}

func TestTruncateAfter(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{})
	appendRange(t, s, 1, 3, 1)
	appendRange(t, s, 4, 5, 2)
	mustAppend(t, s, directMsg("dA", base), seqMsg(6, 2), directMsg("dB", base))
	appendRange(t, s, 7, 8, 3)

	cut, err := s.TruncateAfter(4)
	if err != nil {
		t.Fatal(err)
	}
	wantLabels(t, "cut", cut, "5", "6", "7", "8")
	if !reflect.DeepEqual(cut[0], seqMsg(5, 2)) {
		t.Errorf("cut[0] = %+v, want the stored message", cut[0])
	}
	wantTip(t, s, tipWant{4, 2, 1})
	wantLabels(t, "Last(-1)", s.Last(-1), "1", "2", "3", "4", "dA", "dB")
	if _, ok := s.EpochStart(3); ok {
		t.Error("epoch 3 is still in the table")
	}
	if got, ok := s.EpochStart(2); got != 4 || !ok {
		t.Errorf("EpochStart(2) = %d, %v, want 4", got, ok)
	}

	// The history continues from the cut, in a new epoch, across a reopen.
	mustAppend(t, s, seqMsg(5, 4), directMsg("dC", base))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, Options{})
	wantTip(t, s, tipWant{5, 4, 1})
	wantLabels(t, "Last(-1)", s.Last(-1), "1", "2", "3", "4", "dA", "dB", "5", "dC")
	if got, ok := s.EpochStart(4); got != 5 || !ok {
		t.Errorf("EpochStart(4) = %d, %v, want 5", got, ok)
	}

	if cut, err := s.TruncateAfter(9); err != nil || cut != nil {
		t.Errorf("TruncateAfter(9) = %v, %v, want nothing", labels(cut), err)
	}
	cut, err = s.TruncateAfter(0)
	if err != nil {
		t.Fatal(err)
	}
	wantLabels(t, "TruncateAfter(0)", cut, "1", "2", "3", "4", "5")
	wantTip(t, s, tipWant{0, 0, 0})
	wantLabels(t, "Last(-1)", s.Last(-1), "dA", "dB", "dC")
	mustAppend(t, s, seqMsg(1, 5))
	wantLabels(t, "Since(0)", s.Since(0), "dA", "dB", "dC", "1")
}

func TestReset(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{RetainCount: 3})
	appendRange(t, s, 1, 5, 2)
	mustAppend(t, s, directMsg("d", base))
	if err := s.SetNodeID("n1"); err != nil {
		t.Fatal(err)
	}
	if err := s.OutboxPut(OutboxItem{ID: 7, Ring: "r1", Msg: seqMsg(0, 0)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		wantTip(t, s, tipWant{0, 0, 0})
		wantLabels(t, "Last(-1)", s.Last(-1))
		if _, ok := s.EpochStart(2); ok {
			t.Error("epoch 2 survived Reset")
		}
		if id, _ := s.NodeID(); id != "n1" {
			t.Errorf("NodeID = %q after Reset", id)
		}
		if items, _ := s.Outbox(); len(items) != 1 {
			t.Errorf("Outbox has %d items after Reset, want 1", len(items))
		}
	}
	check()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, Options{RetainCount: 3})
	check()
	mustAppend(t, s, seqMsg(1, 1))
	wantTip(t, s, tipWant{1, 1, 1})
}

func TestClosed(t *testing.T) {
	s := openAt(t, tempPath(t), Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(seqMsg(1, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
	if got := s.Last(-1); len(got) != 0 {
		t.Errorf("Last after Close = %v", labels(got))
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

// AppendAsync keeps none of the records it is handed: a caller that reuses
// the slice at once (the node does, batch after batch) stores what it
// handed over, origins and views included.
func TestAppendAsyncKeepsNoRecord(t *testing.T) {
	s := openAt(t, tempPath(t), Options{})
	view := seqMsg(2, 1)
	view.Kind, view.Members = "system", []Node{{ID: "n1", Name: "ann", Addr: "127.0.0.1:7000"}}
	want := []Record{seqMsg(1, 1), view, seqMsg(3, 1)}
	batch := append([]Record(nil), want...)
	done := s.AppendAsync(batch...)
	for i := range batch {
		batch[i] = seqMsg(uint64(100+i), 9) // the caller's next batch, before the store wrote this one
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := s.Last(-1); !reflect.DeepEqual(got, want) {
		t.Fatalf("Last(-1) =\n%+v\nwant\n%+v", got, want)
	}
	if got := s.Origins()["n1"]; got != 3 {
		t.Fatalf("origin n1 at %d, want 3", got)
	}
	if ms, at, ok, err := s.ViewAt(3); err != nil || !ok || at != 2 || !reflect.DeepEqual(ms, view.Members) {
		t.Fatalf("ViewAt(3) = %v, %d, %v, %v; want the view of seq 2", ms, at, ok, err)
	}
}
