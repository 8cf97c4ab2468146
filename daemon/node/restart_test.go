package node

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/store"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/internal/testutil"
)

// A one-node ring stopped and started again on its data dir keeps its
// history and its ring, and goes on numbering after what it had.
func TestHistorySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	n1, stop := newTestNode(t, dir)
	ring1 := n1.Status()
	for _, text := range []string{"one", "two", "three"} {
		if _, err := n1.Say(context.Background(), text, ""); err != nil {
			t.Fatal(err)
		}
	}
	before := n1.History(watch.Query{N: 100})
	stop()

	n2, _ := newTestNode(t, dir)
	testutil.WaitFor(t, 5*time.Second, "the restarted node leads its ring again", func() bool {
		return n2.Status().State == chat.StateMember && n2.Status().LastSeq > before[len(before)-1].Seq
	})
	after := n2.History(watch.Query{N: 100})
	if len(after) <= len(before) {
		t.Fatalf("history after restart has %d messages, before %d", len(after), len(before))
	}
	for i, m := range before {
		if after[i].ID != m.ID || after[i].Seq != m.Seq || after[i].Text != m.Text {
			t.Fatalf("message %d after restart is %+v, was %+v", i, after[i], m)
		}
	}
	if st := n2.Status(); st.Epoch <= ring1.Epoch {
		t.Fatalf("epoch %d after restart, %d before: a new epoch must start", st.Epoch, ring1.Epoch)
	}
	rc, err := n2.Say(context.Background(), "four", "")
	if err != nil {
		t.Fatal(err)
	}
	if rc.Seq <= after[len(after)-1].Seq-1 || !strings.HasPrefix(rc.ID, n2.Self().ID+"/") {
		t.Fatalf("receipt after restart %+v, history ends at seq %d", rc, after[len(after)-1].Seq)
	}
}

// A node that left its ring with `ringctl leave` stays detached when it
// starts again; one stopped by a signal (Run's context) does not.
func TestLeftNodeStaysDetachedAfterRestart(t *testing.T) {
	dir := t.TempDir()
	n1, stop := newTestNode(t, dir)
	if _, err := n1.Leave(context.Background()); err != nil {
		t.Fatal(err)
	}
	stop()

	n2 := startDetached(t, dir)
	if st := n2.Status().State; st != chat.StateDetached {
		t.Fatalf("a node that left is %s after restart", st)
	}
	if _, err := n2.Say(context.Background(), "hello", ""); !errors.Is(err, ErrDetached) {
		t.Fatalf("say on a node that left: %v", err)
	}
}

// startDetached starts a node on dir and waits until it decides, as Run
// does once at start, to stay detached (it logs why).
func startDetached(t *testing.T, dir string) *Node {
	t.Helper()
	var logs testutil.SyncBuffer
	n, _ := runTestNode(t, Options{Settings: Settings{Name: "alice", Listen: "127.0.0.1:0", DataDir: dir}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	testutil.WaitFor(t, 5*time.Second, "the restarted node decides to stay detached", func() bool {
		return strings.Contains(logs.String(), "stays detached until")
	})
	return n
}

// A node stopped after its own leave was committed, before it could hand
// over or mark itself as left, finds the leave in its history when it
// starts again and stays detached: it founds no ring of its own.
func TestNodeWhoseLeaveCommittedStaysDetached(t *testing.T) {
	dir := t.TempDir()
	n1, stop := newTestNode(t, dir)
	self := n1.Self()
	stop()

	st, err := store.Open(store.Options{Path: filepath.Join(dir, historyDir), KeepUncommitted: true})
	if err != nil {
		t.Fatal(err)
	}
	saved, err := st.State()
	if err != nil {
		t.Fatal(err)
	}
	alice := store.Node{ID: self.ID, Name: self.Name, Addr: self.Addr}
	bob := store.Node{ID: "00000000000000b0", Name: "bob", Addr: "127.0.0.1:1"}
	last := st.LastSeq()
	system := func(k uint64, text, presence string, about store.Node, members ...store.Node) store.Record {
		return store.Record{Seq: last + k, Epoch: saved.Epoch, Lamport: 100 + k, OriginID: self.ID, OriginCounter: saved.Counter + k,
			Kind: chat.KindSystem, FromName: alice.Name, FromAddr: alice.Addr, Text: text, Time: time.Now(), About: about, Presence: presence, Members: members}
	}
	if err := st.Append(
		system(1, "bob joined", "joined", bob, alice, bob),
		system(2, "alice left (handing over leadership)", "left", alice, bob),
	); err != nil {
		t.Fatal(err)
	}
	saved.Members, saved.Counter = []store.Node{alice, bob}, saved.Counter+2
	if err := st.SaveState(saved); err != nil {
		t.Fatal(err)
	}
	if err := <-st.SaveCommitAsync(last + 2); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	n2 := startDetached(t, dir)
	if st := n2.Status(); st.State != chat.StateDetached || st.LastSeq != last+2 {
		t.Fatalf("a node whose leave was committed: status %+v, want detached with history up to %d", st, last+2)
	}
}
