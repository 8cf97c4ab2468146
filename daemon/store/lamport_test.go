package store

import (
	"testing"

	"github.com/ringchat/ring/daemon/store/kv"
)

// TestLamportIsTheHighestEverStored: Lamport is the highest stamp of any
// message made durable, not the last message's; it survives a reopen,
// retention, a truncation and a Reset, and a history written before it
// was kept gets it by a scan at open.
func TestLamportIsTheHighestEverStored(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{RetainCount: 2})
	stamped := func(seq, lamport uint64) Record { m := seqMsg(seq, 1); m.Lamport = lamport; return m }
	if err := s.Append(stamped(1, 40), stamped(2, 90), stamped(3, 50)); err != nil {
		t.Fatal(err)
	}
	if got := s.Lamport(); got != 90 {
		t.Fatalf("Lamport = %d after stamps 40, 90, 50; want 90", got)
	}
	if err := s.Append(stamped(4, 60)); err != nil { // retention drops the one stamped 90
		t.Fatal(err)
	}
	if _, err := s.TruncateAfter(3); err != nil {
		t.Fatal(err)
	}
	if got := s.Lamport(); got != 90 {
		t.Fatalf("Lamport = %d after retention and a truncation; want 90", got)
	}
	s.Close()
	s = openAt(t, path, Options{RetainCount: 2})
	if got := s.Lamport(); got != 90 {
		t.Fatalf("Lamport = %d after reopening; want 90", got)
	}
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if got := s.Lamport(); got != 90 {
		t.Fatalf("Lamport = %d after Reset; want 90", got)
	}

	// An older history, without the key: the scan at open finds its highest.
	if err := s.Append(stamped(1, 70), stamped(2, 30)); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *kv.Tx) error { return tx.Bucket(bucketMeta).Delete(keyLamport) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openAt(t, path, Options{})
	if got := s.Lamport(); got != 70 {
		t.Fatalf("Lamport = %d for a history without the key (stamps 70, 30); want 70", got)
	}
	if err := s.Reset(); err != nil { // before any append: the scan's value is kept all the same
		t.Fatal(err)
	}
	s.Close()
	s = openAt(t, path, Options{})
	if got := s.Lamport(); got != 70 {
		t.Fatalf("Lamport = %d after a Reset right after the upgrade; want 70", got)
	}
	if err := s.db.View(func(tx *kv.Tx) error {
		if got := getU64(tx.Bucket(bucketMeta).Get(keyLamport)); got != 70 {
			t.Errorf("stored lamport %d, want 70", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
