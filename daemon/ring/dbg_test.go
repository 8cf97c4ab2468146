package ring

import (
	"testing"

	"github.com/ringchat/ring/protocol"
)

func TestDbg(t *testing.T) {
	s := newSim(t, 1)
	a, b := s.add("a", "0000000000000002"), s.add("b", "0000000000000003")
	a.m.Found()
	s.collect(a)
	s.settle()
	b.m.Join(protocol.NodeInfo{Addr: a.info.Addr})
	s.collect(b)
	s.settle()
	s.hang(a)
	b.m.Submit("chat", "", "m1")
	b.m.Leave()
	s.collect(b)
	t.Log(b.m.state, b.m.leaveWaiting, b.m.leader.Name)
	for range 8 {
		s.tick()
		t.Log(b.m.state, b.m.leaveWaiting, b.m.leader.Name, b.m.gone, b.m.elEpoch)
	}
	for _, e := range b.events {
		t.Logf("%T %+v", e, e)
	}
}
