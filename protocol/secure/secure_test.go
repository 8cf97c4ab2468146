package secure

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// tcpPair returns both ends of a fresh loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	deadline := time.Now().Add(10 * time.Second)
	client.SetDeadline(deadline)
	server.SetDeadline(deadline)
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

type result struct {
	conn *Conn
	idx  int
	err  error
}

// handshake runs both sides at once and returns their results.
func handshake(t *testing.T, ck Key, sk []Key, cpro, spro []byte) (c, s result, cRaw, sRaw net.Conn) {
	t.Helper()
	cRaw, sRaw = tcpPair(t)
	var wg sync.WaitGroup
	wg.Go(func() {
		s.conn, s.idx, s.err = Server(sRaw, sk, spro)
		if s.err != nil {
			sRaw.Close() // what the transport does on a refusal
		}
	})
	c.conn, c.err = Client(cRaw, ck, cpro)
	wg.Wait()
	return c, s, cRaw, sRaw
}

func mustKey(t *testing.T) Key {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRoundTripLargeStream(t *testing.T) {
	k := mustKey(t)
	c, s, _, _ := handshake(t, k, []Key{k}, []byte("p"), []byte("p"))
	if c.err != nil || s.err != nil {
		t.Fatalf("handshake: client %v, server %v", c.err, s.err)
	}
	want := make([]byte, 300_000) // several records
	for i := range want {
		want[i] = byte(i * 7)
	}
	go func() {
		c.conn.Write(want[:1000])
		c.conn.Write(want[1000:])
		c.conn.Close()
	}()
	got, err := io.ReadAll(s.conn)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, not the %d written", len(got), len(want))
	}
}

func TestWrongKeyRefusedBothWays(t *testing.T) {
	c, s, _, _ := handshake(t, mustKey(t), []Key{mustKey(t)}, nil, nil)
	if !errors.Is(s.err, ErrWrongKey) {
		t.Errorf("server: %v, want ErrWrongKey", s.err)
	}
	if !errors.Is(c.err, ErrRefused) {
		t.Errorf("client: %v, want ErrRefused", c.err)
	}
}

func TestOldAndNewKeyAccepted(t *testing.T) {
	oldKey, newKey := mustKey(t), mustKey(t)
	for i, k := range []Key{newKey, oldKey} {
		c, s, _, _ := handshake(t, k, []Key{newKey, oldKey}, nil, nil)
		if c.err != nil || s.err != nil {
			t.Fatalf("key %d: client %v, server %v", i, c.err, s.err)
		}
		if s.idx != i {
			t.Errorf("server matched key %d, want %d", s.idx, i)
		}
	}
}

func TestPrologueMismatchFails(t *testing.T) {
	k := mustKey(t)
	c, s, _, _ := handshake(t, k, []Key{k}, []byte("RING\x00\x01\x00\x01"), []byte("RING\x00\x01\x00\x00"))
	if s.err == nil || c.err == nil {
		t.Fatalf("handshake over different preambles passed: client %v, server %v", c.err, s.err)
	}
}

// recorder keeps every byte written through it.
type recorder struct {
	net.Conn
	mu  sync.Mutex
	buf bytes.Buffer
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.buf.Write(p)
	r.mu.Unlock()
	return r.Conn.Write(p)
}

func TestReplayedRecordsRefused(t *testing.T) {
	k := mustKey(t)
	// A first session, recorded on the wire after its handshake.
	c, s, _, _ := handshake(t, k, []Key{k}, nil, nil)
	if c.err != nil || s.err != nil {
		t.Fatal(c.err, s.err)
	}
	rec := &recorder{Conn: c.conn.Conn}
	c.conn.Conn = rec
	if _, err := c.conn.Write([]byte("hello once")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if _, err := io.ReadFull(s.conn, buf); err != nil || string(buf) != "hello once" {
		t.Fatalf("read %q, %v", buf, err)
	}
	captured := bytes.Clone(rec.buf.Bytes())

	t.Run("same session", func(t *testing.T) {
		if _, err := rec.Conn.Write(captured); err != nil {
			t.Fatal(err)
		}
		if _, err := s.conn.Read(buf); !errors.Is(err, ErrBadRecord) {
			t.Fatalf("replayed record read: %v, want ErrBadRecord", err)
		}
	})
	t.Run("new session", func(t *testing.T) {
		c2, s2, cRaw, _ := handshake(t, k, []Key{k}, nil, nil)
		if c2.err != nil || s2.err != nil {
			t.Fatal(c2.err, s2.err)
		}
		if _, err := cRaw.Write(captured); err != nil {
			t.Fatal(err)
		}
		if _, err := s2.conn.Read(buf); !errors.Is(err, ErrBadRecord) {
			t.Fatalf("record from another session read: %v, want ErrBadRecord", err)
		}
	})
}

// feedConn reads from r instead of the connection.
type feedConn struct {
	net.Conn
	r io.Reader
}

func (f *feedConn) Read(p []byte) (int, error) { return f.r.Read(p) }

func TestAlteredRecordRefused(t *testing.T) {
	k := mustKey(t)
	c, s, _, sRaw := handshake(t, k, []Key{k}, nil, nil)
	if c.err != nil || s.err != nil {
		t.Fatal(c.err, s.err)
	}
	msg := "pay 10 coins"
	if _, err := c.conn.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	wire := make([]byte, recordHead+len(msg)+tagSize)
	if _, err := io.ReadFull(sRaw, wire); err != nil {
		t.Fatal(err)
	}
	wire[recordHead+3] ^= 1 // a bit of the ciphertext
	s.conn.Conn = &feedConn{Conn: sRaw, r: bytes.NewReader(wire)}
	if _, err := s.conn.Read(make([]byte, 32)); !errors.Is(err, ErrBadRecord) {
		t.Fatalf("altered record read: %v, want ErrBadRecord", err)
	}
}

func TestOversizeHandshakeMessageRefused(t *testing.T) {
	cRaw, sRaw := tcpPair(t)
	go cRaw.Write([]byte{0xff, 0xff})
	if _, _, err := Server(sRaw, []Key{mustKey(t)}, nil); err == nil {
		t.Fatal("a 65535-byte handshake message was accepted")
	}
}
