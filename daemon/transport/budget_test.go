package transport

import (
	"encoding/binary"
	"net"
	"testing"
	"time"
)

// stalledFrame dials addr, handshakes and announces a frame of size bytes
// of which it sends all but the last one.
func stalledFrame(t *testing.T, addr string, size int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	msg := preamble(1)
	msg = binary.BigEndian.AppendUint32(msg, uint32(size))
	msg = append(msg, make([]byte, size-1)...)
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFrameBudgetRefusesLargeFramesBeyondIt(t *testing.T) {
	const size = 100 << 10
	srv := startNode(t, 1, "", Options{FrameBudget: 2*size + size/2})
	a := stalledFrame(t, srv.info.Addr, size)
	stalledFrame(t, srv.info.Addr, size)
	waitUntil(t, func() bool { return srv.tr.budget.used.Load() == 2*size })
	c := stalledFrame(t, srv.info.Addr, size)
	expectClosed(t, c, 5*time.Second) // over the budget
	a.Close()
	waitUntil(t, func() bool { return srv.tr.budget.used.Load() == size })
	stalledFrame(t, srv.info.Addr, size) // the budget a held is back
	waitUntil(t, func() bool { return srv.tr.budget.used.Load() == 2*size })

	// Small frames need no budget: a peer still gets through.
	peer := startNode(t, 2, "", Options{})
	peer.tr.Send(srv.info, 1, 0, bigSubmit(1<<10))
	recvOne(t, srv)
}

func TestInboundConnectionsCapped(t *testing.T) {
	srv := startNode(t, 1, "", Options{MaxInbound: 2})
	for range 2 {
		c, err := net.Dial("tcp", srv.info.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	waitUntil(t, func() bool { return srv.tr.inbound.Load() == 2 })
	c, err := net.Dial("tcp", srv.info.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := expectClosed(t, c, 5*time.Second); len(got) != 0 {
		t.Fatalf("a connection over the cap got %d bytes before it was closed", len(got))
	}
}
