package ring_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ringchat/ring/daemon/ring/ringtest"
	"github.com/ringchat/ring/protocol"
)

func TestJoinSayKillLeader(t *testing.T) {
	s := ringtest.New(t, 1)
	a, b, c := s.Add("a", ""), s.Add("b", ""), s.Add("c", "")
	a.M.Found()
	s.Collect(a)
	b.M.Join(protocol.NodeInfo{Addr: a.Info.Addr})
	s.Collect(b)
	s.Settle()
	c.M.Join(protocol.NodeInfo{Addr: b.Info.Addr})
	s.Collect(c)
	s.Settle()
	s.CheckAgreement()
	if got := len(c.M.View().Members); got != 3 {
		t.Fatalf("view has %d members", got)
	}
	// c was placed after b, the member it contacted.
	if v := a.M.View().Members; v[1].ID != b.Info.ID || v[2].ID != c.Info.ID {
		t.Fatalf("ring order %v", v)
	}
	b.M.Submit(protocol.KindChat, "", "hello")
	s.Collect(b)
	s.Settle()
	s.CheckAgreement()
	if !slices.Contains(ringtest.Texts(c.Log), "hello") {
		t.Fatalf("c's log %v", ringtest.Texts(c.Log))
	}
	s.Kill(a)
	s.Settle()
	for range 30 {
		s.Tick()
	}
	s.CheckAgreement()
	if l := b.M.Leader(); l.ID != c.Info.ID && l.ID != b.Info.ID {
		t.Fatalf("leader %v", l)
	}
	if b.M.Epoch() != 2 {
		t.Fatalf("epoch %d, want 2", b.M.Epoch())
	}
	c.M.Submit(protocol.KindChat, "", "after")
	s.Collect(c)
	s.Settle()
	s.CheckAgreement()
	joined := strings.Join(ringtest.Texts(b.Log), "|")
	if !strings.Contains(joined, "after") || !strings.Contains(joined, "new leader") || !strings.Contains(joined, "died") {
		t.Fatalf("b's log %s", joined)
	}
}
