package transport

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/ringchat/ring/protocol"
)

func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestHostileInboundRefused(t *testing.T) {
	ok := preamble(protocol.Version)
	cases := []struct {
		name string
		send []byte
	}{
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
		{"wrong magic", []byte("RONG\x00\x01\x00\x00")},
		{"wrong version", preamble(0)},
		{"4 GiB length", append(ok, 0xff, 0xff, 0xff, 0xff)},
		{"empty frame", append(ok, 0, 0, 0, 0)},
		{"undecodable payload", append(ok, 0, 0, 0, 3, 0xff, 0xfe, 0xfd)},
	}
	srv := startNode(t, 1, "", Options{})
	good := startNode(t, 2, "", Options{})
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, srv.info.Addr)
			if _, err := c.Write(tc.send); err != nil {
				t.Fatal(err)
			}
			got := expectClosed(t, c, waitLimit)
			if len(got) > protocol.PreambleSize {
				t.Fatalf("server sent %d bytes, want at most its preamble", len(got))
			}
			// The transport still serves a good peer.
			seq := uint64(i + 1)
			good.tr.Send(srv.info, seq, 0, protocol.Ack{Seq: seq})
			expectAck(t, srv, good.info.ID, seq)
		})
	}
}

func TestIdleInboundClosed(t *testing.T) {
	srv := startNode(t, 1, "", Options{IdleTimeout: 100 * time.Millisecond})
	c := dialRaw(t, srv.info.Addr)
	if _, err := c.Write(preamble(protocol.Version)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got := expectClosed(t, c, waitLimit)
	if !bytes.Equal(got, preamble(protocol.Version)) {
		t.Fatalf("server sent %q, want its preamble", got)
	}
	if d := time.Since(start); d < 50*time.Millisecond { // the server started its clock slightly before ours
		t.Fatalf("closed after %v, before the idle timeout", d)
	}
}

func TestHandshakeLimit(t *testing.T) {
	srv := startNode(t, 1, "", Options{MaxHandshakes: 2})
	// Two connections that never send their preamble hold both slots.
	stalled := []net.Conn{dialRaw(t, srv.info.Addr), dialRaw(t, srv.info.Addr)}
	for _, c := range stalled {
		// Reading the server's preamble proves it is handshaking with c.
		buf := make([]byte, protocol.PreambleSize)
		_ = c.SetReadDeadline(time.Now().Add(waitLimit))
		if _, err := c.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	third := dialRaw(t, srv.info.Addr)
	if got := expectClosed(t, third, waitLimit); len(got) != 0 {
		t.Fatalf("third connection got %q, want to be closed before handshake", got)
	}

	for _, c := range stalled {
		c.Close()
	}
	// Slots free up once the server sees the stalled ones go; a good peer
	// then gets through, though its first attempts may still be refused.
	good := startNode(t, 2, "", Options{})
	deadline := time.Now().Add(waitLimit)
	for seq := uint64(1); ; seq++ {
		good.tr.Send(srv.info, seq, 0, protocol.Ack{Seq: seq})
		select {
		case in := <-srv.tr.Receive():
			if in.Header.From != good.info.ID {
				t.Fatalf("message from %q", in.Header.From)
			}
			return
		case <-good.tr.Down():
		case <-time.After(time.Until(deadline)):
			t.Fatal("good peer never got through")
		}
	}
}
