package store

import (
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/ringchat/ring/protocol"
)

var base = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// openAt opens the store at path and closes it when the test ends.
func openAt(t testing.TB, path string, opts Options) *Store {
	t.Helper()
	opts.Path = path
	s, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func tempPath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "data", "history")
}

// seqMsg is sequenced message seq of epoch, sent seq minutes after base,
// with origin counter seq.
func seqMsg(seq, epoch uint64) Record {
	return Record{
		Seq: seq, Epoch: epoch, Lamport: seq * 2, OriginID: "n1", OriginCounter: seq, Kind: protocol.KindChat,
		FromName: "ann", FromAddr: "127.0.0.1:7000",
		Text: fmt.Sprintf("message %d", seq), Time: base.Add(time.Duration(seq) * time.Minute),
	}
}

// directMsg is a direct message from n2 to n1, told apart by its text, label.
func directMsg(label string, at time.Time) Record {
	return Record{OriginID: "n2", OriginCounter: 1, Kind: protocol.KindDirect, FromName: "bob", To: "n1", Text: label, Time: at}
}

func mustAppend(t testing.TB, s *Store, msgs ...Record) {
	t.Helper()
	if err := s.Append(msgs...); err != nil {
		t.Fatalf("Append: %v", err)
	}
}

// appendRange appends seqs from..to of epoch, one Append each.
func appendRange(t testing.TB, s *Store, from, to, epoch uint64) {
	t.Helper()
	for q := from; q <= to; q++ {
		mustAppend(t, s, seqMsg(q, epoch))
	}
}

// labels names messages compactly: "3" for seq 3, the text (label) of a
// direct one.
func labels(ms []Record) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		if m.Seq != 0 {
			out[i] = fmt.Sprint(m.Seq)
		} else {
			out[i] = m.Text
		}
	}
	return out
}

func wantLabels(t testing.TB, what string, ms []Record, want ...string) {
	t.Helper()
	if got := labels(ms); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

type tipWant struct{ last, epoch, first uint64 }

func wantTip(t testing.TB, s *Store, w tipWant) {
	t.Helper()
	if got := (tipWant{s.LastSeq(), s.LastEpoch(), s.FirstSeq()}); got != w {
		t.Errorf("LastSeq, LastEpoch, FirstSeq = %v, want %v", got, w)
	}
}

// fromMsg is sequenced message seq of epoch with this origin and counter.
func fromMsg(seq, epoch uint64, origin string, counter uint64) Record {
	m := seqMsg(seq, epoch)
	m.OriginID, m.OriginCounter = origin, counter
	return m
}

// blockCommitter holds the committer inside a transaction until release
// is called (at the latest when the test ends), so that the writes queued
// meanwhile all share the next transaction.
func blockCommitter(t testing.TB, s *Store) (release func()) {
	t.Helper()
	started, held := make(chan struct{}), make(chan struct{})
	done := s.submit(nil, func(w *txn) error {
		close(started)
		<-held
		return nil
	})
	<-started
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(held)
			if err := <-done; err != nil {
				t.Errorf("blocking write: %v", err)
			}
		})
	}
	t.Cleanup(release)
	return release
}

// waitQueued waits until n writes wait for the committer.
func waitQueued(s *Store, n int) {
	for {
		s.qmu.Lock()
		queued := len(s.queue)
		s.qmu.Unlock()
		if queued >= n {
			return
		}
		runtime.Gosched()
	}
}

// pending fails the test if a write's result has already arrived.
func pending(t testing.TB, what string, ch <-chan error) {
	t.Helper()
	select {
	case err := <-ch:
		t.Fatalf("%s done (%v) while the committer was held", what, err)
	default:
	}
}
