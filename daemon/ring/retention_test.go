package ring

import (
	"testing"

	"github.com/ringchat/ring/protocol"
)

// A joiner whose leader no longer holds the start of the history (retention
// removed it) receives it from the leader's floor on, with the origin
// counters of what it will never see: it can lead later without taking an
// origin's next message for a gap.
func TestJoinAfterRetention(t *testing.T) {
	s := newSim(t, 7)
	a, b, c := s.add("a", ""), s.add("b", ""), s.add("c", "")
	a.m.Found()
	s.collect(a)
	s.settle()
	b.m.Join(protocol.NodeInfo{Addr: a.info.Addr})
	s.collect(b)
	s.settle()
	for range 5 {
		b.m.Submit(protocol.KindChat, "", "old")
		s.collect(b)
		s.settle()
	}
	// Retention on the leader: everything up to the last "old" goes.
	floor := a.log.LastSeq()
	a.log.Entries, a.log.FloorSeq, a.log.FloorEpoch = nil, floor, a.log.LastEpoch()

	c.m.Join(protocol.NodeInfo{Addr: a.info.Addr})
	s.collect(c)
	s.settle()
	if c.m.State() != Member {
		t.Fatalf("c is %s", c.m.State())
	}
	if got, want := c.log.FloorSeq, floor; got != want {
		t.Fatalf("c's history starts after seq %d, want %d", got, want)
	}
	if len(c.log.Entries) == 0 || c.log.Entries[0].Seq != floor+1 || c.log.LastSeq() != a.log.LastSeq() {
		t.Fatalf("c holds %+v, leader's last seq %d", c.log.Entries, a.log.LastSeq())
	}
	if got := c.log.Origins()[b.info.ID]; got != 5 {
		t.Fatalf("c knows %d of b's messages, want 5", got)
	}
	// c leads after a and b's messages go on without a gap.
	s.kill(a)
	for range 30 {
		s.tick()
	}
	b.m.Submit(protocol.KindChat, "", "after the floor")
	s.collect(b)
	s.settle()
	for _, n := range []*simNode{b, c} {
		if countText(n.log, "after the floor") != 1 {
			t.Fatalf("%s's log %q", n.name, texts(n.log))
		}
	}
}
