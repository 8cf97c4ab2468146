package protocol

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// The hot path of one chat message between peers: a member encodes a Submit
// for the leader, the leader decodes it and encodes a Deliver for every
// other member, each of which decodes it; every payload travels in a frame.
// Messages carry benchText, the size ringbench says by default.

var benchText = strings.Repeat("x", 100)

func benchEntry(seq uint64) Entry {
	e := sampleEntry(seq)
	e.Text = benchText
	return e
}

func benchDeliver(entries int) Deliver {
	d := Deliver{Entries: make([]Entry, entries)}
	for i := range d.Entries {
		d.Entries[i] = benchEntry(uint64(i + 1))
	}
	return d
}

func BenchmarkEncodeSubmit(b *testing.B) {
	m := Submit{Entry: benchEntry(0)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(7, alice.ID, 3, m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSubmit(b *testing.B) { benchDecode(b, Submit{Entry: benchEntry(0)}) }

// benchDecode decodes the payload of m over and over.
func benchDecode(b *testing.B, m Message) {
	p, err := Encode(7, alice.ID, 3, m)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeDeliver and BenchmarkDecodeDeliver report the cost per
// entry ("ns/entry") for a Deliver of 1 entry (what the leader sends for a
// lone Submit) and of larger batches (a driver cycle under load).
func BenchmarkEncodeDeliver(b *testing.B) {
	for _, n := range []int{1, 16, 128} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			d := benchDeliver(n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Encode(7, alice.ID, 3, d); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
		})
	}
}

func BenchmarkDecodeDeliver(b *testing.B) {
	for _, n := range []int{1, 16, 128} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			benchDecode(b, benchDeliver(n))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
		})
	}
}

// BenchmarkFrameWriteRead writes one frame and reads it back through a
// FrameReader: the framing alone, without a connection.
func BenchmarkFrameWriteRead(b *testing.B) {
	for _, size := range []int{200, 16 << 10} {
		b.Run(fmt.Sprintf("bytes=%d", size), func(b *testing.B) {
			payload := bytes.Repeat([]byte{0xa5}, size)
			var buf bytes.Buffer
			fr := NewFrameReader(&buf, 0)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := WriteFrame(&buf, payload, 0); err != nil {
					b.Fatal(err)
				}
				p, err := fr.ReadFrame()
				if err != nil {
					b.Fatal(err)
				}
				if len(p) != size {
					b.Fatalf("read %d bytes, wrote %d", len(p), size)
				}
			}
		})
	}
}
