package protocol

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"
	"testing/iotest"
)

func frameBytes(t testing.TB, payloads ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, p := range payloads {
		if err := WriteFrame(&buf, p, 0); err != nil {
			t.Fatalf("WriteFrame: %v", err)
		}
	}
	return buf.Bytes()
}

func readAll(t *testing.T, fr *FrameReader) [][]byte {
	t.Helper()
	var got [][]byte
	for {
		p, err := fr.ReadFrame()
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatalf("ReadFrame after %d frames: %v", len(got), err)
		}
		got = append(got, p)
	}
}

func TestWriteFrameLayout(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteFrame(&buf, []byte("abc"), 0); err != nil {
		t.Fatal(err)
	}
	if want := []byte{0, 0, 0, 3, 'a', 'b', 'c'}; !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("frame = %x, want %x", buf.Bytes(), want)
	}
}

// countingReader hands out everything it holds in its first Read.
type countingReader struct {
	data  []byte
	reads int
}

func (r *countingReader) Read(p []byte) (int, error) {
	r.reads++
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestTwoFramesInOneRead(t *testing.T) {
	r := &countingReader{data: frameBytes(t, []byte("first"), []byte("second"))}
	fr := NewFrameReader(r, 0)
	for _, want := range []string{"first", "second"} {
		p, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("ReadFrame: %v", err)
		}
		if string(p) != want {
			t.Fatalf("got %q, want %q", p, want)
		}
	}
	if r.reads != 1 {
		t.Fatalf("underlying reader was read %d times, want both frames from 1 read", r.reads)
	}
	if _, err := fr.ReadFrame(); err != io.EOF {
		t.Fatalf("after last frame: err = %v, want io.EOF", err)
	}
}

func TestBurstOfFramesInOneWrite(t *testing.T) {
	var want [][]byte
	for i := range 20 {
		want = append(want, bytes.Repeat([]byte{byte('a' + i)}, i*37+1))
	}
	burst := frameBytes(t, want...)
	pr, pw := io.Pipe()
	go func() {
		_, err := pw.Write(burst) // one Write for all 20 frames
		pw.CloseWithError(err)
	}()
	got := readAll(t, NewFrameReader(pr, 0))
	if len(got) != len(want) {
		t.Fatalf("got %d frames, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("frame %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestFrameSplitAcrossOneByteReads(t *testing.T) {
	want := [][]byte{[]byte("hello, ring"), bytes.Repeat([]byte("x"), 5000), []byte("z")}
	r := iotest.OneByteReader(bytes.NewReader(frameBytes(t, want...)))
	got := readAll(t, NewFrameReader(r, 0))
	if len(got) != len(want) {
		t.Fatalf("got %d frames, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("frame %d differs", i)
		}
	}
}

func TestFrameAtLimit(t *testing.T) {
	p := bytes.Repeat([]byte{7}, 100)
	var buf bytes.Buffer
	if err := WriteFrame(&buf, p, 100); err != nil {
		t.Fatalf("WriteFrame at limit: %v", err)
	}
	got, err := NewFrameReader(&buf, 100).ReadFrame()
	if err != nil || !bytes.Equal(got, p) {
		t.Fatalf("ReadFrame at limit: %v", err)
	}
}

func TestWriteFrameRefusesOversize(t *testing.T) {
	var buf bytes.Buffer
	err := WriteFrame(&buf, make([]byte, 101), 100)
	var tooLarge *FrameTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Size != 101 || tooLarge.Max != 100 {
		t.Fatalf("err = %v, want *FrameTooLargeError{101, 100}", err)
	}
	if !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("err %v does not match ErrFrameTooLarge", err)
	}
	if buf.Len() != 0 {
		t.Fatalf("%d bytes written for a refused frame", buf.Len())
	}
	if err := WriteFrame(&buf, make([]byte, DefaultMaxFrameSize+1), 0); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("limit 0 should mean DefaultMaxFrameSize; err = %v", err)
	}
}

func TestWriteFrameRefusesEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteFrame(&buf, nil, 0); !errors.Is(err, ErrEmptyFrame) {
		t.Fatalf("err = %v, want ErrEmptyFrame", err)
	}
}

func header(n uint32) []byte {
	return binary.BigEndian.AppendUint32(nil, n)
}

func TestReadFrameRefusesOversizeWithoutAllocating(t *testing.T) {
	for _, size := range []uint32{DefaultMaxFrameSize + 1, 1<<32 - 1} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			fr := NewFrameReader(bytes.NewReader(header(size)), 0)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := fr.ReadFrame()
			runtime.ReadMemStats(&after)
			var tooLarge *FrameTooLargeError
			if !errors.As(err, &tooLarge) || tooLarge.Size != int64(size) || tooLarge.Max != DefaultMaxFrameSize {
				t.Fatalf("err = %v, want *FrameTooLargeError{%d, %d}", err, size, DefaultMaxFrameSize)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew >= DefaultMaxFrameSize/2 {
				t.Fatalf("refusing the frame allocated %d bytes", grew)
			}
		})
	}
}

func TestReadFrameRefusesEmpty(t *testing.T) {
	_, err := NewFrameReader(bytes.NewReader(header(0)), 0).ReadFrame()
	if !errors.Is(err, ErrEmptyFrame) {
		t.Fatalf("err = %v, want ErrEmptyFrame", err)
	}
}

func TestReadFrameShortInput(t *testing.T) {
	full := frameBytes(t, []byte("payload"))
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"nothing", nil, io.EOF},
		{"partial header", full[:2], io.ErrUnexpectedEOF},
		{"header only", full[:4], io.ErrUnexpectedEOF},
		{"partial payload", full[:len(full)-1], io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewFrameReader(bytes.NewReader(tt.in), 0).ReadFrame()
			if err != tt.want {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReadFrameErrorIsSticky(t *testing.T) {
	in := append(header(DefaultMaxFrameSize+1), frameBytes(t, []byte("after"))...)
	fr := NewFrameReader(bytes.NewReader(in), 0)
	_, err1 := fr.ReadFrame()
	p, err2 := fr.ReadFrame()
	if err1 == nil || err2 != err1 || p != nil {
		t.Fatalf("second ReadFrame = %q, %v; want the first error %v again", p, err2, err1)
	}
}

func TestReadFrameReturnsFreshBuffers(t *testing.T) {
	fr := NewFrameReader(bytes.NewReader(frameBytes(t, []byte("aaaa"), []byte("bbbb"))), 0)
	a, _ := fr.ReadFrame()
	b, _ := fr.ReadFrame()
	if string(a) != "aaaa" || string(b) != "bbbb" {
		t.Fatalf("frames = %q, %q: an earlier frame was overwritten", a, b)
	}
}
