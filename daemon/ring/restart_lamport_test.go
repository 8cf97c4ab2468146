package ring_test

import (
	"fmt"
	"testing"

	"github.com/ringchat/ring/daemon/ring/ringtest"
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
	restartKeepsClock(t, s, b, b.Log.LastSeq(), high, "b after")
}

// restartKeepsClock kills and restarts n, which stored entries up to
// seq, the highest stamped high; its clock must come back at high or
// above, and what it writes or says from then on (text, and a leader's
// own entries) must be stamped above high.
func restartKeepsClock(t *testing.T, s *ringtest.Sim, n *ringtest.Node, seq, high uint64, text string) {
	t.Helper()
	s.Kill(n)
	s.Restart(n)
	if got := n.M.Lamport(); got < high {
		t.Fatalf("after the restart %s's clock is at %d, below the %d of an entry it stores", n.Name, got, high)
	}
	n.M.Submit(protocol.KindChat, "", text)
	s.Collect(n)
	for range 30 { // it finds its ring again, and its message goes out
		s.Tick()
	}
	said := false
	for _, e := range n.Log.After(seq, 0) {
		if e.OriginID != n.Info.ID {
			continue
		}
		said = said || e.Text == text
		if e.Lamport <= high {
			t.Fatalf("%s's entry %d (%q) after the restart is stamped %d, not above the %d it had stored", n.Name, e.Seq, e.Text, e.Lamport, high)
		}
	}
	if !said {
		t.Fatalf("%s's message %q after the restart was not stored", n.Name, text)
	}
}
