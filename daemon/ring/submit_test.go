package ring

import (
	"testing"

	"github.com/ringchat/ring/protocol"
)

// TestSubmitCannotImpersonate: a member that hand-crafts a Submit gets its
// chat message published under the name and address it joined with, and a
// system event it tries to slip in is dropped.
func TestSubmitCannotImpersonate(t *testing.T) {
	s := newSim(t, 1)
	a, b := s.add("a", ""), s.add("b", "")
	a.m.Found()
	s.collect(a)
	b.m.Join(protocol.NodeInfo{Addr: a.info.Addr})
	s.collect(b)
	s.settle()
	before := len(a.log.Entries)

	forged := protocol.Entry{OriginID: b.info.ID, OriginCounter: 1, Lamport: 100,
		FromName: "a", FromAddr: a.info.Addr, Text: "I am a"}
	system := forged
	system.Kind, system.Text = protocol.KindSystem, "c died"
	a.m.Step(protocol.Header{From: b.info.ID, Lamport: 100, Epoch: a.m.Epoch()}, protocol.Submit{Entry: system})
	forged.Kind = protocol.KindChat
	a.m.Step(protocol.Header{From: b.info.ID, Lamport: 101, Epoch: a.m.Epoch()}, protocol.Submit{Entry: forged})
	s.collect(a)
	s.settle()

	got := a.log.Entries[before:]
	if len(got) != 1 {
		t.Fatalf("the leader sequenced %d entries, want only the chat message: %+v", len(got), got)
	}
	if e := got[0]; e.Text != "I am a" || e.FromName != "b" || e.FromAddr != b.info.Addr {
		t.Fatalf("sequenced %+v, want it under b's own name and address", e)
	}
}
