package protocol

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

type rw struct {
	io.Reader
	io.Writer
}

func preamble(magic string, version, flags uint16) []byte {
	return append([]byte(magic), byte(version>>8), byte(version), byte(flags>>8), byte(flags))
}

func TestHandshakeWritesPreambleAndReadsExactlyEightBytes(t *testing.T) {
	in := bytes.NewReader(append(preamble("RING", 1, 0), "next frame"...))
	var out bytes.Buffer
	v, err := Handshake(rw{in, &out})
	if err != nil || v != 1 {
		t.Fatalf("Handshake = %d, %v; want 1, nil", v, err)
	}
	if want := []byte("RING\x00\x01\x00\x00"); !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("wrote %q, want %q", out.Bytes(), want)
	}
	if in.Len() != len("next frame") {
		t.Fatalf("Handshake consumed %d bytes beyond the preamble", len("next frame")-in.Len())
	}
}

func TestHandshakeOverPipe(t *testing.T) {
	// net.Pipe has no buffering: this deadlocks if both sides write first.
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	deadline := time.Now().Add(5 * time.Second)
	a.SetDeadline(deadline)
	b.SetDeadline(deadline)
	errc := make(chan error, 1)
	go func() {
		_, err := Handshake(b)
		errc <- err
	}()
	v, err := Handshake(a)
	if err != nil || v != Version {
		t.Fatalf("Handshake = %d, %v", v, err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("other side: %v", err)
	}
}

func TestHandshakeOverTCPThenFrames(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback TCP: %v", err)
	}
	defer ln.Close()
	errc := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			errc <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := Handshake(c); err != nil {
			errc <- err
			return
		}
		errc <- WriteFrame(c, []byte("first frame"), 0)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := Handshake(c); err != nil {
		t.Fatalf("dialer: %v", err)
	}
	p, err := NewFrameReader(c, 0).ReadFrame()
	if err != nil || string(p) != "first frame" {
		t.Fatalf("frame after handshake = %q, %v", p, err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("acceptor: %v", err)
	}
}

func TestHandshakeBadMagic(t *testing.T) {
	_, err := Handshake(rw{strings.NewReader("GET / HTTP/1.1\r\n"), io.Discard})
	var bad *BadMagicError
	if !errors.As(err, &bad) || string(bad.Got[:]) != "GET " {
		t.Fatalf("err = %v, want *BadMagicError", err)
	}
	if want := `not a ring peer (bad magic "GET ")`; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err, want)
	}
}

func TestHandshakeVersions(t *testing.T) {
	tests := []struct {
		name    string
		version uint16
		wantErr string
	}{
		{"current", Version, ""},
		{"zero", 0, "peer speaks protocol version 0, this node supports 1..1"},
		{"newer peer is left to downgrade", Version + 6, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Handshake(rw{bytes.NewReader(preamble("RING", tt.version, 0)), io.Discard})
			if v != tt.version {
				t.Errorf("peer version = %d, want %d", v, tt.version)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var verr *VersionError
			if !errors.As(err, &verr) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want *VersionError containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestAgreedVersion(t *testing.T) {
	if got := AgreedVersion(Version + 3); got != Version {
		t.Fatalf("AgreedVersion(newer) = %d, want %d", got, Version)
	}
	if got := AgreedVersion(Version); got != Version {
		t.Fatalf("AgreedVersion(same) = %d, want %d", got, Version)
	}
}

func TestHandshakeIgnoresReservedFlags(t *testing.T) {
	if _, err := Handshake(rw{bytes.NewReader(preamble("RING", Version, 0xffff)), io.Discard}); err != nil {
		t.Fatalf("err = %v", err)
	}
}

func TestHandshakeShortPreamble(t *testing.T) {
	_, err := Handshake(rw{strings.NewReader("RIN"), io.Discard})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestHandshakeWriteError(t *testing.T) {
	_, err := Handshake(rw{bytes.NewReader(preamble("RING", Version, 0)), failWriter{}})
	if err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Fatalf("err = %v, want the write error", err)
	}
}
