package history

import (
	"testing"

	"github.com/ringchat/ring/daemon/chat"
)

func seqs(ms []chat.Message) []uint64 {
	out := make([]uint64, len(ms))
	for i, m := range ms {
		out[i] = m.Seq
	}
	return out
}

func equal(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAppendLastSince(t *testing.T) {
	h := NewMemory(3)
	for s := uint64(1); s <= 5; s++ {
		if err := h.Append(chat.Message{Seq: s}); err != nil {
			t.Fatal(err)
		}
	}
	if got := seqs(h.Last(10)); !equal(got, []uint64{3, 4, 5}) {
		t.Fatalf("Last(10) = %v, want the 3 retained", got)
	}
	if got := seqs(h.Last(2)); !equal(got, []uint64{4, 5}) {
		t.Fatalf("Last(2) = %v", got)
	}
	if got := seqs(h.Since(3)); !equal(got, []uint64{4, 5}) {
		t.Fatalf("Since(3) = %v", got)
	}
	if got := seqs(h.Since(0)); !equal(got, []uint64{3, 4, 5}) {
		t.Fatalf("Since(0) = %v", got)
	}
	if h.LastSeq() != 5 {
		t.Fatalf("LastSeq = %d", h.LastSeq())
	}
}

func TestAppendRefusesGapAndReorder(t *testing.T) {
	h := NewMemory(0)
	if err := h.Append(chat.Message{Seq: 1}); err != nil {
		t.Fatal(err)
	}
	if err := h.Append(chat.Message{Seq: 3}); err == nil {
		t.Fatal("gap accepted")
	}
	if err := h.Append(chat.Message{Seq: 1}); err == nil {
		t.Fatal("duplicate accepted")
	}
	if err := h.Append(chat.Message{Kind: chat.KindDirect}); err != nil {
		t.Fatalf("unsequenced direct message refused: %v", err)
	}
	if err := h.Append(chat.Message{Seq: 2}); err != nil {
		t.Fatalf("seq 2 after direct: %v", err)
	}
}
