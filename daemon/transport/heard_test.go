package transport

import (
	"slices"
	"testing"
	"time"

	"github.com/ringchat/ring/protocol"
)

// TestHeardSinceCountsFramesNotYetReceived: a peer's frame counts as heard
// once it is read off its connection, even while the receive queue is full
// and the frame cannot be handed out, and only frames read after the given
// time count.
func TestHeardSinceCountsFramesNotYetReceived(t *testing.T) {
	a, b, c := startNode(t, 1, "", Options{}), startNode(t, 2, "", Options{}), startNode(t, 3, "", Options{})
	// c fills a's receive queue, and one more frame of c's waits in its reader.
	for i := range receiveBuffer + 1 {
		c.tr.Send(a.info, uint64(i+1), 1, protocol.Heartbeat{LastSeq: uint64(i)})
	}
	waitUntil(t, func() bool { return len(a.tr.Receive()) == receiveBuffer })
	start := time.Now()
	if ids := a.tr.HeardSince(start); len(ids) != 0 {
		t.Fatalf("heard %v since %v, before b sent anything", ids, start)
	}
	// b's one frame cannot enter the queue; it is heard all the same.
	b.tr.Send(a.info, 1, 1, protocol.Heartbeat{})
	waitUntil(t, func() bool { return slices.Contains(a.tr.HeardSince(start), b.info.ID) })
	if ids := a.tr.HeardSince(time.Now().Add(time.Second)); len(ids) != 0 {
		t.Fatalf("HeardSince(later) = %v, want none", ids)
	}
	if len(a.tr.Receive()) != receiveBuffer {
		t.Fatalf("the receive queue holds %d, want it full (%d)", len(a.tr.Receive()), receiveBuffer)
	}
	// Once the connection is gone, so is its entry.
	b.stop(t)
	c.stop(t)
	waitUntil(t, func() bool {
		for len(a.tr.Receive()) > 0 {
			<-a.tr.Receive()
		}
		a.tr.heard.mu.Lock()
		defer a.tr.heard.mu.Unlock()
		return len(a.tr.heard.conns) == 0
	})
}
