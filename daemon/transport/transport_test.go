package transport

import (
	"context"
	"net"
	"sync"
	"testing"

	"github.com/ringchat/ring/protocol"
)

func TestExchangeInOrder(t *testing.T) {
	const n = 10000
	opts := Options{QueueLen: 2 * n} // Send never blocks: the whole burst may queue
	a := startNode(t, 1, "", opts)
	b := startNode(t, 2, "", opts)

	var wg sync.WaitGroup
	for _, pair := range [][2]*node{{a, b}, {b, a}} {
		from, to := pair[0], pair[1]
		wg.Go(func() {
			for i := uint64(1); i <= n; i++ {
				from.tr.Send(to.info, i, 7, protocol.Ack{Seq: i})
			}
		})
	}
	for i := uint64(1); i <= n; i++ {
		expectAck(t, b, a.info.ID, i)
		expectAck(t, a, b.info.ID, i)
	}
	wg.Wait()
	select {
	case info := <-a.tr.Down():
		t.Fatalf("unexpected Down for %v", info)
	case info := <-b.tr.Down():
		t.Fatalf("unexpected Down for %v", info)
	default:
	}
}

func TestInboundCarriesHeader(t *testing.T) {
	a := startNode(t, 1, "", Options{})
	b := startNode(t, 2, "", Options{})
	a.tr.Send(protocol.NodeInfo{Addr: b.info.Addr}, 42, 3, protocol.Heartbeat{LastSeq: 9})
	in := recvOne(t, b)
	want := protocol.Header{Lamport: 42, From: a.info.ID, Epoch: 3}
	if in.Header != want || in.Msg != (protocol.Heartbeat{LastSeq: 9}) || in.Remote == "" {
		t.Fatalf("got %+v, want header %+v and Heartbeat{9}", in, want)
	}
}

func TestForgetReportsNothing(t *testing.T) {
	a := startNode(t, 1, "", Options{})
	b := startNode(t, 2, "", Options{})
	a.tr.Send(b.info, 1, 0, protocol.Ack{Seq: 1})
	expectAck(t, b, a.info.ID, 1)

	a.tr.Forget(b.info)
	a.tr.Send(b.info, 2, 0, protocol.Ack{Seq: 2}) // on a fresh connection
	expectAck(t, b, a.info.ID, 2)
	if len(a.tr.Down()) != 0 {
		t.Fatalf("Forget produced a Down report: %v", <-a.tr.Down())
	}
}

func TestNewAddressReplacesConnection(t *testing.T) {
	a := startNode(t, 1, "", Options{})
	b1 := startNode(t, 2, "", Options{})
	b2 := startNode(t, 3, "", Options{})
	peer := protocol.NodeInfo{ID: testID(2), Addr: b1.info.Addr}
	a.tr.Send(peer, 1, 0, protocol.Ack{Seq: 1})
	expectAck(t, b1, a.info.ID, 1)

	peer.Addr = b2.info.Addr
	a.tr.Send(peer, 2, 0, protocol.Ack{Seq: 2})
	expectAck(t, b2, a.info.ID, 2)
	if len(a.tr.Down()) != 0 {
		t.Fatalf("address change produced a Down report: %v", <-a.tr.Down())
	}
}

func TestUnencodableMessageDropped(t *testing.T) {
	a := startNode(t, 1, "", Options{MaxFrame: 1024})
	b := startNode(t, 2, "", Options{})
	a.tr.Send(b.info, 1, 0, protocol.Leave{})     // fails Validate
	a.tr.Send(b.info, 2, 0, bigSubmit(2048))      // over MaxFrame
	a.tr.Send(b.info, 3, 0, protocol.Ack{Seq: 3}) // fine
	expectAck(t, b, a.info.ID, 3)
}

func TestRunTwice(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr := New(ln, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := tr.Run(ctx); err != nil {
		t.Fatalf("Run = %v, want nil after cancel", err)
	}
	if err := tr.Run(t.Context()); err != errAlreadyRun {
		t.Fatalf("second Run = %v, want %v", err, errAlreadyRun)
	}
}
