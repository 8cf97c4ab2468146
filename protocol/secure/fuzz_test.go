package secure

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
)

// fuzzKey is fixed so that seeds made with it stay valid handshakes.
var fuzzKey = Key{1, 2, 3}

// FuzzServer feeds arbitrary bytes to the accepting side, as a stranger on
// the peer port would: the handshake and the records after it must fail
// with an error, never a panic, and never yield bytes from a stream that
// was not encrypted with the key.
func FuzzServer(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 48})
	f.Add([]byte{0xff, 0xff, 0, 0})
	f.Add(append([]byte{0, 48}, make([]byte, 48)...))
	f.Add(validSession(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		c1, c2 := net.Pipe()
		defer c1.Close()
		defer c2.Close()
		go io.Copy(io.Discard, c1) // the handshake reply
		conn := &feedConn{Conn: c2, r: bytes.NewReader(data)}
		sc, _, err := Server(conn, []Key{fuzzKey}, nil)
		if err != nil {
			return
		}
		// Even a session recorded from a real client with the key cannot
		// yield a byte: this side's ephemeral key is new, so the records
		// were encrypted under keys it does not derive.
		b, err := io.ReadAll(io.LimitReader(sc, 1<<20))
		if len(b) > 0 {
			t.Fatalf("read %d bytes from a stream this session did not encrypt", len(b))
		}
		switch {
		case err == nil, errors.Is(err, ErrBadRecord), errors.Is(err, io.ErrUnexpectedEOF),
			strings.Contains(err.Error(), "shorter than its tag"):
		default:
			t.Fatalf("records failed with an unexpected error: %v", err)
		}
	})
}

// validSession is what a client with fuzzKey sends: its handshake message
// and one record.
func validSession(f *testing.F) []byte {
	c1, c2 := net.Pipe()
	defer c1.Close()
	var sent bytes.Buffer
	done := make(chan error, 1)
	go func() {
		sc, _, err := Server(c2, []Key{fuzzKey}, nil)
		if err == nil {
			_, err = io.ReadAll(sc)
		}
		done <- err
	}()
	rec := &recorder{Conn: c1}
	cc, err := Client(rec, fuzzKey, nil)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := cc.Write([]byte("hello")); err != nil {
		f.Fatal(err)
	}
	c1.Close()
	<-done
	sent.Write(rec.buf.Bytes())
	return sent.Bytes()
}
