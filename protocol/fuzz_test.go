package protocol

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
)

// checkReencode asserts that a message Decode accepted survives another
// Encode/Decode cycle unchanged, and that the re-encoding is stable.
func checkReencode(t *testing.T, h Header, m Message) {
	t.Helper()
	p1, err := Encode(h.Lamport, h.From, h.Epoch, m)
	if err != nil {
		t.Fatalf("re-encoding decoded %#v: %v", m, err)
	}
	h2, m2, err := Decode(p1)
	if err != nil {
		t.Fatalf("decoding re-encoded %s: %v", m.Type(), err)
	}
	if h2 != h || !reflect.DeepEqual(m2, m) {
		t.Fatalf("round trip changed the message:\n%+v %#v\n%+v %#v", h, m, h2, m2)
	}
	p2, err := Encode(h2.Lamport, h2.From, h2.Epoch, m2)
	if err != nil || !bytes.Equal(p1, p2) {
		t.Fatalf("encoding is not stable: %x vs %x (%v)", p1, p2, err)
	}
}

func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for i, m := range sampleMessages() {
		p, err := Encode(uint64(i), alice.ID, 3, m)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, p)
	}
	return seeds
}

func FuzzReadFrame(f *testing.F) {
	seeds := fuzzSeeds(f)
	f.Add(frameBytes(f, seeds...))
	for _, s := range seeds {
		f.Add(frameBytes(f, s))
	}
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 9, 0xa0})
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := NewFrameReader(bytes.NewReader(data), 64<<10)
		var frames [][]byte
		for {
			p, err := fr.ReadFrame()
			if err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF &&
					!errors.Is(err, ErrEmptyFrame) && !errors.Is(err, ErrFrameTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				break
			}
			frames = append(frames, p)
			if h, m, err := Decode(p); err == nil {
				checkReencode(t, h, m)
			}
		}
		// Framing the frames again must reproduce the bytes they came from.
		var again bytes.Buffer
		for _, p := range frames {
			if err := WriteFrame(&again, p, 64<<10); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.HasPrefix(data, again.Bytes()) {
			t.Fatalf("re-framed frames %x are not a prefix of the input %x", again.Bytes(), data)
		}
	})
}

func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte{})
	f.Add([]byte{0xa0})
	f.Add([]byte{0xa3, 0x01, 0x0a, 0x03, 0x61, 'x', 0x05, 0xa1, 0x01, 0x04})
	f.Fuzz(func(t *testing.T, payload []byte) {
		h, m, err := Decode(payload)
		if err != nil {
			if m != nil {
				t.Fatalf("Decode returned both %#v and error %v", m, err)
			}
			return
		}
		if m == nil {
			t.Fatal("Decode returned neither message nor error")
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("Decode returned an invalid message: %v", err)
		}
		checkReencode(t, h, m)
	})
}
