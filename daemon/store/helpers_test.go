package store

import (
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
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
	return filepath.Join(t.TempDir(), "data", "ring.db")
}

// seqMsg is sequenced message seq of epoch, sent seq minutes after base.
func seqMsg(seq, epoch uint64) chat.Message {
	return chat.Message{
		Seq: seq, Epoch: epoch, Lamport: seq * 2, ID: fmt.Sprintf("n1/%d", seq), Kind: chat.KindChat,
		From: chat.NodeRef{ID: "n1", Name: "ann", Addr: "127.0.0.1:7000"},
		Text: fmt.Sprintf("message %d", seq), Time: base.Add(time.Duration(seq) * time.Minute),
	}
}

func directMsg(id string, at time.Time) chat.Message {
	return chat.Message{ID: id, Kind: chat.KindDirect, From: chat.NodeRef{ID: "n2", Name: "bob"}, To: "n1", Text: "psst " + id, Time: at}
}

func mustAppend(t testing.TB, s *Store, msgs ...chat.Message) {
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

// labels names messages compactly: "3" for seq 3, the id for a direct one.
func labels(ms []chat.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		if m.Seq != 0 {
			out[i] = fmt.Sprint(m.Seq)
		} else {
			out[i] = m.ID
		}
	}
	return out
}

func wantLabels(t testing.TB, what string, ms []chat.Message, want ...string) {
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
