package seglog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

type stored struct {
	pos     Pos
	payload []byte
}

// openLog opens the log in dir and returns what it replayed.
func openLog(t testing.TB, dir string, opts Options) (*Log, []stored) {
	t.Helper()
	l, got, err := tryOpen(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, got
}

func tryOpen(dir string, opts Options) (*Log, []stored, error) {
	opts.Dir = dir
	var got []stored
	l, err := Open(opts, func(p Pos, b []byte) error {
		got = append(got, stored{p, bytes.Clone(b)})
		return nil
	})
	return l, got, err
}

// appendN appends batches of the given sizes, each record naming its
// batch and index, and returns what was stored.
func appendN(t testing.TB, l *Log, first int, sizes ...int) []stored {
	t.Helper()
	var out []stored
	for b, n := range sizes {
		recs := make([][]byte, n)
		for i := range recs {
			recs[i] = fmt.Appendf(nil, "batch %d record %d %s", first+b, i, bytes.Repeat([]byte{'x'}, i*7))
		}
		pos, err := l.Append(recs)
		if err != nil {
			t.Fatal(err)
		}
		if len(pos) != n {
			t.Fatalf("%d positions for %d records", len(pos), n)
		}
		for i := range recs {
			out = append(out, stored{pos[i], recs[i]})
		}
	}
	return out
}

func sameRecords(t *testing.T, what string, got, want []stored) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, want %d", what, len(got), len(want))
	}
	for i := range want {
		if got[i].pos != want[i].pos || !bytes.Equal(got[i].payload, want[i].payload) {
			t.Fatalf("%s: record %d is %v %q, want %v %q", what, i, got[i].pos, got[i].payload, want[i].pos, want[i].payload)
		}
	}
}

func TestAppendReadAndReplay(t *testing.T) {
	dir := t.TempDir()
	l, got := openLog(t, dir, Options{})
	if len(got) != 0 {
		t.Fatalf("a new log replayed %d records", len(got))
	}
	want := appendN(t, l, 1, 1, 5, 0, 3)
	if pos, err := l.Append([][]byte{{}}); err != nil || len(pos) != 1 {
		t.Fatalf("an empty record: %v, %v", pos, err)
	} else {
		want = append(want, stored{pos[0], []byte{}})
	}
	for _, w := range want {
		b, err := l.ReadAt(w.pos)
		if err != nil || !bytes.Equal(b, w.payload) {
			t.Fatalf("ReadAt(%v) = %q, %v; want %q", w.pos, b, err, w.payload)
		}
	}
	l.Close()
	if _, err := l.ReadAt(want[0].pos); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadAt after Close: %v", err)
	}

	l, got = openLog(t, dir, Options{})
	sameRecords(t, "replay", got, want)
	want = append(want, appendN(t, l, 5, 2)...) // numbering goes on after a reopen
	l.Close()
	_, got = openLog(t, dir, Options{})
	sameRecords(t, "second replay", got, want)
}

func TestSegmentsRollAndGo(t *testing.T) {
	dir := t.TempDir()
	l, _ := openLog(t, dir, Options{SegmentSize: 256})
	want := appendN(t, l, 1, 3, 3, 3, 3, 3, 3)
	segs := l.Segments()
	if len(segs) != 3 || segs[0] != 1 {
		t.Fatalf("segments %v after 6 batches of 116 bytes in segments of 256: want two in each of 3", segs)
	}
	big := appendN(t, l, 7, 40) // larger than a segment: one of its own
	if got := big[0].pos.Segment; got != segs[len(segs)-1]+1 {
		t.Fatalf("a batch larger than a segment went to segment %d, want %d", got, segs[len(segs)-1]+1)
	}
	want = append(want, big...)

	keep := segs[2]
	if err := l.RemoveBefore(keep); err != nil {
		t.Fatal(err)
	}
	if _, err := l.ReadAt(want[0].pos); !errors.Is(err, ErrGone) {
		t.Fatalf("ReadAt in a removed segment: %v", err)
	}
	var kept []stored
	for _, w := range want {
		if w.pos.Segment >= keep {
			kept = append(kept, w)
		}
	}
	last := l.Segments()[len(l.Segments())-1]
	if err := l.RemoveBefore(last + 5); err != nil || len(l.Segments()) != 1 {
		t.Fatalf("RemoveBefore past the end: %v, left %v; the segment appended to must stay", err, l.Segments())
	}
	l.Close()
	_, got := openLog(t, dir, Options{SegmentSize: 256})
	var still []stored
	for _, w := range kept {
		if w.pos.Segment == last {
			still = append(still, w)
		}
	}
	sameRecords(t, "replay after removal", got, still)
}

func TestLockedByAnotherOpen(t *testing.T) {
	dir := t.TempDir()
	l, _ := openLog(t, dir, Options{})
	start := time.Now()
	if _, _, err := tryOpen(dir, Options{LockTimeout: 50 * time.Millisecond}); !errors.Is(err, ErrLocked) || !bytes.Contains([]byte(err.Error()), []byte(dir)) {
		t.Fatalf("second Open: %v, want ErrLocked naming %s", err, dir)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Fatalf("gave up after %v, before the lock timeout", waited)
	}
	l.Close()
	l2, _, err := tryOpen(dir, Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	l2.Close()
}

func TestRecordsAreCheckedOnRead(t *testing.T) {
	dir := t.TempDir()
	l, _ := openLog(t, dir, Options{})
	w := appendN(t, l, 1, 2)
	path := filepath.Join(dir, segmentName(1))
	flipByte(t, path, w[1].pos.Offset+recordHeaderSize+2)
	var ce *CorruptError
	if _, err := l.ReadAt(w[1].pos); !errors.As(err, &ce) || ce.File != path {
		t.Fatalf("ReadAt of a damaged record: %v, want a CorruptError naming %s", err, path)
	}
	if b, err := l.ReadAt(w[0].pos); err != nil || !bytes.Equal(b, w[0].payload) {
		t.Fatalf("the record beside it: %q, %v", b, err)
	}
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}
