package ring_test

import (
	"testing"

	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/daemon/ring/ringtest"
	"github.com/ringchat/ring/protocol"
)

// A joiner whose leader no longer holds the start of the history (retention
// removed it) receives it from the leader's floor on, with the origin
// counters of what it will never see: it can lead later without taking an
// origin's next message for a gap.
func TestJoinAfterRetention(t *testing.T) {
	s := ringtest.New(t, 7)
	a, b, c := s.Add("a", ""), s.Add("b", ""), s.Add("c", "")
	a.M.Found()
	s.Collect(a)
	s.Settle()
	b.M.Join(protocol.NodeInfo{Addr: a.Info.Addr})
	s.Collect(b)
	s.Settle()
	for range 5 {
		b.M.Submit(protocol.KindChat, "", "old")
		s.Collect(b)
		s.Settle()
	}
	// Retention on the leader: everything up to the last "old" goes.
	floor := a.Log.LastSeq()
	a.Log.Entries, a.Log.FloorSeq, a.Log.FloorEpoch = nil, floor, a.Log.LastEpoch()

	c.M.Join(protocol.NodeInfo{Addr: a.Info.Addr})
	s.Collect(c)
	s.Settle()
	if c.M.State() != ring.Member {
		t.Fatalf("c is %s", c.M.State())
	}
	if got, want := c.Log.FloorSeq, floor; got != want {
		t.Fatalf("c's history starts after seq %d, want %d", got, want)
	}
	if len(c.Log.Entries) == 0 || c.Log.Entries[0].Seq != floor+1 || c.Log.LastSeq() != a.Log.LastSeq() {
		t.Fatalf("c holds %+v, leader's last seq %d", c.Log.Entries, a.Log.LastSeq())
	}
	if got := c.Log.Origins()[b.Info.ID]; got != 5 {
		t.Fatalf("c knows %d of b's messages, want 5", got)
	}
	// c leads after a and b's messages go on without a gap.
	s.Kill(a)
	for range 30 {
		s.Tick()
	}
	b.M.Submit(protocol.KindChat, "", "after the floor")
	s.Collect(b)
	s.Settle()
	for _, n := range []*ringtest.Node{b, c} {
		if countText(n.Log, "after the floor") != 1 {
			t.Fatalf("%s's log %q", n.Name, ringtest.Texts(n.Log))
		}
	}
}
