package ring_test

import (
	"fmt"
	"testing"

	"github.com/ringchat/ring/protocol"
)

// TestFollowerRestartKeepsTheLamportClock: in a ring of four, a follower
// that stored messages stamped by the others crashes and runs again. What
// it says first, before it hears anyone, is stamped above every entry it
// stores, though the log's stamps do not rise with its sequence numbers:
// two members that said at once are sequenced in the order their Submits
// reached the leader, not in the order of their clocks.
func TestFollowerRestartKeepsTheLamportClock(t *testing.T) {
	s, a, b, c := threeNodeRing(t)
	d := s.Add("d", "")
	d.M.Join(protocol.NodeInfo{Addr: a.Info.Addr})
	s.Collect(d)
	s.Settle()
	for i := range 4 {
		// c says a burst; d, which has not heard it yet, says one: the
		// leader sequences d's after c's, stamped lower.
		for j := range 5 {
			c.M.Submit(protocol.KindChat, "", fmt.Sprintf("c %d.%d", i, j))
		}
		s.Collect(c)
		d.M.Submit(protocol.KindChat, "", fmt.Sprintf("d %d", i))
		s.Collect(d)
		s.Settle()
	}
	stored := b.Log.After(0, 0)
	var high uint64
	for _, e := range stored {
		high = max(high, e.Lamport)
	}
	if len(stored) < 25 || high == 0 {
		t.Fatalf("b stores %d entries (highest stamp %d), want the 25 messages", len(stored), high)
	}
	if last := stored[len(stored)-1]; last.Lamport >= high {
		t.Fatalf("the last entry holds the highest stamp (%d): the test proves nothing", high)
	}
	s.Kill(b)
	s.Restart(b)
	if got := b.M.Lamport(); got < high {
		t.Fatalf("after the restart b's clock is at %d, below the %d of an entry it stores", got, high)
	}
	b.M.Submit(protocol.KindChat, "", "b after")
	s.Collect(b)
	for range 30 { // b finds its ring again, and its message goes out
		s.Tick()
	}
	found := false
	for _, e := range b.Log.After(0, 0) {
		if e.OriginID == b.Info.ID && e.Text == "b after" {
			found = true
			if e.Lamport <= high {
				t.Fatalf("b's first message after the restart is stamped %d, not above the %d it had stored", e.Lamport, high)
			}
		}
	}
	if !found {
		t.Fatal("b's message after the restart was not stored")
	}
}
