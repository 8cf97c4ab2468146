package store

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// One sequencer keeps many Appends in flight while 16 goroutines append
// direct messages and readers query. Every message must arrive, in order,
// in far fewer commits than Appends.
func TestGroupCommit(t *testing.T) {
	const (
		sequenced = 2000
		writers   = 16
		perWriter = 50
		readers   = 4
	)
	s := openAt(t, tempPath(t), Options{})
	done := make(chan struct{})
	var wg, readWG sync.WaitGroup

	results := make(chan (<-chan error), 64)
	wg.Go(func() { // the sequencer
		defer close(results)
		for q := uint64(1); q <= sequenced; q++ {
			results <- s.AppendAsync(seqMsg(q, 1+q/500))
		}
	})
	wg.Go(func() {
		for r := range results {
			if err := <-r; err != nil {
				t.Error(err)
			}
		}
	})
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				if err := s.Append(directMsg(fmt.Sprintf("w%d/%d", w, i), base)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range readers {
		readWG.Go(func() { readWhileWriting(t, s, done) })
	}
	wg.Wait()
	close(done)
	readWG.Wait()

	all := s.Last(-1)
	if want := sequenced + writers*perWriter; len(all) != want {
		t.Fatalf("stored %d messages, want %d", len(all), want)
	}
	if err := contiguous(s.After(0, 0), 1); err != nil {
		t.Fatal(err)
	}
	if err := inOrder(all); err != nil {
		t.Fatal(err)
	}
	writersInOrder(t, all)
	wantTip(t, s, tipWant{sequenced, 1 + sequenced/500, 1})
	appends := sequenced + writers*perWriter
	if c := s.commits.Load(); c > uint64(appends/4) {
		t.Errorf("%d Appends took %d commits: no group commit", appends, c)
	} else {
		t.Logf("%d Appends in %d commits", appends, c)
	}
}

// readWhileWriting reads the store until done, checking that what it reads
// is consistent at every moment: LastSeq never goes back, and After,
// Since and Last answer in order and without gaps.
func readWhileWriting(t *testing.T, s *Store, done <-chan struct{}) {
	var last uint64
	for {
		select {
		case <-done:
			return
		default:
		}
		seq := s.LastSeq()
		if seq < last {
			t.Errorf("LastSeq went back from %d to %d", last, seq)
			return
		}
		last = seq
		if err := contiguous(s.After(seq/2, 100), seq/2+1); err != nil {
			t.Error("After:", err)
			return
		}
		if err := inOrder(s.Since(seq / 2)); err != nil {
			t.Error("Since:", err)
			return
		}
		if err := inOrder(s.Last(50)); err != nil {
			t.Error("Last:", err)
			return
		}
	}
}

// writersInOrder checks that each writer's direct messages ("wW/I") are
// stored in the order it wrote them.
func writersInOrder(t *testing.T, all []Record) {
	t.Helper()
	next := map[string]int{}
	for _, m := range all {
		if m.Seq == 0 {
			var w, i int
			fmt.Sscanf(m.Text, "w%d/%d", &w, &i)
			if k := fmt.Sprint(w); i != next[k] {
				t.Fatalf("writer %d: message %d stored where %d was due", w, i, next[k])
			}
			next[fmt.Sprint(w)]++
		}
	}
}

// contiguous checks that ms are sequenced from first on without gaps.
func contiguous(ms []Record, first uint64) error {
	for i, m := range ms {
		if m.Seq != first+uint64(i) {
			return fmt.Errorf("message %d has seq %d, want %d", i, m.Seq, first+uint64(i))
		}
	}
	return nil
}

// inOrder checks that the sequenced messages among ms ascend by one.
func inOrder(ms []Record) error {
	var last uint64
	for _, m := range ms {
		if m.Seq == 0 {
			continue
		}
		if last != 0 && m.Seq != last+1 {
			return fmt.Errorf("seq %d follows %d", m.Seq, last)
		}
		last = m.Seq
	}
	return nil
}

// Writes submitted in one Group share one transaction: the committer does
// not start on the first while the others are being submitted.
func TestGroupSharesOneTransaction(t *testing.T) {
	s := openAt(t, tempPath(t), Options{KeepUncommitted: true})
	mustAppend(t, s, seqMsg(1, 1))
	before := s.commits.Load()
	var results []<-chan error
	s.Group(func() {
		results = append(results, s.AppendAsync(seqMsg(2, 1)))
		for range 1000 { // give a committer that does not wait every chance to start
			runtime.Gosched()
		}
		results = append(results, s.OutboxUpdateAsync([]OutboxItem{{ID: 1, Ring: "r", Msg: seqMsg(0, 0)}}, nil))
		results = append(results, s.SaveCommitAsync(2))
	})
	for _, r := range results {
		if err := <-r; err != nil {
			t.Fatal(err)
		}
	}
	if got := s.commits.Load() - before; got != 1 {
		t.Fatalf("the group took %d transactions, want 1", got)
	}
	if s.LastSeq() != 2 || s.Commit() != 2 {
		t.Fatalf("after the group: last seq %d, commit %d; want 2 and 2", s.LastSeq(), s.Commit())
	}
}
