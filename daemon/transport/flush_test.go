package transport

import (
	"testing"
	"time"

	"github.com/ringchat/ring/protocol"
)

func TestFlushWaitsForQueuedFrames(t *testing.T) {
	a := startNode(t, 1, "", Options{})
	b := startNode(t, 2, "", Options{})
	for i := range 500 {
		a.tr.Send(b.info, uint64(i+1), 1, protocol.Heartbeat{})
	}
	if !a.tr.Flush(10 * time.Second) {
		t.Fatal("Flush timed out with a live peer")
	}
	got := 0
	timeout := time.After(10 * time.Second)
	for got < 500 {
		select {
		case <-b.tr.Receive():
			got++
		case <-timeout:
			t.Fatalf("received %d of 500 after Flush", got)
		}
	}
}
