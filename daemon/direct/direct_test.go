package direct

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/protocol"
)

var (
	t0  = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	bob = protocol.NodeInfo{ID: "bbbbbbbbbbbbbbbb", Name: "bob", Addr: "127.0.0.1:7002"}
	eve = protocol.NodeInfo{ID: "eeeeeeeeeeeeeeee", Name: "eve", Addr: "127.0.0.1:7005"}
)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// sent adds a message to bob at now and returns its counter.
func sent(o *Outbox, to protocol.NodeInfo, now time.Time) uint64 {
	c := o.NextCounter(now)
	o.Add(Message{Entry: protocol.Entry{OriginID: "aaaaaaaaaaaaaaaa", OriginCounter: c, Kind: protocol.KindDirect, To: to.Name}, To: to}, now)
	return c
}

func TestCountersAreUniqueAndFollowTheClock(t *testing.T) {
	o := NewOutbox(2*time.Second, time.Second)
	a, b := o.NextCounter(t0), o.NextCounter(t0) // the same instant
	if a != uint64(t0.UnixNano()) || b != a+1 {
		t.Fatalf("counters %d, %d at one instant; want %d and one more", a, b, t0.UnixNano())
	}
	if c := o.NextCounter(t0.Add(-time.Hour)); c != b+1 { // the clock went back
		t.Fatalf("counter %d after the clock went back, want %d", c, b+1)
	}
}

func TestAckCompletesOnlyFromTheRecipient(t *testing.T) {
	o := NewOutbox(2*time.Second, time.Second)
	c := sent(o, bob, t0)
	if _, ok := o.Acked(eve.ID, protocol.DirectAck{Counter: c}); ok {
		t.Fatal("an ack from another node completed the message")
	}
	out, ok := o.Acked(bob.ID, protocol.DirectAck{Counter: c})
	if !ok || out.Err != nil || out.Entry.OriginCounter != c || o.Len() != 0 {
		t.Fatalf("ack: %+v %v, %d waiting", out, ok, o.Len())
	}
	if _, ok := o.Acked(bob.ID, protocol.DirectAck{Counter: c}); ok {
		t.Fatal("a second ack completed it again")
	}
}

func TestRefusalFailsWithTheRecipientsReason(t *testing.T) {
	o := NewOutbox(2*time.Second, time.Second)
	c := sent(o, bob, t0)
	out, ok := o.Acked(bob.ID, protocol.DirectAck{Counter: c, Error: "text too long"})
	if !ok || out.Err == nil || !strings.Contains(out.Err.Error(), "bob refused the direct message: text too long") {
		t.Fatalf("refusal: %+v %v", out, ok)
	}
}

// Without an ack a message is sent again every resend interval, and given
// up after the ack wait, with an error that says it may have arrived.
func TestResendThenExpire(t *testing.T) {
	o := NewOutbox(2*time.Second, time.Second)
	sent(o, bob, t0)
	if resend, expired := o.Tick(at(999)); len(resend)+len(expired) != 0 {
		t.Fatalf("before the interval: resend %d, expired %d", len(resend), len(expired))
	}
	if resend, _ := o.Tick(at(1000)); len(resend) != 1 || resend[0].To.ID != bob.ID {
		t.Fatalf("at the interval: resend %+v", resend)
	}
	if resend, _ := o.Tick(at(1500)); len(resend) != 0 {
		t.Fatalf("sent again %d times within one interval", len(resend))
	}
	if resend, _ := o.Tick(at(2000)); len(resend) != 1 {
		t.Fatalf("at the second interval: resend %+v", resend)
	}
	_, expired := o.Tick(at(2001))
	if len(expired) != 1 || !strings.Contains(expired[0].Err.Error(), "no answer from bob within 2s; it may still have got the message") {
		t.Fatalf("after the ack wait: expired %+v", expired)
	}
	if o.Len() != 0 {
		t.Fatalf("%d still waiting", o.Len())
	}
}

// A failed connection to a member sends again at the next tick; to a node
// no longer in the view it fails at once. Messages to others stay.
func TestPeerDown(t *testing.T) {
	o := NewOutbox(2*time.Second, time.Second)
	sent(o, bob, t0)
	sent(o, eve, t0)
	member := func(id string) bool { return id == bob.ID }
	if failed := o.PeerDown(bob, member, at(100)); len(failed) != 0 {
		t.Fatalf("a member's messages failed: %+v", failed)
	}
	if resend, _ := o.Tick(at(100)); len(resend) != 1 || resend[0].To.ID != bob.ID {
		t.Fatalf("after bob's connection failed: resend %+v", resend)
	}
	failed := o.PeerDown(eve, member, at(200))
	if len(failed) != 1 || !strings.Contains(failed[0].Err.Error(), "eve went offline") || o.Len() != 1 {
		t.Fatalf("eve gone: failed %+v, %d waiting", failed, o.Len())
	}
}

func TestFailAll(t *testing.T) {
	o := NewOutbox(2*time.Second, time.Second)
	sent(o, bob, t0)
	sent(o, eve, t0)
	stop := errors.New("stopping")
	failed := o.FailAll(stop)
	if len(failed) != 2 || !errors.Is(failed[0].Err, stop) || !errors.Is(failed[1].Err, stop) || o.Len() != 0 {
		t.Fatalf("FailAll: %+v, %d waiting", failed, o.Len())
	}
}
