package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ringchat/ring/protocol"
)

const waitLimit = 10 * time.Second

// node is a running Transport on a loopback port.
type node struct {
	tr     *Transport
	info   protocol.NodeInfo
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

func testID(n int) string { return fmt.Sprintf("%016x", n) }

func testLogger(tb testing.TB) *slog.Logger {
	if _, bench := tb.(*testing.B); bench {
		return nil
	}
	return slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// startNode runs a Transport with id n listening on addr ("" = any port).
func startNode(tb testing.TB, n int, addr string, opts Options) *node {
	tb.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	opts.Self = protocol.NodeInfo{ID: testID(n), Addr: ln.Addr().String()}
	if opts.Logger == nil {
		opts.Logger = testLogger(tb)
	}
	ctx, cancel := context.WithCancel(context.Background())
	nd := &node{tr: New(ln, opts), info: opts.Self, cancel: cancel, done: make(chan error, 1)}
	go func() { nd.done <- nd.tr.Run(ctx) }()
	tb.Cleanup(func() { nd.stop(tb) })
	return nd
}

// stop cancels the node and waits for Run to return.
func (nd *node) stop(tb testing.TB) {
	tb.Helper()
	nd.once.Do(func() {
		nd.cancel()
		select {
		case err := <-nd.done:
			if err != nil {
				tb.Errorf("Run: %v", err)
			}
		case <-time.After(waitLimit):
			tb.Errorf("Run did not return after cancel")
		}
	})
}

func recvOne(tb testing.TB, nd *node) Inbound {
	tb.Helper()
	select {
	case in := <-nd.tr.Receive():
		return in
	case <-time.After(waitLimit):
		tb.Fatalf("node %s: nothing received", nd.info.ID)
		return Inbound{}
	}
}

func downOne(tb testing.TB, nd *node) protocol.NodeInfo {
	tb.Helper()
	select {
	case d := <-nd.tr.Down():
		if d.Err == nil {
			tb.Errorf("node %s: Down report for %v without a cause", nd.info.ID, d.Peer)
		}
		return d.Peer
	case <-time.After(waitLimit):
		tb.Fatalf("node %s: no Down report", nd.info.ID)
		return protocol.NodeInfo{}
	}
}

// expectAck receives one message and checks it is Ack{seq} from from.
func expectAck(tb testing.TB, nd *node, from string, seq uint64) {
	tb.Helper()
	in := recvOne(tb, nd)
	ack, ok := in.Msg.(protocol.Ack)
	if !ok || ack.Seq != seq || in.Header.From != from || in.Header.Lamport != seq {
		tb.Fatalf("got %#v from %q lamport %d, want Ack{%d} from %q", in.Msg, in.Header.From, in.Header.Lamport, seq, from)
	}
}

func bigSubmit(size int) protocol.Submit {
	return protocol.Submit{Entry: protocol.Entry{
		OriginID: testID(99), OriginCounter: 1, Kind: protocol.KindChat, Text: strings.Repeat("x", size),
	}}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// stuckListener accepts connections and never reads them. With handshake
// set it first answers the handshake, so the dialer moves on to writing. The
// returned stop (also run at cleanup) closes everything.
func stuckListener(tb testing.TB, handshake bool) (addr string, stop func()) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if handshake {
				// The dialer writes its preamble too, but only 8 bytes:
				// they sit in the socket buffer unread.
				_, _ = c.Write(preamble(protocol.Version))
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			ln.Close()
			<-done
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				c.Close()
			}
		})
	}
	tb.Cleanup(stop)
	return ln.Addr().String(), stop
}

// expectClosed reads c until the other side closes it, failing if that takes
// longer than limit. It returns what was read.
func expectClosed(tb testing.TB, c net.Conn, limit time.Duration) []byte {
	tb.Helper()
	_ = c.SetReadDeadline(time.Now().Add(limit))
	b, err := io.ReadAll(c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		tb.Fatalf("connection still open after %v", limit)
	}
	return b
}

func preamble(version uint16) []byte {
	return []byte{'R', 'I', 'N', 'G', byte(version >> 8), byte(version), 0, 0}
}

// poll reports whether cond became true within waitLimit.
func poll(cond func() bool) bool {
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

func waitUntil(tb testing.TB, cond func() bool) {
	tb.Helper()
	if !poll(cond) {
		tb.Fatal("condition not met in time")
	}
}
