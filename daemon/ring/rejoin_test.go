package ring

import (
	"fmt"
	"testing"

	"github.com/ringchat/ring/protocol"
)

// resetCounter is a MemLog that counts how often it was emptied.
type resetCounter struct {
	*MemLog
	resets int
}

func (l *resetCounter) Reset() error {
	l.resets++
	return l.MemLog.Reset()
}

// TestRejoinAfterFailedAttemptKeepsHistory: a member that took itself for
// dropped from its ring asks the leader to take it back. When the leader
// cannot be reached, it waits in no-quorum, hears of the leader again from
// the others and asks again: all along it is in the same ring, so it keeps
// its history and catches up on what it missed, not on the whole history
// (which a follower of the node would see again).
func TestRejoinAfterFailedAttemptKeepsHistory(t *testing.T) {
	s := newSim(t, 1)
	a, b, c := s.add("a", ""), s.add("b", ""), s.add("c", "")
	rl := &resetCounter{MemLog: c.log}
	c.m = New(Config{Self: c.info, Log: rl, FailureTicks: 5})
	formRing(t, s, a, b, c)
	b.m.Submit(protocol.KindChat, "", "before")
	s.collect(b)
	s.settle()
	held := c.log.LastSeq()
	if held == 0 {
		t.Fatal("c holds no entries")
	}

	c.m.seekLeader(a.info)
	c.m.Ready()                                // its JoinRequest to a is lost...
	c.m.PeerDown(a.info, "connection refused") // ...a cannot be reached
	s.collect(c)
	if c.m.State() != NoQuorum {
		t.Fatalf("c is %s, want no-quorum after its leader could not be reached", c.m.State())
	}
	for i := 0; i < 30 && c.m.State() != Member; i++ {
		s.tick()
	}
	if c.m.State() != Member || c.m.Leader().ID != a.info.ID {
		t.Fatalf("c is %s following %q, want member following a", c.m.State(), c.m.Leader().Name)
	}
	if rl.resets != 0 {
		t.Fatalf("c emptied its history %d times joining its own ring again", rl.resets)
	}
	if c.log.LastSeq() < held {
		t.Fatalf("c holds %d entries, had %d", c.log.LastSeq(), held)
	}
}

// TestHeardKeepsBusyPeersAlive: a peer whose traffic has arrived but waits
// behind other input (Heard) is not taken for dead, however long the
// machine goes without processing it; without Heard the same silence is a
// death.
func TestHeardKeepsBusyPeersAlive(t *testing.T) {
	for _, heard := range []bool{true, false} {
		_, a, b, c := threeNodeRing(t)
		for range 4 * a.m.cfg.FailureTicks {
			if heard {
				a.m.Heard(b.info.ID)
				a.m.Heard(c.info.ID)
			}
			a.m.Tick()
			a.m.Ready() // b and c are busy: nothing reaches them, nothing comes back
		}
		members := len(a.m.View().Members)
		if heard && (members != 3 || !a.m.IsLeader()) {
			t.Fatalf("with Heard, the leader is %s with %d members, want leader of 3", a.m.State(), members)
		}
		// Without Heard the silence is noticed: the members are found dead,
		// and the leader, hearing no majority, steps down.
		if !heard && (a.m.IsLeader() || len(a.m.Gone()) != 2) {
			t.Fatalf("without Heard, %d ticks of silence went unnoticed: %s, gone %v", 4*a.m.cfg.FailureTicks, a.m.State(), a.m.Gone())
		}
	}
}

// TestRestartDoesNotReuseASentCounter: a node sends a message to the leader
// and crashes before its outbox held it (the driver writes the outbox after
// the Submit is sent). The ring sequences it. Restarted without it, the
// node numbers its next message with the same counter; joining again, that
// new message must not be taken for the one the ring already has, or the
// new say would be acknowledged with the old message's receipt and never
// sent. (It is not: a message said while joining belongs to no ring yet,
// and the join renumbers it after what the ring has.)
func TestRestartDoesNotReuseASentCounter(t *testing.T) {
	s, a, b, _ := threeNodeRing(t)
	b.m.Submit(protocol.KindChat, "", "sent before the crash")
	s.collect(b)
	link := [2]string{b.info.ID, a.info.ID}
	if len(s.links[link]) != 1 {
		t.Fatalf("b sent %d messages to a, want its Submit", len(s.links[link]))
	}
	h, msg, err := protocol.Decode(s.links[link][0].payload)
	if err != nil {
		t.Fatal(err)
	}
	s.links[link] = nil
	a.m.Step(h, msg) // a has it, and b crashes before a's Deliver reaches it
	s.kill(b)
	// The crash came before the outbox was written; the saved ring state
	// is not written for a new counter alone (daemon.sameState).
	b.outbox, b.saved.Counter = nil, 0
	s.settle() // a sequences it
	s.restart(b)
	token := b.m.Submit(protocol.KindChat, "", "said after the restart")
	s.collect(b)
	for range 30 {
		s.tick()
	}
	if b.m.State() != Member {
		t.Fatalf("b is %s, want member again", b.m.State())
	}
	if n := holdsCommitted(a, b.info.ID, "said after the restart"); n != 1 {
		t.Fatalf("the leader holds the message said after the restart %d times, want 1", n)
	}
	var acked []Acked
	for _, ev := range b.events {
		if ack, ok := ev.(Acked); ok && ack.Token == token {
			acked = append(acked, ack)
		}
	}
	if len(acked) != 1 || acked[0].Entry.Text != "said after the restart" {
		t.Fatalf("the say after the restart was acknowledged with %+v", acked)
	}
}

// TestStrangersAnsweredWithTheViewBounded: a member answers a heartbeat
// from a node it does not know with its view, at the address the heartbeat
// names; made-up senders get at most maxStrangers answers between views.
func TestStrangersAnsweredWithTheViewBounded(t *testing.T) {
	_, a, _, _ := threeNodeRing(t)
	a.m.Ready()
	for i := range 2 * maxStrangers {
		stranger := protocol.NodeInfo{ID: fmt.Sprintf("%016x", 0xf000+i), Addr: fmt.Sprintf("127.0.0.2:%d", 1000+i)}
		a.m.Step(protocol.Header{From: stranger.ID, Epoch: a.m.Epoch()}, protocol.Heartbeat{From: &stranger})
	}
	views := 0
	for _, o := range a.m.Ready().Messages {
		if v, ok := o.Msg.(protocol.View); ok {
			views++
			if o.To.Addr[:10] != "127.0.0.2:" || len(v.Members) != 3 {
				t.Fatalf("answered %+v with %+v", o.To, v)
			}
		}
	}
	if limit := len(a.m.View().Members) + maxStrangers; views < maxStrangers || views > limit {
		t.Fatalf("answered %d of %d strangers, want %d to %d", views, 2*maxStrangers, maxStrangers, limit)
	}
	if len(a.m.answered) > len(a.m.View().Members)+maxStrangers {
		t.Fatalf("the answered map holds %d entries", len(a.m.answered))
	}
}
