package transport

import (
	"testing"
	"time"

	"github.com/ringchat/ring/protocol"
)

func TestSendToClosedPortReportsDown(t *testing.T) {
	a := startNode(t, 1, "", Options{})
	to := protocol.NodeInfo{Addr: closedAddr(t)}
	a.tr.Send(to, 1, 0, protocol.Ack{Seq: 1})
	if got := downOne(t, a); got != to {
		t.Fatalf("Down = %+v, want %+v", got, to)
	}
}

func TestKilledPeerReportsDown(t *testing.T) {
	a := startNode(t, 1, "", Options{})
	b := startNode(t, 2, "", Options{})
	a.tr.Send(b.info, 1, 0, protocol.Ack{Seq: 1})
	expectAck(t, b, a.info.ID, 1)

	b.stop(t)
	if got := downOne(t, a); got != b.info {
		t.Fatalf("Down = %+v, want %+v", got, b.info)
	}
}

func TestRestartedPeerReachedAgain(t *testing.T) {
	a := startNode(t, 1, "", Options{})
	b := startNode(t, 2, "", Options{})
	a.tr.Send(b.info, 1, 0, protocol.Ack{Seq: 1})
	expectAck(t, b, a.info.ID, 1)

	b.stop(t)
	downOne(t, a)
	b2 := startNode(t, 2, b.info.Addr, Options{})
	a.tr.Send(b.info, 2, 0, protocol.Ack{Seq: 2})
	expectAck(t, b2, a.info.ID, 2)
}

// A peer that accepts but never reads fills the kernel buffers, then its
// queue; it must be dropped while another peer keeps receiving.
func TestStuckPeerOverflowsWithoutBlockingOthers(t *testing.T) {
	a := startNode(t, 1, "", Options{QueueLen: 4, WriteTimeout: time.Minute})
	good := startNode(t, 2, "", Options{})
	addr, _ := stuckListener(t, true)
	stuck := protocol.NodeInfo{ID: testID(3), Addr: addr}
	big := bigSubmit(60 << 10)

	deadline := time.After(waitLimit)
	for i := uint64(1); ; i++ {
		a.tr.Send(stuck, i, 0, big)
		a.tr.Send(good.info, i, 0, protocol.Ack{Seq: i})
		expectAck(t, good, a.info.ID, i)
		select {
		case got := <-a.tr.Down():
			if got.Peer != stuck {
				t.Fatalf("Down = %+v, want %+v", got, stuck)
			}
			t.Logf("stuck peer dropped after %d messages of %d KiB", i, len(big.Entry.Text)>>10)
			return
		case <-deadline:
			t.Fatalf("no Down for the stuck peer after %d messages", i)
		default:
		}
	}
}

func TestStuckPeerWriteTimeout(t *testing.T) {
	a := startNode(t, 1, "", Options{QueueLen: 1 << 20, WriteTimeout: 200 * time.Millisecond})
	addr, _ := stuckListener(t, true)
	stuck := protocol.NodeInfo{Addr: addr}
	big := bigSubmit(60 << 10)
	// Enough to fill any loopback socket buffers, far below the queue limit.
	for i := uint64(1); i <= 1024; i++ {
		a.tr.Send(stuck, i, 0, big)
	}
	if got := downOne(t, a); got != stuck {
		t.Fatalf("Down = %+v, want %+v", got, stuck)
	}
}

// A peer that accepts but never answers the handshake is reported too.
func TestSilentPeerHandshakeTimeout(t *testing.T) {
	a := startNode(t, 1, "", Options{HandshakeTimeout: 100 * time.Millisecond})
	addr, _ := stuckListener(t, false)
	to := protocol.NodeInfo{Addr: addr}
	a.tr.Send(to, 1, 0, protocol.Ack{Seq: 1})
	if got := downOne(t, a); got != to {
		t.Fatalf("Down = %+v, want %+v", got, to)
	}
}
