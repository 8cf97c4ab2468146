package discovery

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/testutil"
)

// Tests run on the loopback interface, each on a group and port of its
// own, so that they neither leave the host nor hear each other or a real
// ringd. Ports stay below the ephemeral range (32768 on), where other
// tests' sockets would be.

func loopbackName(t testing.TB) string { return testutil.LoopbackInterface(t) }

func testGroup() netip.AddrPort {
	ip := netip.AddrFrom4([4]byte{239, 255, byte(100 + rand.IntN(100)), byte(1 + rand.IntN(254))})
	return netip.AddrPortFrom(ip, uint16(20000+rand.IntN(12000)))
}

func memberStatus(id, name, addr, ring string, leader chat.NodeRef, members int) chat.Status {
	return chat.Status{
		ID: id, Name: name, Addr: addr, State: chat.StateMember,
		Leader: leader, Members: members, Ring: ring,
	}
}

// statusBox is a status that a test changes while a responder reads it.
type statusBox struct {
	mu sync.Mutex
	st chat.Status
}

func (b *statusBox) get() chat.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.st
}

func (b *statusBox) set(st chat.Status) {
	b.mu.Lock()
	b.st = st
	b.mu.Unlock()
}

// startResponder runs a responder until the test ends; its debug log goes
// to the returned buffer.
func startResponder(t *testing.T, group netip.AddrPort, iface string, status func() chat.Status, secret bool) (*Responder, *testutil.SyncBuffer) {
	t.Helper()
	logs := &testutil.SyncBuffer{}
	r, err := Listen(Options{Group: group, Interface: iface, Secret: secret, Logger: newTestLogger(logs)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Serve(ctx, status); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return within 5s of its context ending")
		}
		if t.Failed() {
			t.Logf("responder log:\n%s", logs.String())
		}
	})
	return r, logs
}

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// fakeResponder joins group on the loopback and answers every query with
// what answer returns: any datagrams, valid or not.
func fakeResponder(t *testing.T, group netip.AddrPort, answer func(n Nonce) [][]byte) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", group.String())
	if err != nil {
		t.Fatal(err)
	}
	lo, err := net.InterfaceByName(loopbackName(t))
	if err != nil {
		t.Fatal(err)
	}
	pc := ipv4.NewPacketConn(conn)
	if err := pc.JoinGroup(lo, net.UDPAddrFromAddrPort(group)); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2*QuerySize)
		for {
			n, src, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			nonce, err := parseQuery(buf[:n])
			if err != nil {
				continue
			}
			for _, b := range answer(nonce) {
				if _, err := conn.WriteTo(b, src); err != nil && !errors.Is(err, net.ErrClosed) {
					t.Errorf("fake responder: %v", err)
				}
			}
		}
	}()
	t.Cleanup(func() { conn.Close(); <-done })
}

// querier is a plain socket for tests that send queries by hand.
type querier struct {
	t    *testing.T
	conn net.PacketConn
	pc   *ipv4.PacketConn
}

func newQuerier(t *testing.T) *querier {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	lo, err := net.InterfaceByName(loopbackName(t))
	if err != nil {
		t.Fatal(err)
	}
	pc := ipv4.NewPacketConn(conn)
	if err := pc.SetMulticastInterface(lo); err != nil {
		t.Fatal(err)
	}
	return &querier{t: t, conn: conn, pc: pc}
}

func (q *querier) send(b []byte, to netip.AddrPort) {
	q.t.Helper()
	if _, err := q.conn.WriteTo(b, net.UDPAddrFromAddrPort(to)); err != nil {
		q.t.Fatal(err)
	}
}

// next reads the next answer, failing the test if none comes within 5 s.
func (q *querier) next() (Nonce, Announcement) {
	q.t.Helper()
	buf := make([]byte, MaxAnswer+1)
	q.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := q.conn.ReadFrom(buf)
	if err != nil {
		q.t.Fatalf("no answer: %v", err)
	}
	nonce, a, err := parseAnswer(buf[:n])
	if err != nil {
		q.t.Fatalf("bad answer %q: %v", buf[:n], err)
	}
	return nonce, a
}

// drain counts the answers already waiting, reading until none is left
// for 200 ms.
func (q *querier) drain() int {
	buf := make([]byte, MaxAnswer+1)
	count := 0
	for {
		q.conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, _, err := q.conn.ReadFrom(buf)
		if err != nil {
			return count
		}
		if bytes.HasPrefix(buf[:n], magic[:]) {
			count++
		}
	}
}
