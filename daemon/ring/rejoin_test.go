package ring_test

import (
	"fmt"
	"testing"

	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/daemon/ring/ringtest"
	"github.com/ringchat/ring/protocol"
)

// resetCounter is a MemLog that counts how often it was emptied.
type resetCounter struct {
	*ring.MemLog
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
	s := ringtest.New(t, 1)
	a, b, c := s.Add("a", ""), s.Add("b", ""), s.Add("c", "")
	rl := &resetCounter{MemLog: c.Log}
	c.M = ring.New(ring.Config{Self: c.Info, Log: rl, FailureTicks: 5})
	formRing(t, s, a, b, c)
	b.M.Submit(protocol.KindChat, "", "before")
	s.Collect(b)
	s.Settle()
	held := c.Log.LastSeq()
	if held == 0 {
		t.Fatal("c holds no entries")
	}

	ring.SeekLeader(c.M, a.Info)
	c.M.Ready()                                // its JoinRequest to a is lost...
	c.M.PeerDown(a.Info, "connection refused") // ...a cannot be reached
	s.Collect(c)
	if c.M.State() != ring.NoQuorum {
		t.Fatalf("c is %s, want no-quorum after its leader could not be reached", c.M.State())
	}
	for i := 0; i < 30 && c.M.State() != ring.Member; i++ {
		s.Tick()
	}
	if c.M.State() != ring.Member || c.M.Leader().ID != a.Info.ID {
		t.Fatalf("c is %s following %q, want member following a", c.M.State(), c.M.Leader().Name)
	}
	if rl.resets != 0 {
		t.Fatalf("c emptied its history %d times joining its own ring again", rl.resets)
	}
	if c.Log.LastSeq() < held {
		t.Fatalf("c holds %d entries, had %d", c.Log.LastSeq(), held)
	}
}

// TestHeardKeepsBusyPeersAlive: a peer whose traffic has arrived but waits
// behind other input (Heard) is not taken for dead, however long the
// machine goes without processing it; without Heard the same silence is a
// death.
func TestHeardKeepsBusyPeersAlive(t *testing.T) {
	for _, heard := range []bool{true, false} {
		_, a, b, c := threeNodeRing(t)
		for range 4 * ringtest.FailureTicks {
			if heard {
				a.M.Heard(b.Info.ID)
				a.M.Heard(c.Info.ID)
			}
			a.M.Tick()
			a.M.Ready() // b and c are busy: nothing reaches them, nothing comes back
		}
		members := len(a.M.View().Members)
		if heard && (members != 3 || !a.M.IsLeader()) {
			t.Fatalf("with Heard, the leader is %s with %d members, want leader of 3", a.M.State(), members)
		}
		// Without Heard the silence is noticed: the members are found dead,
		// and the leader, hearing no majority, steps down.
		if !heard && (a.M.IsLeader() || len(a.M.Gone()) != 2) {
			t.Fatalf("without Heard, %d ticks of silence went unnoticed: %s, gone %v", 4*ringtest.FailureTicks, a.M.State(), a.M.Gone())
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
	b.M.Submit(protocol.KindChat, "", "sent before the crash")
	s.Collect(b)
	frames := s.Take(b, a)
	if len(frames) != 1 {
		t.Fatalf("b sent %d messages to a, want its Submit", len(frames))
	}
	h, msg, err := protocol.Decode(frames[0])
	if err != nil {
		t.Fatal(err)
	}
	a.M.Step(h, msg) // a has it, and b crashes before a's Deliver reaches it
	s.Kill(b)
	// The crash came before the outbox was written; the saved ring state
	// is not written for a new counter alone (daemon.sameState).
	b.Outbox, b.Saved.Counter = nil, 0
	s.Settle() // a sequences it
	s.Restart(b)
	token := b.M.Submit(protocol.KindChat, "", "said after the restart")
	s.Collect(b)
	for range 30 {
		s.Tick()
	}
	if b.M.State() != ring.Member {
		t.Fatalf("b is %s, want member again", b.M.State())
	}
	if n := ringtest.HoldsCommitted(a, b.Info.ID, "said after the restart"); n != 1 {
		t.Fatalf("the leader holds the message said after the restart %d times, want 1", n)
	}
	var acked []ring.Acked
	for _, ev := range b.Events {
		if ack, ok := ev.(ring.Acked); ok && ack.Token == token {
			acked = append(acked, ack)
		}
	}
	if len(acked) != 1 || acked[0].Entry.Text != "said after the restart" {
		t.Fatalf("the say after the restart was acknowledged with %+v", acked)
	}
}

// TestStrangersAnsweredWithTheViewBounded: a member answers a heartbeat
// from a node it does not know with its view, at the address the heartbeat
// names; made-up senders get at most ring.MaxStrangers answers between views.
func TestStrangersAnsweredWithTheViewBounded(t *testing.T) {
	_, a, _, _ := threeNodeRing(t)
	a.M.Ready()
	for i := range 2 * ring.MaxStrangers {
		stranger := protocol.NodeInfo{ID: fmt.Sprintf("%016x", 0xf000+i), Addr: fmt.Sprintf("127.0.0.2:%d", 1000+i)}
		a.M.Step(protocol.Header{From: stranger.ID, Epoch: a.M.Epoch()}, protocol.Heartbeat{From: &stranger})
	}
	views := 0
	for _, o := range a.M.Ready().Messages {
		if v, ok := o.Msg.(protocol.View); ok {
			views++
			if o.To.Addr[:10] != "127.0.0.2:" || len(v.Members) != 3 {
				t.Fatalf("answered %+v with %+v", o.To, v)
			}
		}
	}
	if limit := len(a.M.View().Members) + ring.MaxStrangers; views < ring.MaxStrangers || views > limit {
		t.Fatalf("answered %d of %d strangers, want %d to %d", views, 2*ring.MaxStrangers, ring.MaxStrangers, limit)
	}
	if ring.Answered(a.M) > len(a.M.View().Members)+ring.MaxStrangers {
		t.Fatalf("the answered map holds %d entries", ring.Answered(a.M))
	}
}

// TestRestartKeepsTheLamportClock: a restarted node stamps its next message
// after the last one it stored, even alone, with no peer to hear the time
// from.
func TestRestartKeepsTheLamportClock(t *testing.T) {
	s := ringtest.New(t, 1)
	a := s.Add("a", "")
	formRing(t, s, a)
	for i := range 5 {
		a.M.Submit(protocol.KindChat, "", fmt.Sprintf("before %d", i))
		s.Collect(a)
		s.Settle()
	}
	before := a.Log.LastSeq()
	restartKeepsClock(t, s, a, before, a.Log.After(before-1, 1)[0].Lamport, "after")
}
