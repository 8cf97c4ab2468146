package seglog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// threeBatches writes batches of 2, 3 and 4 records in one segment and
// closes the log; it returns what each batch stored.
func threeBatches(t *testing.T, dir string) [][]stored {
	t.Helper()
	l, _ := openLog(t, dir, Options{})
	var batches [][]stored
	for i, n := range []int{2, 3, 4} {
		batches = append(batches, appendN(t, l, i+1, n))
	}
	l.Close()
	return batches
}

// batchStart is where the batch holding the record at p begins.
func batchStart(p Pos) int64 { return p.Offset - batchHeaderSize }

func TestTornLastBatchIsCut(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(t *testing.T, path string, third int64, size int64)
	}{
		{"cut in its body", func(t *testing.T, path string, third, size int64) { truncate(t, path, size-5) }},
		{"cut in its header", func(t *testing.T, path string, third, _ int64) { truncate(t, path, third+7) }},
		{"a byte of it wrong", func(t *testing.T, path string, third, size int64) { flipByte(t, path, size-3) }},
		{"zeros after it", func(t *testing.T, path string, third, size int64) {
			truncate(t, path, third+3)
			appendBytes(t, path, make([]byte, 4096))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			b := threeBatches(t, dir)
			path := filepath.Join(dir, segmentName(1))
			c.damage(t, path, batchStart(b[2][0].pos), fileSize(t, path))

			l, got := openLog(t, dir, Options{})
			want := append(append([]stored{}, b[0]...), b[1]...)
			sameRecords(t, "replay", got, want)
			if size := fileSize(t, path); size != batchStart(b[2][0].pos) {
				t.Fatalf("the file is %d bytes after the cut, want %d", size, batchStart(b[2][0].pos))
			}
			// The log goes on where the good batches end.
			more := appendN(t, l, 3, 2)
			if more[0].pos.Offset != b[2][0].pos.Offset {
				t.Fatalf("the next batch went to %v, want where the torn one was (%v)", more[0].pos, b[2][0].pos)
			}
			l.Close()
			_, got = openLog(t, dir, Options{})
			sameRecords(t, "replay after appending again", got, append(want, more...))
		})
	}
}

func TestDamageBeforeTheEndIsRefused(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(t *testing.T, dir string, b [][]stored)
		offset func(b [][]stored) int64
	}{
		{"a byte of the first batch", func(t *testing.T, dir string, b [][]stored) {
			flipByte(t, filepath.Join(dir, segmentName(1)), b[0][1].pos.Offset+recordHeaderSize)
		}, func(b [][]stored) int64 { return batchStart(b[0][0].pos) }},
		{"a batch header in the middle", func(t *testing.T, dir string, b [][]stored) {
			flipByte(t, filepath.Join(dir, segmentName(1)), batchStart(b[1][0].pos)+5)
		}, func(b [][]stored) int64 { return batchStart(b[1][0].pos) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			b := threeBatches(t, dir)
			c.damage(t, dir, b)
			path := filepath.Join(dir, segmentName(1))
			before, _ := os.ReadFile(path)
			_, _, err := tryOpen(dir, Options{})
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.File != path || ce.Offset != c.offset(b) {
				t.Fatalf("Open: %v, want a CorruptError at %s offset %d", err, path, c.offset(b))
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Fatal("Open changed a damaged file")
			}
		})
	}
}

func TestDamagedOlderSegmentIsRefused(t *testing.T) {
	dir := t.TempDir()
	l, _ := openLog(t, dir, Options{SegmentSize: 256})
	b := appendN(t, l, 1, 3, 3, 3, 3)
	if segs := l.Segments(); len(segs) != 2 || b[len(b)-1].pos.Segment != 2 {
		t.Fatalf("segments %v; want two, the last batch in segment 2", segs)
	}
	l.Close()
	// The last batch of the first segment: not the log's last write, so not torn.
	first := filepath.Join(dir, segmentName(1))
	truncate(t, first, fileSize(t, first)-4)
	var ce *CorruptError
	if _, _, err := tryOpen(dir, Options{}); !errors.As(err, &ce) || ce.File != first {
		t.Fatalf("Open: %v, want a CorruptError naming %s", err, first)
	}
}

func TestMissingSegmentIsRefused(t *testing.T) {
	dir := t.TempDir()
	l, _ := openLog(t, dir, Options{SegmentSize: 256})
	appendN(t, l, 1, 3, 3, 3, 3, 3, 3)
	l.Close()
	if err := os.Remove(filepath.Join(dir, segmentName(2))); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tryOpen(dir, Options{}); err == nil || !bytes.Contains([]byte(err.Error()), []byte("segment 2 is missing")) {
		t.Fatalf("Open with segment 2 gone: %v", err)
	}
}

func TestSegmentCreatedJustBeforeACrash(t *testing.T) {
	dir := t.TempDir()
	b := threeBatches(t, dir)
	for _, head := range [][]byte{{}, {0, 0, 0}} { // nothing, or zeros, of the header reached the disk
		if err := os.WriteFile(filepath.Join(dir, segmentName(2)), head, 0o600); err != nil {
			t.Fatal(err)
		}
		l, got := openLog(t, dir, Options{})
		sameRecords(t, "replay", got, append(append(append([]stored{}, b[0]...), b[1]...), b[2]...))
		more := appendN(t, l, 4, 1)
		if more[0].pos.Segment != 2 {
			t.Fatalf("appended to segment %d, want the repaired segment 2", more[0].pos.Segment)
		}
		l.Close()
		if err := os.Remove(filepath.Join(dir, segmentName(2))); err != nil { // for the next round
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, segmentName(2)), []byte("not a ring segment at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	var ce *CorruptError
	if _, _, err := tryOpen(dir, Options{}); !errors.As(err, &ce) {
		t.Fatalf("a foreign file as the last segment: %v, want a CorruptError", err)
	}
}

func truncate(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}
