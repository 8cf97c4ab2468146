package protocol

import (
	"bufio"
	"bytes"
	"errors"
	"testing"
)

// WriteFrameBuffered writes the bytes WriteFrame writes, for payloads
// smaller and larger than the writer's buffer, one after another.
func TestWriteFrameBufferedIsWriteFrame(t *testing.T) {
	var payloads [][]byte
	for i, size := range []int{1, 3, 4, 13, 60, 61, 64, 200, 1000, 5000} {
		payloads = append(payloads, bytes.Repeat([]byte{byte('a' + i)}, size))
	}
	var out bytes.Buffer
	bw := bufio.NewWriterSize(&out, 64) // the smallest bufio allows: large payloads bypass it
	for _, p := range payloads {
		if err := WriteFrameBuffered(bw, p, 0); err != nil {
			t.Fatalf("WriteFrameBuffered(%d bytes): %v", len(p), err)
		}
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := frameBytes(t, payloads...); !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("buffered frames differ from WriteFrame's:\n got %x\nwant %x", out.Bytes(), want)
	}
	got := readAll(t, NewFrameReader(&out, 0))
	if len(got) != len(payloads) {
		t.Fatalf("read %d frames, wrote %d", len(got), len(payloads))
	}
}

func TestWriteFrameBufferedRefuses(t *testing.T) {
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	if err := WriteFrameBuffered(bw, nil, 0); !errors.Is(err, ErrEmptyFrame) {
		t.Fatalf("empty payload: err = %v, want ErrEmptyFrame", err)
	}
	var tooLarge *FrameTooLargeError
	if err := WriteFrameBuffered(bw, make([]byte, 101), 100); !errors.As(err, &tooLarge) || tooLarge.Size != 101 {
		t.Fatalf("101 bytes at limit 100: err = %v, want *FrameTooLargeError", err)
	}
	if bw.Buffered() != 0 {
		t.Fatalf("%d bytes buffered for refused frames", bw.Buffered())
	}
}

// The point of WriteFrameBuffered: a frame that fits the buffer costs no
// allocation.
func TestWriteFrameBufferedAllocatesNothing(t *testing.T) {
	bw := bufio.NewWriterSize(&bytes.Buffer{}, 1<<16) // holds all 101 runs' frames
	payload := bytes.Repeat([]byte{1}, 300)
	allocs := testing.AllocsPerRun(100, func() {
		if err := WriteFrameBuffered(bw, payload, 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Fatalf("%.1f allocations per frame, want 0", allocs)
	}
}

// With Reuse, frames up to Reuse bytes share the reader's buffer, each read
// whole and right; a larger one is a buffer of its own.
func TestReadFrameReuse(t *testing.T) {
	small := [][]byte{[]byte("aaaa"), []byte("bb"), bytes.Repeat([]byte("c"), 100), []byte("d")}
	large := bytes.Repeat([]byte("e"), 101)
	fr := NewFrameReader(bytes.NewReader(frameBytes(t, append(small, large)...)), 0)
	fr.Reuse = 100
	var first []byte
	for i, want := range small {
		got, err := fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("frame %d = %q, want %q", i, got, want)
		}
		if i == 2 {
			first = got // the buffer grew to 100 here
		}
		if i == 3 && &got[0] != &first[0] {
			t.Fatal("a small frame after the buffer grew did not reuse it")
		}
	}
	got, err := fr.ReadFrame()
	if err != nil || !bytes.Equal(got, large) {
		t.Fatalf("large frame = %q, %v", got, err)
	}
	if &got[0] == &first[0] {
		t.Fatal("a frame over Reuse was read into the kept buffer")
	}
}

func TestReadFrameReuseAllocatesNothing(t *testing.T) {
	payload := bytes.Repeat([]byte{7}, 300)
	var stream []byte
	for range 102 {
		stream = append(stream, frameBytes(t, payload)...)
	}
	fr := NewFrameReader(bytes.NewReader(stream), 0)
	fr.Reuse = 1 << 10
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := fr.ReadFrame(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Fatalf("%.1f allocations per frame, want 0", allocs)
	}
}
