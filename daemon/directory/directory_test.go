package directory

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/protocol"
)

var (
	t0   = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	dirA = protocol.NodeInfo{ID: "aaaaaaaaaaaaaaaa", Name: "alice", Addr: "127.0.0.1:7001"}
	dirB = protocol.NodeInfo{ID: "bbbbbbbbbbbbbbbb", Name: "bob", Addr: "127.0.0.1:7002"}
	dirC = protocol.NodeInfo{ID: "cccccccccccccccc", Name: "carol", Addr: "127.0.0.1:7003"}
	dirD = protocol.NodeInfo{ID: "dddddddddddddddd", Name: "dave", Addr: "127.0.0.1:7004"}
)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func dirView(version uint64, leader protocol.NodeInfo, members ...protocol.NodeInfo) protocol.View {
	return protocol.View{RingID: "ring-1", Version: version, Epoch: 1, Leader: leader.ID, Members: members}
}

func presenceMsg(presence string, about protocol.NodeInfo, when time.Time) chat.Message {
	return chat.Message{
		Kind: chat.KindSystem, Text: about.Name + " " + presence, Time: when, Presence: presence,
		About: &chat.NodeRef{ID: about.ID, Name: about.Name, Addr: about.Addr},
	}
}

// show renders a listing as "name:role:state:last_seen seconds after t0".
func show(ms []chat.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = fmt.Sprintf("%s:%s:%s:%d", m.Name, m.Role, m.State, int(m.LastSeen.Sub(t0).Seconds()))
	}
	return out
}

// heardAt says these peers spoke sec seconds after t0.
func heardAt(heard map[string]time.Time, sec int, peers ...protocol.NodeInfo) {
	for _, p := range peers {
		heard[p.ID] = at(sec)
	}
}

func wantList(t *testing.T, d *Directory, now time.Time, heard map[string]time.Time, want ...string) []string {
	t.Helper()
	ms, reaped := d.List(now, heard, dirA.ID)
	if got := show(ms); !slices.Equal(got, want) {
		t.Fatalf("at t0+%v: members %q, want %q", now.Sub(t0), got, want)
	}
	return reaped
}

// alice (this node) leads a ring of four; all are watched, all heard.
func leaderOfFour(reap time.Duration) (*Directory, map[string]time.Time) {
	d := New(reap, 5*time.Second)
	d.SetView(dirView(1, dirA, dirA, dirB, dirC, dirD), at(0))
	d.Apply(presenceMsg(protocol.PresenceJoined, dirA, at(0)))
	d.Observe(dirA.ID, nil, []string{dirB.ID, dirC.ID, dirD.ID}, at(0))
	return d, map[string]time.Time{dirB.ID: at(10), dirC.ID: at(10), dirD.ID: at(10)}
}

func TestDirectoryViewMembersAreAliveInRingOrder(t *testing.T) {
	d, heard := leaderOfFour(time.Hour)
	wantList(t, d, at(10), heard,
		"alice:leader:alive:10", "bob:member:alive:10", "carol:member:alive:10", "dave:member:alive:10")
}

func TestDirectorySuspectsASilentWatchedPeer(t *testing.T) {
	d, heard := leaderOfFour(time.Hour)
	heard[dirC.ID] = at(4)
	// 5 s of silence is the threshold; carol has been silent for 6 s.
	wantList(t, d, at(10), heard,
		"alice:leader:alive:10", "bob:member:alive:10", "carol:member:suspect:4", "dave:member:alive:10")
	heard[dirC.ID] = at(10) // it speaks again
	wantList(t, d, at(10), heard,
		"alice:leader:alive:10", "bob:member:alive:10", "carol:member:alive:10", "dave:member:alive:10")
}

// A peer this node starts to watch (a new neighbour) gets the full grace
// period from then, however long ago it was last heard.
func TestDirectoryGivesANewlyWatchedPeerTime(t *testing.T) {
	d := New(time.Hour, 500*time.Millisecond)
	d.SetView(dirView(1, dirB, dirA, dirB, dirC, dirD), at(0))
	d.Observe(dirB.ID, nil, []string{dirB.ID, dirD.ID}, at(0)) // leader bob, neighbours bob and dave
	heard := map[string]time.Time{dirB.ID: at(20), dirD.ID: at(20)}
	d.Observe(dirB.ID, map[string]string{dirD.ID: "died"}, []string{dirB.ID, dirC.ID}, at(20))
	wantList(t, d, at(20), heard,
		"alice:member:alive:20", "bob:leader:alive:20", "carol:member:alive:0", "dave:member:dead:20")
	wantList(t, d, at(21), heard,
		"alice:member:alive:21", "bob:leader:suspect:20", "carol:member:suspect:0", "dave:member:dead:20")
}

// A member that neither is a neighbour nor leads is vouched for by the
// leader, which watches every member.
func TestDirectoryLeaderVouchesForUnwatchedMembers(t *testing.T) {
	d := New(time.Hour, 500*time.Millisecond)
	d.SetView(dirView(1, dirB, dirA, dirB, dirC, dirD), at(0))
	d.Observe(dirB.ID, nil, []string{dirB.ID, dirD.ID}, at(0))
	heard := map[string]time.Time{dirB.ID: at(30), dirD.ID: at(30)}
	wantList(t, d, at(30), heard,
		"alice:member:alive:30", "bob:leader:alive:30", "carol:member:alive:30", "dave:member:alive:30")
}

func TestDirectoryDeadMemberStaysUntilReaped(t *testing.T) {
	d, heard := leaderOfFour(time.Minute)
	// carol is found dead: first the machine's own observation, then the
	// view without her, then the sequenced event.
	d.Observe(dirA.ID, map[string]string{dirC.ID: "died"}, []string{dirB.ID, dirD.ID}, at(11))
	wantList(t, d, at(11), heard,
		"alice:leader:alive:11", "bob:member:alive:10", "carol:member:dead:10", "dave:member:alive:10")
	d.SetView(dirView(2, dirA, dirA, dirB, dirD), at(12))
	d.Observe(dirA.ID, nil, []string{dirB.ID, dirD.ID}, at(12))
	d.Apply(presenceMsg(protocol.PresenceDied, dirC, at(12)))
	heardAt(heard, 71, dirB, dirD)
	wantList(t, d, at(71), heard,
		"alice:leader:alive:71", "bob:member:alive:71", "dave:member:alive:71", "carol:member:dead:10")
	reaped := wantList(t, d, at(72), heard,
		"alice:leader:alive:72", "bob:member:alive:71", "dave:member:alive:71")
	if !slices.Equal(reaped, []string{dirC.ID}) {
		t.Fatalf("reaped %v, want carol", reaped)
	}
	if _, ok := d.records[dirC.ID]; ok {
		t.Fatal("a reaped member is still in the directory")
	}
}

func TestDirectoryLeftMemberIsReapedToo(t *testing.T) {
	d, heard := leaderOfFour(time.Minute)
	d.SetView(dirView(2, dirA, dirA, dirB, dirC), at(20))
	d.Apply(presenceMsg(protocol.PresenceLeft, dirD, at(20)))
	heardAt(heard, 79, dirB, dirC)
	wantList(t, d, at(79), heard,
		"alice:leader:alive:79", "bob:member:alive:79", "carol:member:alive:79", "dave:member:left:20")
	wantList(t, d, at(80), heard,
		"alice:leader:alive:80", "bob:member:alive:79", "carol:member:alive:79")
}

func TestDirectoryNeverReapsWithZero(t *testing.T) {
	d, heard := leaderOfFour(0)
	d.SetView(dirView(2, dirA, dirA, dirB, dirC), at(20))
	d.Apply(presenceMsg(protocol.PresenceDied, dirD, at(20)))
	year := int((365 * 24 * time.Hour).Seconds())
	ms, reaped := d.List(at(year), heard, dirA.ID)
	if len(ms) != 4 || ms[3].State != chat.PresenceDead || len(reaped) != 0 {
		t.Fatalf("after a year: %q, reaped %v", show(ms), reaped)
	}
}

func TestDirectoryMemberThatRejoinsIsAliveAgain(t *testing.T) {
	d, heard := leaderOfFour(time.Hour)
	d.SetView(dirView(2, dirA, dirA, dirB, dirD), at(12))
	d.Apply(presenceMsg(protocol.PresenceLeft, dirC, at(12)))
	d.SetView(dirView(3, dirA, dirA, dirB, dirC, dirD), at(30))
	d.Apply(presenceMsg(protocol.PresenceJoined, dirC, at(30)))
	heard[dirC.ID] = at(30)
	wantList(t, d, at(30), heard,
		"alice:leader:alive:30", "bob:member:alive:30", "carol:member:alive:30", "dave:member:alive:30")
}

// A member dropped from the view is never shown alive, even before (or
// without) the event that says why.
func TestDirectoryMemberOutOfTheViewIsNotAlive(t *testing.T) {
	d, heard := leaderOfFour(time.Minute)
	d.SetView(dirView(2, dirA, dirA, dirB, dirC), at(15))
	wantList(t, d, at(16), heard,
		"alice:leader:alive:16", "bob:member:alive:15", "carol:member:alive:15", "dave:member:dead:10")
	// Reaped counting from the drop.
	heardAt(heard, 75, dirB, dirC)
	wantList(t, d, at(75), heard,
		"alice:leader:alive:75", "bob:member:alive:75", "carol:member:alive:75")
}

// After a restart the history alone names the members of old; the view
// the node gets on rejoining says who is in the ring now.
func TestDirectoryFromHistoryAfterRestart(t *testing.T) {
	d := New(time.Hour, 500*time.Millisecond)
	d.Reset("ring-1")
	for _, m := range []chat.Message{
		presenceMsg(protocol.PresenceJoined, dirA, at(0)),
		presenceMsg(protocol.PresenceJoined, dirB, at(1)),
		presenceMsg(protocol.PresenceJoined, dirC, at(2)),
		presenceMsg(protocol.PresenceJoined, dirD, at(3)),
		presenceMsg(protocol.PresenceDied, dirB, at(4)),
		presenceMsg(protocol.PresenceLeft, dirC, at(5)),
		{Kind: chat.KindChat, Text: "hello", Time: at(6)},
	} {
		d.Apply(m)
	}
	d.SetView(dirView(9, dirD, dirA, dirD), at(40))
	d.Observe(dirD.ID, nil, []string{dirD.ID}, at(40))
	heard := map[string]time.Time{dirD.ID: at(40)}
	wantList(t, d, at(40), heard,
		"alice:member:alive:40", "dave:leader:alive:40", "bob:member:dead:1", "carol:member:left:5")
}

func TestDirectoryStartsAfreshInAnotherRing(t *testing.T) {
	d, heard := leaderOfFour(time.Hour)
	d.SetView(dirView(2, dirA, dirA, dirB, dirC), at(20))
	other := protocol.View{RingID: "ring-2", Version: 5, Epoch: 7, Leader: dirB.ID, Members: []protocol.NodeInfo{dirB, dirA}}
	d.SetView(other, at(30))
	d.Observe(dirB.ID, nil, []string{dirB.ID}, at(30))
	heard[dirB.ID] = at(30)
	wantList(t, d, at(30), heard, "bob:leader:alive:30", "alice:member:alive:30")
}

func TestDirectoryIgnoresMessagesWithoutPresence(t *testing.T) {
	d := New(time.Hour, time.Second)
	d.Apply(chat.Message{Kind: chat.KindSystem, Text: "x joined", Time: at(1)})
	d.Apply(chat.Message{Kind: chat.KindChat, Presence: protocol.PresenceJoined, About: &chat.NodeRef{ID: dirB.ID}, Time: at(1)})
	d.Apply(chat.Message{Kind: chat.KindSystem, Presence: protocol.PresenceJoined, Time: at(1)})
	if len(d.records) != 0 {
		t.Fatalf("records %+v", d.records)
	}
}
