package ring_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/daemon/ring/ringtest"
	"github.com/ringchat/ring/protocol"
)

// threeNodeRing forms a ring a (leader), b, c and settles it.
func threeNodeRing(t *testing.T) (*ringtest.Sim, *ringtest.Node, *ringtest.Node, *ringtest.Node) {
	s := ringtest.New(t, 1)
	a, b, c := s.Add("a", ""), s.Add("b", ""), s.Add("c", "")
	formRing(t, s, a, b, c)
	return s, a, b, c
}

// formRing makes the first node found a ring and the others join it
// through it, one at a time.
func formRing(t *testing.T, s *ringtest.Sim, first *ringtest.Node, others ...*ringtest.Node) {
	first.M.Found()
	s.Collect(first)
	for _, n := range others {
		n.M.Join(protocol.NodeInfo{Addr: first.Info.Addr})
		s.Collect(n)
		s.Settle()
	}
	if len(first.M.View().Members) != len(others)+1 {
		t.Fatalf("view %+v, want %d members", first.M.View(), len(others)+1)
	}
}

func submitFrom(m *ring.Machine, from *ringtest.Node, counter uint64, text string) {
	m.Step(protocol.Header{From: from.Info.ID, Lamport: 10 * counter, Epoch: m.Epoch()},
		protocol.Submit{Entry: protocol.Entry{OriginID: from.Info.ID, OriginCounter: counter, Lamport: 10 * counter, Kind: protocol.KindChat, Text: text}})
}

// TestBroadcastsJoinUntilReady: Submits the leader takes before its output
// is collected go out as one Deliver per member, with one Lamport time, and
// every member stores them in order.
func TestBroadcastsJoinUntilReady(t *testing.T) {
	s, a, b, c := threeNodeRing(t)
	before := a.Log.LastSeq()
	for i := uint64(1); i <= 5; i++ {
		submitFrom(a.M, b, i, fmt.Sprint("m", i))
	}
	r := a.M.Ready()
	if len(r.Messages) != 2 {
		t.Fatalf("the leader produced %d messages, want one Deliver for each of b and c: %+v", len(r.Messages), r.Messages)
	}
	for _, o := range r.Messages {
		d, ok := o.Msg.(protocol.Deliver)
		if !ok || len(d.Entries) != 5 || d.Entries[0].Seq != before+1 || d.Entries[4].Seq != before+5 {
			t.Fatalf("to %s: %+v, want a Deliver of seqs %d..%d", o.To.ID, o.Msg, before+1, before+5)
		}
		if o.Lamport != r.Messages[0].Lamport || o.Lamport != a.M.Lamport() {
			t.Fatalf("Lamport times %d and %d, machine at %d: one broadcast is one event", o.Lamport, r.Messages[0].Lamport, a.M.Lamport())
		}
	}
	ring.SetOutput(a.M, r) // hand it back to the simulator's network
	s.Collect(a)
	s.Settle()
	for _, n := range []*ringtest.Node{b, c} {
		if n.Log.LastSeq() != before+5 || n.Log.Entries[len(n.Log.Entries)-1].Text != "m5" {
			t.Fatalf("%s stored up to %d, want %d", n.Name, n.Log.LastSeq(), before+5)
		}
	}
}

// TestBroadcastDoesNotJumpAhead: a message sent between two broadcasts
// keeps them apart, so each member receives everything in the order it
// was produced.
func TestBroadcastDoesNotJumpAhead(t *testing.T) {
	_, a, b, _ := threeNodeRing(t)
	submitFrom(a.M, b, 1, "first")
	a.M.Tick() // sends heartbeats after the first Deliver
	submitFrom(a.M, b, 2, "second")
	r := a.M.Ready()
	var delivers []int
	for i, o := range r.Messages {
		if d, ok := o.Msg.(protocol.Deliver); ok {
			if len(d.Entries) != 1 {
				t.Fatalf("a Deliver of %d entries across a heartbeat: %+v", len(d.Entries), r.Messages)
			}
			delivers = append(delivers, i)
		}
	}
	if len(delivers) != 4 || len(r.Messages) <= 4 {
		t.Fatalf("messages %+v, want two Delivers per member with heartbeats between", r.Messages)
	}
	if last := r.Messages[len(r.Messages)-1]; last.Msg.Type() != protocol.TypeDeliver {
		t.Fatalf("the second broadcast is not last: %+v", r.Messages)
	}
}

// TestBroadcastSplitsAtBatchLimit: joined broadcasts never exceed one
// catch-up batch in a Deliver.
func TestBroadcastSplitsAtBatchLimit(t *testing.T) {
	_, a, b, _ := threeNodeRing(t)
	total := ring.CatchUpBatch + 10
	for i := 1; i <= total; i++ {
		submitFrom(a.M, b, uint64(i), "x")
	}
	r := a.M.Ready()
	got := 0
	for _, o := range r.Messages {
		d := o.Msg.(protocol.Deliver)
		if len(d.Entries) > ring.CatchUpBatch {
			t.Fatalf("a Deliver of %d entries, limit %d", len(d.Entries), ring.CatchUpBatch)
		}
		got += len(d.Entries)
	}
	if got != 2*total {
		t.Fatalf("%d entries sent in all, want %d to each of two members", got, total)
	}
}

// TestSubmitsJoinUntilReady: messages a member says before its output is
// collected reach the leader as one Submit, which the leader sequences in
// order under the member's name.
func TestSubmitsJoinUntilReady(t *testing.T) {
	s, a, b, _ := threeNodeRing(t)
	before := a.Log.LastSeq()
	for i := range 3 {
		b.M.Submit(protocol.KindChat, "", fmt.Sprint("s", i))
	}
	r := b.M.Ready()
	if len(r.Messages) != 1 {
		t.Fatalf("b produced %d messages, want one Submit: %+v", len(r.Messages), r.Messages)
	}
	sub, ok := r.Messages[0].Msg.(protocol.Submit)
	if !ok || len(sub.More) != 2 || r.Messages[0].To.ID != a.Info.ID {
		t.Fatalf("b sends %+v, want one Submit of 3 entries to a", r.Messages[0])
	}
	ring.SetOutput(b.M, r)
	s.Collect(b)
	s.Settle()
	got := a.Log.Entries[len(a.Log.Entries)-3:]
	for i, e := range got {
		if e.Seq != before+uint64(i)+1 || e.Text != fmt.Sprint("s", i) || e.FromName != "b" {
			t.Fatalf("leader's entry %d is %+v", i, e)
		}
	}
	if b.M.Pending() != 0 {
		t.Fatalf("b still has %d messages pending", b.M.Pending())
	}
}

// TestJoinedFramesStayNearOneMessage: long messages join only while the
// joined Submit or Deliver is no larger than one message of the longest
// text, so it fits any receiver's frame limit that a single one fits.
func TestJoinedFramesStayNearOneMessage(t *testing.T) {
	_, a, b, _ := threeNodeRing(t)
	long := strings.Repeat("x", protocol.MaxTextLen/2-2*ring.EntryOverhead)
	for range 3 {
		b.M.Submit(protocol.KindChat, "", long)
	}
	r := b.M.Ready()
	if len(r.Messages) != 2 {
		t.Fatalf("b sent %d Submits for 3 half-size messages, want 2 (two joined, one alone)", len(r.Messages))
	}
	for i := uint64(1); i <= 3; i++ {
		submitFrom(a.M, b, i, long)
	}
	delivers := 0
	for _, o := range a.M.Ready().Messages {
		if d, ok := o.Msg.(protocol.Deliver); ok {
			delivers++
			if bytes := len(d.Entries) * (len(long) + ring.EntryOverhead); bytes > ring.JoinedBytes {
				t.Fatalf("a Deliver of %d long entries, about %d bytes", len(d.Entries), bytes)
			}
		}
	}
	if delivers != 4 {
		t.Fatalf("%d Delivers for 3 half-size messages to 2 members, want 4", delivers)
	}
}
