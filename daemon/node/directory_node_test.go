package node

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/internal/testutil"
	"github.com/ringchat/ring/protocol"
)

// startDirNode runs a node named name on dataDir with the given reap time
// and clock, until the test ends or stop is called.
func startDirNode(t *testing.T, dataDir, name string, reap time.Duration, now func() time.Time) (*Node, func()) {
	t.Helper()
	n, stop := runTestNode(t, Options{Settings: Settings{Name: name, Listen: "127.0.0.1:0", DataDir: dataDir, Members: Members{ReapAfter: reap}}, Now: now})
	testutil.WaitFor(t, 10*time.Second, name+" is a member", func() bool { return n.Status().State == chat.StateMember })
	return n, stop
}

func memberState(n *Node, id string) string {
	for _, m := range n.Members() {
		if m.ID == id {
			return m.State
		}
	}
	return "absent"
}

func waitMemberState(t *testing.T, n *Node, id, want string) {
	t.Helper()
	testutil.WaitFor(t, 10*time.Second, n.Self().Name+" to list "+id+" as "+want, func() bool {
		return memberState(n, id) == want
	})
}

// hasPresence reports whether n's history holds the presence event about id.
func hasPresence(n *Node, presence, id string) bool {
	for _, m := range n.History(watch.Query{N: 100}) {
		if m.Kind == chat.KindSystem && m.Presence == presence && m.About != nil && m.About.ID == id {
			return true
		}
	}
	return false
}

// joinThenLeave has b join a's ring and leave it, and waits until a lists
// b first alive, then left.
func joinThenLeave(t *testing.T, a, b *Node) {
	t.Helper()
	if _, err := b.Join(context.Background(), a.Self().Addr); err != nil {
		t.Fatal(err)
	}
	waitMemberState(t, a, b.Self().ID, chat.PresenceAlive)
	if _, err := b.Leave(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitMemberState(t, a, b.Self().ID, chat.PresenceLeft)
}

// A member that leaves is listed as left, with the event in the history,
// until the reap time has passed on the node's clock.
func TestMembersLeftThenReaped(t *testing.T) {
	var skew atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	a, _ := startDirNode(t, t.TempDir(), "alice", time.Hour, clock)
	b, _ := startDirNode(t, t.TempDir(), "bob", 0, nil)
	joinThenLeave(t, a, b)
	// The directory takes the event when it is delivered; the history
	// shows it once it is stored.
	testutil.WaitFor(t, 10*time.Second, "bob's presence events in alice's history", func() bool {
		return hasPresence(a, protocol.PresenceLeft, b.Self().ID) && hasPresence(a, protocol.PresenceJoined, b.Self().ID)
	})
	if got := b.Members(); len(got) != 0 {
		t.Fatalf("a node that left lists %+v", got)
	}
	skew.Store(int64(59 * time.Minute))
	if st := memberState(a, b.Self().ID); st != chat.PresenceLeft {
		t.Fatalf("bob is %s 59 minutes after leaving, want left", st)
	}
	skew.Store(int64(61 * time.Minute))
	if st := memberState(a, b.Self().ID); st != "absent" {
		t.Fatalf("bob is %s 61 minutes after leaving with a reap time of 1h, want absent", st)
	}
}

// A restarted node rebuilds the directory from its stored history: a
// member that left before the restart is still listed as left.
func TestMembersDirectorySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	a, stopA := startDirNode(t, dir, "alice", 0, nil)
	b, _ := startDirNode(t, t.TempDir(), "bob", 0, nil)
	joinThenLeave(t, a, b)
	stopA()

	a2, _ := startDirNode(t, dir, "alice", 0, nil)
	ms := a2.Members()
	if len(ms) != 2 || ms[0].ID != a2.Self().ID || ms[0].Role != chat.RoleLeader || ms[1].ID != b.Self().ID ||
		ms[1].State != chat.PresenceLeft || ms[1].LastSeen.IsZero() {
		t.Fatalf("members after restart: %+v", ms)
	}
}
