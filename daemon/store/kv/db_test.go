package kv

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

func openDB(t *testing.T, dir string, segment int64) *DB {
	t.Helper()
	db, err := Open(Options{Dir: dir, Buckets: []string{"meta", "msgs"}, OnDisk: "msgs", SegmentSize: segment})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func key(i int) []byte { return fmt.Appendf(nil, "k%04d", i) }

// dump lists a bucket as "k=v" pairs, walking it with a cursor both ways
// and checking that the two walks agree.
func dump(t *testing.T, db *DB, bucket string) []string {
	t.Helper()
	var fwd, back []string
	db.View(func(tx *Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			fwd = append(fwd, string(k)+"="+string(v))
		}
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			back = append([]string{string(k) + "=" + string(v)}, back...)
		}
		return nil
	})
	if fmt.Sprint(fwd) != fmt.Sprint(back) {
		t.Fatalf("%s: forward %v, backward %v", bucket, fwd, back)
	}
	return fwd
}

func TestWritesSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, 0)
	for i := range 10 {
		if err := db.Update(func(tx *Tx) error {
			if err := tx.Bucket("msgs").Put(key(i), fmt.Appendf(nil, "v%d", i)); err != nil {
				return err
			}
			return tx.Bucket("meta").Put([]byte("last"), fmt.Appendf(nil, "%d", i))
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Update(func(tx *Tx) error {
		b := tx.Bucket("msgs")
		if err := b.Delete(key(3)); err != nil {
			return err
		}
		if err := b.Put(key(5), []byte("five")); err != nil {
			return err
		}
		if got := string(b.Get(key(5))); got != "five" { // the transaction sees its own writes
			return fmt.Errorf("Get in the transaction = %q", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := dump(t, db, "msgs")
	if len(want) != 9 || want[4] != "k0005=five" {
		t.Fatalf("msgs = %v", want)
	}
	db.Close()
	if err := db.Update(func(*Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Update after Close: %v", err)
	}
	db = openDB(t, dir, 0)
	if got := dump(t, db, "msgs"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after reopen msgs = %v, want %v", got, want)
	}
	if got := dump(t, db, "meta"); fmt.Sprint(got) != "[last=9]" {
		t.Fatalf("after reopen meta = %v", got)
	}
}

func TestFailedUpdateLeavesNothing(t *testing.T) {
	db := openDB(t, t.TempDir(), 0)
	boom := errors.New("boom")
	if err := db.Update(func(tx *Tx) error {
		if err := tx.Bucket("meta").Put([]byte("a"), []byte("1")); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("Update = %v", err)
	}
	if got := dump(t, db, "meta"); len(got) != 0 {
		t.Fatalf("a failed transaction left %v", got)
	}
	db.View(func(tx *Tx) error {
		if err := tx.Bucket("meta").Put([]byte("a"), []byte("1")); !errors.Is(err, errReadOnly) {
			t.Errorf("Put in View: %v", err)
		}
		return nil
	})
}

func TestReaderKeepsItsSnapshot(t *testing.T) {
	db := openDB(t, t.TempDir(), 0)
	put := func(k, v string) {
		if err := db.Update(func(tx *Tx) error { return tx.Bucket("msgs").Put([]byte(k), []byte(v)) }); err != nil {
			t.Fatal(err)
		}
	}
	put("a", "1")
	db.View(func(tx *Tx) error {
		put("a", "2") // an update while the reader holds its snapshot
		put("b", "3")
		if got := string(tx.Bucket("msgs").Get([]byte("a"))); got != "1" || tx.Bucket("msgs").Len() != 1 {
			t.Fatalf("the reader's snapshot changed: a=%q, %d keys", got, tx.Bucket("msgs").Len())
		}
		return nil
	})
	if got := dump(t, db, "msgs"); fmt.Sprint(got) != "[a=2 b=3]" {
		t.Fatalf("after: %v", got)
	}
}

func TestCursorSeeks(t *testing.T) {
	db := openDB(t, t.TempDir(), 0)
	if err := db.Update(func(tx *Tx) error {
		for _, k := range []string{"b", "d", "f"} {
			if err := tx.Bucket("meta").Put([]byte(k), []byte(k)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *Tx) error {
		c := tx.Bucket("meta").Cursor()
		for _, s := range []struct{ seek, want, prev string }{{"a", "b", ""}, {"b", "b", ""}, {"c", "d", "b"}, {"f", "f", "d"}} {
			if k, _ := c.Seek([]byte(s.seek)); string(k) != s.want {
				t.Errorf("Seek(%s) = %s, want %s", s.seek, k, s.want)
			}
			if k, _ := c.Prev(); string(k) != s.prev {
				t.Errorf("Prev after Seek(%s) = %s, want %s", s.seek, k, s.prev)
			}
		}
		if k, _ := c.Seek([]byte("g")); k != nil {
			t.Errorf("Seek past the end = %s", k)
		}
		return nil
	})
}

func TestCompactionDropsOldSegmentsAndKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, 512)
	for i := range 200 {
		if err := db.Update(func(tx *Tx) error {
			b := tx.Bucket("msgs")
			if err := b.Put(key(i), bytes.Repeat([]byte{'v'}, 20)); err != nil {
				return err
			}
			if i >= 10 { // keep only the last ten: old segments hold nothing needed
				if err := b.Delete(key(i - 10)); err != nil {
					return err
				}
			}
			return tx.Bucket("meta").Put([]byte(fmt.Sprintf("m%d", i%3)), fmt.Appendf(nil, "%d", i))
		}); err != nil {
			t.Fatal(err)
		}
	}
	segs := db.wal.Segments()
	if segs[0] == 1 || len(segs) > 6 {
		t.Fatalf("segments %v: the oldest were not removed", segs)
	}
	msgs, meta := dump(t, db, "msgs"), dump(t, db, "meta")
	if len(msgs) != 10 || msgs[0] != "k0190="+string(bytes.Repeat([]byte{'v'}, 20)) || fmt.Sprint(meta) != "[m0=198 m1=199 m2=197]" {
		t.Fatalf("msgs %v, meta %v", msgs, meta)
	}
	db.Close()
	db = openDB(t, dir, 512)
	if got := dump(t, db, "msgs"); fmt.Sprint(got) != fmt.Sprint(msgs) {
		t.Fatalf("after reopen msgs %v, want %v", got, msgs)
	}
	if got := dump(t, db, "meta"); fmt.Sprint(got) != fmt.Sprint(meta) {
		t.Fatalf("after reopen meta %v, want %v", got, meta)
	}
}

// TestReaderOlderThanCompaction: a reader holds a snapshot while writers
// delete its keys and compaction removes the segments holding their
// values. The reader still sees its keys; their values read as nil (pruned
// meanwhile, kv.DB.read), not another key's value and not an error; values
// still on disk read whole.
func TestReaderOlderThanCompaction(t *testing.T) {
	var logs bytes.Buffer // written by this goroutine only: Update and View run in it
	db, err := Open(Options{Dir: t.TempDir(), Buckets: []string{"meta", "msgs"}, OnDisk: "msgs", SegmentSize: 512,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	val := func(i int) []byte { return fmt.Appendf(nil, "value-%04d-%s", i, bytes.Repeat([]byte{'v'}, 20)) }
	update := func(fn func(b *Bucket) error) {
		t.Helper()
		if err := db.Update(func(tx *Tx) error { return fn(tx.Bucket("msgs")) }); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 20 {
		update(func(b *Bucket) error { return b.Put(key(i), val(i)) })
	}
	first := db.wal.Segments()[0]
	db.View(func(tx *Tx) error {
		for i := range 20 { // drop the old keys while new ones roll the log on
			update(func(b *Bucket) error { return b.Delete(key(i)) })
		}
		for i := 20; i < 120; i++ {
			update(func(b *Bucket) error { return b.Put(key(i), val(i)) })
		}
		if segs := db.wal.Segments(); segs[0] == first {
			t.Fatalf("segments %v: compaction removed none; the test proves nothing", segs)
		}
		b := tx.Bucket("msgs")
		if b.Len() != 20 {
			t.Fatalf("the old snapshot has %d keys, want 20", b.Len())
		}
		pruned := 0
		for i := range 20 {
			switch v := b.Get(key(i)); {
			case v == nil:
				pruned++
			case !bytes.Equal(v, val(i)):
				t.Fatalf("key %d read %q from the old snapshot", i, v)
			}
		}
		if pruned == 0 {
			t.Fatal("no value of the old snapshot was pruned; the test proves nothing")
		}
		return nil
	})
	got := dump(t, db, "msgs")
	if len(got) != 100 || got[0] != string(key(20))+"="+string(val(20)) {
		t.Fatalf("after: %d keys, first %q", len(got), got[0])
	}
	if logs.Len() > 0 {
		t.Errorf("a pruned value was logged as a fault:\n%s", logs.String())
	}
}

// TestCrashDuringSegmentRemoval: compaction writes its snapshot batch, then
// removes the old segments oldest first. A crash part way leaves the newer
// half of them on disk; Open must replay that log into the same buckets.
func TestCrashDuringSegmentRemoval(t *testing.T) {
	dir, saved := t.TempDir(), t.TempDir()
	db := openDB(t, dir, 512)
	update := func(fn func(tx *Tx) error) {
		t.Helper()
		if err := db.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		update(func(tx *Tx) error {
			if i < 30 { // the meta bucket's last writes lie in segments compaction removes
				if err := tx.Bucket("meta").Put([]byte(fmt.Sprintf("m%d", i%7)), fmt.Appendf(nil, "%d", i)); err != nil {
					return err
				}
			}
			return tx.Bucket("msgs").Put(key(i), bytes.Repeat([]byte{'v'}, 20))
		})
	}
	before := db.wal.Segments()
	for _, n := range before { // what is on disk before the compaction
		copyFile(t, filepath.Join(dir, segmentFile(n)), filepath.Join(saved, segmentFile(n)))
	}
	update(func(tx *Tx) error { // frees every segment but the last at once
		for i := range 99 {
			if err := tx.Bucket("msgs").Delete(key(i)); err != nil {
				return err
			}
		}
		return nil
	})
	for i := 100; db.wal.Segments()[0] == before[0] && i < 200; i++ { // roll the log until compaction runs
		update(func(tx *Tx) error { return tx.Bucket("msgs").Put(key(i), bytes.Repeat([]byte{'w'}, 20)) })
	}
	after := db.wal.Segments()
	var removed []uint64
	for _, n := range before {
		if n < after[0] {
			removed = append(removed, n)
		}
	}
	if len(removed) < 2 {
		t.Fatalf("segments %v → %v: compaction removed %d; the test needs two or more", before, after, len(removed))
	}
	wantMsgs, wantMeta := dump(t, db, "msgs"), dump(t, db, "meta")
	db.Close()

	for _, n := range removed[len(removed)/2:] { // the crash came after the older half went
		copyFile(t, filepath.Join(saved, segmentFile(n)), filepath.Join(dir, segmentFile(n)))
	}
	db = openDB(t, dir, 512)
	if segs := db.wal.Segments(); segs[0] != removed[len(removed)/2] {
		t.Fatalf("after the crash the log starts at segment %d, want %d", segs[0], removed[len(removed)/2])
	}
	if got := dump(t, db, "msgs"); fmt.Sprint(got) != fmt.Sprint(wantMsgs) {
		t.Fatalf("msgs after the crash %v, want %v", got, wantMsgs)
	}
	if got := dump(t, db, "meta"); fmt.Sprint(got) != fmt.Sprint(wantMeta) {
		t.Fatalf("meta after the crash %v, want %v", got, wantMeta)
	}
}

func segmentFile(n uint64) string { return fmt.Sprintf("%020d.seg", n) }

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestKeyCursorReadsNoValues: a KeyCursor walks the OnDisk bucket's keys
// in order without reading a value from the log: with the log's file cut
// short under it, the walk logs nothing, where a Cursor's finds the
// values unreadable.
func TestKeyCursorReadsNoValues(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	db, err := Open(Options{Dir: dir, Buckets: []string{"meta", "msgs"}, OnDisk: "msgs",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range 5 {
		if err := db.Update(func(tx *Tx) error { return tx.Bucket("msgs").Put(key(i), []byte("value")) }); err != nil {
			t.Fatal(err)
		}
	}
	segs := db.wal.Segments()
	if err := os.Truncate(filepath.Join(dir, segmentFile(segs[len(segs)-1])), 0); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *Tx) error {
		var keys []string
		c := tx.Bucket("msgs").KeyCursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if v != nil {
				t.Fatalf("KeyCursor gave the value %q of %s", v, k)
			}
			keys = append(keys, string(k))
		}
		if fmt.Sprint(keys) != "[k0000 k0001 k0002 k0003 k0004]" {
			t.Fatalf("KeyCursor walked %v", keys)
		}
		if logs.Len() > 0 {
			t.Fatalf("the KeyCursor's walk read values:\n%s", logs.String())
		}
		if k, v := tx.Bucket("msgs").Cursor().First(); k == nil || v != nil || logs.Len() == 0 {
			t.Fatalf("a Cursor read %s=%q from the cut log and logged %q; the test proves nothing", k, v, logs.String())
		}
		return nil
	})
}

// TestPutsOfOneKeyInOneTransaction: of several puts of a key in one
// transaction the last one's value is read back, before and after a
// reopen; a key put and then deleted is gone.
func TestPutsOfOneKeyInOneTransaction(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, 0)
	if err := db.Update(func(tx *Tx) error {
		b := tx.Bucket("msgs")
		for _, kv := range [][2]string{{"a", "1"}, {"b", "1"}, {"a", "2"}, {"c", "1"}, {"a", "3"}} {
			if err := b.Put([]byte(kv[0]), []byte(kv[1])); err != nil {
				return err
			}
		}
		if err := b.Delete([]byte("b")); err != nil {
			return err
		}
		if err := b.Delete([]byte("c")); err != nil {
			return err
		}
		return b.Put([]byte("c"), []byte("2"))
	}); err != nil {
		t.Fatal(err)
	}
	want := "[a=3 c=2]"
	if got := dump(t, db, "msgs"); fmt.Sprint(got) != want {
		t.Fatalf("msgs %v, want %s", got, want)
	}
	db.Close()
	db = openDB(t, dir, 0)
	if got := dump(t, db, "msgs"); fmt.Sprint(got) != want {
		t.Fatalf("after reopen msgs %v, want %s", got, want)
	}
}
