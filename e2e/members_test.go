package e2e

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/protocol"
)

// TestMembersPresence follows the member directory of a ring of four real
// daemons through `ringctl members` as its members hang, die, leave and come
// back:
//
//   - n3 is stopped (SIGSTOP): its neighbours list it suspect before they
//     would declare it dead; resumed, it is alive again;
//   - n2 is killed (kill -9): the survivors list it dead and the chat says it
//     died; n4, whose members.reap_after is 1s, drops it from its directory
//     while the others still list it;
//   - n3 leaves (`ringctl leave`): listed left, and the chat says so;
//   - n3 joins again: alive everywhere, and its own directory knows n2 died.
//
// A failure timeout of 6s leaves a wide window in which a silent member is
// suspect but not yet dead (suspect after half of it), even on a loaded
// machine; a kill or a leave is noticed at once, by the closed connection
// or the goodbye, so the test does not wait for it.
func TestMembersPresence(t *testing.T) {
	const failureTimeout = "failure_timeout: 6s"
	r := &testRing{t: t}
	for i, extra := range [][]string{
		{failureTimeout},
		{failureTimeout},
		{failureTimeout},
		{failureTimeout, "members:", "  reap_after: 1s"},
	} {
		n := startNode(t, fmt.Sprintf("n%d", i+1), extra...)
		r.nodes = append(r.nodes, n)
		if i > 0 {
			r.join(n, r.nodes[i-1])
		}
	}
	n1, n2, n3, n4 := r.nodes[0], r.nodes[1], r.nodes[2], r.nodes[3]
	if st := r.waitAgreed(20 * time.Second); st.Leader.ID != n1.id {
		t.Fatalf("the ring is led by %s, want the founder n1", st.Leader.Name)
	}

	// Hung: suspect on a neighbour, then alive again once it runs.
	start := time.Now()
	if err := syscall.Kill(n3.cmd.Process.Pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	var first string
	eventually(t, 20*time.Second, "n2 to see the stopped n3 as anything but alive", func() error {
		first = memberState(t, n2, n3.id)
		if first == chat.PresenceAlive {
			return fmt.Errorf("n3 is still alive on n2")
		}
		return nil
	})
	if err := syscall.Kill(n3.cmd.Process.Pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if first != chat.PresenceSuspect {
		t.Fatalf("n2 lists the stopped n3 as %q %v after SIGSTOP, want suspect first", first, time.Since(start))
	}
	t.Logf("n3 suspect on n2 %v after SIGSTOP", time.Since(start).Round(time.Millisecond))
	r.waitAgreed(20 * time.Second) // every member alive again

	// Killed: dead on the survivors, with the event in the chat; reaped
	// after 1s on n4 only.
	r.kill9(n2)
	for _, n := range []*ringNode{n1, n3} {
		waitMemberState(t, n, n2.id, chat.PresenceDead)
	}
	waitMemberState(t, n4, n2.id, "absent")
	if st := memberState(t, n1, n2.id); st != chat.PresenceDead {
		t.Errorf("n1 lists n2 as %s once n4 reaped it, want dead (n1 reaps after 24h)", st)
	}
	for _, n := range r.alive() {
		wantPresenceEvent(t, n, protocol.PresenceDied, n2.id)
	}
	r.waitAgreed(20 * time.Second)

	// Left: listed left; the node itself, detached, lists no one.
	var st chat.Status
	ctlJSON(t, n3.socket, &st, "leave")
	n3.out = true
	waitMemberState(t, n1, n3.id, chat.PresenceLeft)
	wantPresenceEvent(t, n1, protocol.PresenceLeft, n3.id)
	var ms []chat.Member
	ctlJSON(t, n3.socket, &ms, "members")
	if len(ms) != 0 {
		t.Errorf("n3, detached after its leave, lists %+v", ms)
	}

	// Back: alive again everywhere; it knows from the history that n2 died.
	r.join(n3, n1)
	n3.out = false
	r.waitAgreed(20 * time.Second)
	waitMemberState(t, n3, n2.id, chat.PresenceDead)
	for _, n := range r.alive() {
		if last := lastPresenceEvent(t, n, n3.id); last != protocol.PresenceJoined {
			t.Errorf("%s: the last presence event about n3 is %q, want joined", n.name, last)
		}
	}
	t.Logf("SIGSTOP to rejoin took %v", time.Since(start).Round(time.Millisecond))
}

// memberState is id's state in n's directory, "absent" if it is not listed.
func memberState(t *testing.T, n *ringNode, id string) string {
	t.Helper()
	var ms []chat.Member
	if err := ctlTry(t, n.socket, &ms, "members"); err != nil {
		t.Fatalf("%s: %v", n.name, err)
	}
	for _, m := range ms {
		if m.ID == id {
			if m.LastSeen.IsZero() {
				t.Fatalf("%s lists %s with no last_seen: %+v", n.name, id, m)
			}
			return m.State
		}
	}
	return "absent"
}

func waitMemberState(t *testing.T, n *ringNode, id, want string) {
	t.Helper()
	eventually(t, 15*time.Second, fmt.Sprintf("%s to list %s as %s", n.name, id, want), func() error {
		if got := memberState(t, n, id); got != want {
			return fmt.Errorf("it is %s", got)
		}
		return nil
	})
}

// lastPresenceEvent is the last presence event about id in n's chat.
func lastPresenceEvent(t *testing.T, n *ringNode, id string) string {
	t.Helper()
	msgs, err := tailTry(t, n.socket, "-n", "1000")
	if err != nil {
		t.Fatal(err)
	}
	last := ""
	for _, m := range msgs {
		if m.About != nil && m.About.ID == id {
			if m.Kind != chat.KindSystem {
				t.Fatalf("%s: a %s message carries a presence event: %+v", n.name, m.Kind, m)
			}
			last = m.Presence
		}
	}
	return last
}

// wantPresenceEvent waits for the presence event about id in n's chat.
func wantPresenceEvent(t *testing.T, n *ringNode, presence, id string) {
	t.Helper()
	eventually(t, 10*time.Second, fmt.Sprintf("a %q event about %s in %s's chat", presence, id, n.name), func() error {
		if got := lastPresenceEvent(t, n, id); got != presence {
			return fmt.Errorf("the last one is %q", got)
		}
		return nil
	})
}
