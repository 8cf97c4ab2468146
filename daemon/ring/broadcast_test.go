package ring

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ringchat/ring/protocol"
)

// threeNodeRing forms a ring a (leader), b, c and settles it.
func threeNodeRing(t *testing.T) (*sim, *simNode, *simNode, *simNode) {
	s := newSim(t, 1)
	a, b, c := s.add("a", ""), s.add("b", ""), s.add("c", "")
	formRing(t, s, a, b, c)
	return s, a, b, c
}

// formRing makes the first node found a ring and the others join it
// through it, one at a time.
func formRing(t *testing.T, s *sim, first *simNode, others ...*simNode) {
	first.m.Found()
	s.collect(first)
	for _, n := range others {
		n.m.Join(protocol.NodeInfo{Addr: first.info.Addr})
		s.collect(n)
		s.settle()
	}
	if len(first.m.View().Members) != len(others)+1 {
		t.Fatalf("view %+v, want %d members", first.m.View(), len(others)+1)
	}
}

func submitFrom(m *Machine, from *simNode, counter uint64, text string) {
	m.Step(protocol.Header{From: from.info.ID, Lamport: 10 * counter, Epoch: m.Epoch()},
		protocol.Submit{Entry: protocol.Entry{OriginID: from.info.ID, OriginCounter: counter, Lamport: 10 * counter, Kind: protocol.KindChat, Text: text}})
}

// TestBroadcastsJoinUntilReady: Submits the leader takes before its output
// is collected go out as one Deliver per member, with one Lamport time, and
// every member stores them in order.
func TestBroadcastsJoinUntilReady(t *testing.T) {
	s, a, b, c := threeNodeRing(t)
	before := a.log.LastSeq()
	for i := uint64(1); i <= 5; i++ {
		submitFrom(a.m, b, i, fmt.Sprint("m", i))
	}
	r := a.m.Ready()
	if len(r.Messages) != 2 {
		t.Fatalf("the leader produced %d messages, want one Deliver for each of b and c: %+v", len(r.Messages), r.Messages)
	}
	for _, o := range r.Messages {
		d, ok := o.Msg.(protocol.Deliver)
		if !ok || len(d.Entries) != 5 || d.Entries[0].Seq != before+1 || d.Entries[4].Seq != before+5 {
			t.Fatalf("to %s: %+v, want a Deliver of seqs %d..%d", o.To.ID, o.Msg, before+1, before+5)
		}
		if o.Lamport != r.Messages[0].Lamport || o.Lamport != a.m.Lamport() {
			t.Fatalf("Lamport times %d and %d, machine at %d: one broadcast is one event", o.Lamport, r.Messages[0].Lamport, a.m.Lamport())
		}
	}
	a.m.out = r // hand it back to the simulator's network
	s.collect(a)
	s.settle()
	for _, n := range []*simNode{b, c} {
		if n.log.LastSeq() != before+5 || n.log.Entries[len(n.log.Entries)-1].Text != "m5" {
			t.Fatalf("%s stored up to %d, want %d", n.name, n.log.LastSeq(), before+5)
		}
	}
}

// TestBroadcastDoesNotJumpAhead: a message sent between two broadcasts
// keeps them apart, so each member receives everything in the order it
// was produced.
func TestBroadcastDoesNotJumpAhead(t *testing.T) {
	_, a, b, _ := threeNodeRing(t)
	submitFrom(a.m, b, 1, "first")
	a.m.Tick() // sends heartbeats after the first Deliver
	submitFrom(a.m, b, 2, "second")
	r := a.m.Ready()
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
	total := catchUpBatch + 10
	for i := 1; i <= total; i++ {
		submitFrom(a.m, b, uint64(i), "x")
	}
	r := a.m.Ready()
	got := 0
	for _, o := range r.Messages {
		d := o.Msg.(protocol.Deliver)
		if len(d.Entries) > catchUpBatch {
			t.Fatalf("a Deliver of %d entries, limit %d", len(d.Entries), catchUpBatch)
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
	before := a.log.LastSeq()
	for i := range 3 {
		b.m.Submit(protocol.KindChat, "", fmt.Sprint("s", i))
	}
	r := b.m.Ready()
	if len(r.Messages) != 1 {
		t.Fatalf("b produced %d messages, want one Submit: %+v", len(r.Messages), r.Messages)
	}
	sub, ok := r.Messages[0].Msg.(protocol.Submit)
	if !ok || len(sub.More) != 2 || r.Messages[0].To.ID != a.info.ID {
		t.Fatalf("b sends %+v, want one Submit of 3 entries to a", r.Messages[0])
	}
	b.m.out = r
	s.collect(b)
	s.settle()
	got := a.log.Entries[len(a.log.Entries)-3:]
	for i, e := range got {
		if e.Seq != before+uint64(i)+1 || e.Text != fmt.Sprint("s", i) || e.FromName != "b" {
			t.Fatalf("leader's entry %d is %+v", i, e)
		}
	}
	if b.m.Pending() != 0 {
		t.Fatalf("b still has %d messages pending", b.m.Pending())
	}
}

// TestJoinedFramesStayNearOneMessage: long messages join only while the
// joined Submit or Deliver is no larger than one message of the longest
// text, so it fits any receiver's frame limit that a single one fits.
func TestJoinedFramesStayNearOneMessage(t *testing.T) {
	_, a, b, _ := threeNodeRing(t)
	long := strings.Repeat("x", protocol.MaxTextLen/2-2*entryOverhead)
	for range 3 {
		b.m.Submit(protocol.KindChat, "", long)
	}
	r := b.m.Ready()
	if len(r.Messages) != 2 {
		t.Fatalf("b sent %d Submits for 3 half-size messages, want 2 (two joined, one alone)", len(r.Messages))
	}
	for i := uint64(1); i <= 3; i++ {
		submitFrom(a.m, b, i, long)
	}
	delivers := 0
	for _, o := range a.m.Ready().Messages {
		if d, ok := o.Msg.(protocol.Deliver); ok {
			delivers++
			if bytes := len(d.Entries) * (len(long) + entryOverhead); bytes > joinedBytes {
				t.Fatalf("a Deliver of %d long entries, about %d bytes", len(d.Entries), bytes)
			}
		}
	}
	if delivers != 4 {
		t.Fatalf("%d Delivers for 3 half-size messages to 2 members, want 4", delivers)
	}
}
