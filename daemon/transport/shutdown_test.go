package transport

import (
	"runtime"
	"testing"
	"time"

	"github.com/ringchat/ring/protocol"
)

func TestRunReleasesEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		a := startNode(t, 1, "", Options{HandshakeTimeout: time.Minute, QueueLen: 4 * receiveBuffer})
		b := startNode(t, 2, "", Options{})
		for i := uint64(1); i <= 10; i++ {
			a.tr.Send(b.info, i, 0, protocol.Ack{Seq: i})
			b.tr.Send(a.info, i, 0, protocol.Ack{Seq: i})
		}
		expectAck(t, b, a.info.ID, 1)
		expectAck(t, a, b.info.ID, 1)
		// Leave in flight: a peer stuck in handshake, and readers blocked on
		// a full Receive channel.
		stuckAddr, stopStuck := stuckListener(t, false)
		defer stopStuck()
		a.tr.Send(protocol.NodeInfo{Addr: stuckAddr}, 1, 0, protocol.Ack{Seq: 1})
		for i := uint64(1); i <= 2*receiveBuffer; i++ {
			a.tr.Send(b.info, i, 0, protocol.Ack{Seq: i})
		}
		dialRaw(t, b.info.Addr) // an inbound connection left in handshake
		waitUntil(t, func() bool { return len(b.tr.Receive()) == receiveBuffer })

		start := time.Now()
		a.stop(t)
		b.stop(t)
		if d := time.Since(start); d > time.Second {
			t.Errorf("Run took %v to return", d)
		}
		a.tr.Send(b.info, 1, 0, protocol.Ack{Seq: 1}) // after shutdown: dropped, starts nothing
	}()

	if !poll(func() bool { return runtime.NumGoroutine() <= before }) {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
	}
}
