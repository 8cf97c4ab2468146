package ring

import (
	"slices"
	"strings"
	"testing"

	"github.com/ringchat/ring/protocol"
)

func TestJoinSayKillLeader(t *testing.T) {
	s := newSim(t, 1)
	a, b, c := s.add("a", ""), s.add("b", ""), s.add("c", "")
	a.m.Found()
	s.collect(a)
	b.m.Join(protocol.NodeInfo{Addr: a.info.Addr})
	s.collect(b)
	s.settle()
	c.m.Join(protocol.NodeInfo{Addr: b.info.Addr})
	s.collect(c)
	s.settle()
	s.checkAgreement()
	if got := len(c.m.View().Members); got != 3 {
		t.Fatalf("view has %d members", got)
	}
	// c was placed after b, the member it contacted.
	if v := a.m.View().Members; v[1].ID != b.info.ID || v[2].ID != c.info.ID {
		t.Fatalf("ring order %v", v)
	}
	b.m.Submit(protocol.KindChat, "", "hello")
	s.collect(b)
	s.settle()
	s.checkAgreement()
	if !slices.Contains(texts(c.log), "hello") {
		t.Fatalf("c's log %v", texts(c.log))
	}
	s.kill(a)
	s.settle()
	for range 30 {
		s.tick()
	}
	s.checkAgreement()
	if l := b.m.Leader(); l.ID != c.info.ID && l.ID != b.info.ID {
		t.Fatalf("leader %v", l)
	}
	if b.m.Epoch() != 2 {
		t.Fatalf("epoch %d, want 2", b.m.Epoch())
	}
	c.m.Submit(protocol.KindChat, "", "after")
	s.collect(c)
	s.settle()
	s.checkAgreement()
	joined := strings.Join(texts(b.log), "|")
	if !strings.Contains(joined, "after") || !strings.Contains(joined, "new leader") || !strings.Contains(joined, "died") {
		t.Fatalf("b's log %s", joined)
	}
}
