package ring_test

import (
	"testing"

	"github.com/ringchat/ring/daemon/ring/ringtest"
	"github.com/ringchat/ring/protocol"
)

// TestSubmitCannotImpersonate: a member that hand-crafts a Submit gets its
// chat message published under the name and address it joined with, and a
// system event it tries to slip in is dropped.
func TestSubmitCannotImpersonate(t *testing.T) {
	s := ringtest.New(t, 1)
	a, b := s.Add("a", ""), s.Add("b", "")
	a.M.Found()
	s.Collect(a)
	b.M.Join(protocol.NodeInfo{Addr: a.Info.Addr})
	s.Collect(b)
	s.Settle()
	before := len(a.Log.Entries)

	forged := protocol.Entry{OriginID: b.Info.ID, OriginCounter: 1, Lamport: 100,
		FromName: "a", FromAddr: a.Info.Addr, Text: "I am a"}
	system := forged
	system.Kind, system.Text = protocol.KindSystem, "c died"
	a.M.Step(protocol.Header{From: b.Info.ID, Lamport: 100, Epoch: a.M.Epoch()}, protocol.Submit{Entry: system})
	forged.Kind = protocol.KindChat
	a.M.Step(protocol.Header{From: b.Info.ID, Lamport: 101, Epoch: a.M.Epoch()}, protocol.Submit{Entry: forged})
	s.Collect(a)
	s.Settle()

	got := a.Log.Entries[before:]
	if len(got) != 1 {
		t.Fatalf("the leader sequenced %d entries, want only the chat message: %+v", len(got), got)
	}
	if e := got[0]; e.Text != "I am a" || e.FromName != "b" || e.FromAddr != b.Info.Addr {
		t.Fatalf("sequenced %+v, want it under b's own name and address", e)
	}
}
