package node

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/internal/testutil"
	"github.com/ringchat/ring/protocol"
)

// directRing starts nodes named names, all joined to the first.
func directRing(t *testing.T, names ...string) []*Node {
	t.Helper()
	opts := make([]Options, len(names))
	for i, name := range names {
		opts[i].Name = name
	}
	return directRingOf(t, opts...)
}

func directRingOf(t *testing.T, opts ...Options) []*Node {
	t.Helper()
	var ns []*Node
	for i, o := range opts {
		n := startNode(t, o)
		if i > 0 {
			if _, err := n.Join(context.Background(), ns[0].Self().Addr); err != nil {
				t.Fatal(err)
			}
		}
		ns = append(ns, n)
	}
	testutil.WaitFor(t, limitsWait, "every node sees the whole ring", func() bool {
		for _, n := range ns {
			if n.Status().Members != len(ns) {
				return false
			}
		}
		return true
	})
	return ns
}

func directsIn(n *Node) []chat.Message {
	var out []chat.Message
	for _, m := range n.History(watch.Query{N: -1}) {
		if m.Kind == chat.KindDirect {
			out = append(out, m)
		}
	}
	return out
}

func TestDirectMessageReachesOnlyItsRecipient(t *testing.T) {
	ns := directRing(t, "alice", "bob", "carol")
	alice, bob, carol := ns[0], ns[1], ns[2]
	_, sub, err := bob.Watch(watch.Query{N: 0})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	rc, err := carol.Say(context.Background(), "psst, bob", "bob")
	if err != nil {
		t.Fatal(err)
	}
	if rc.Seq != 0 || !strings.HasPrefix(rc.ID, carol.Self().ID+"/d") {
		t.Fatalf("receipt %+v: want seq 0 and a direct id", rc)
	}
	for _, n := range []*Node{carol, bob} {
		got := directsIn(n)
		if len(got) != 1 || got[0].Text != "psst, bob" || got[0].ID != rc.ID || got[0].To != "bob" || got[0].From.Name != "carol" {
			t.Fatalf("%s holds %+v, want the one direct message", n.Self().Name, got)
		}
	}
	if got := directsIn(alice); len(got) != 0 {
		t.Fatalf("alice, not its recipient, holds %+v", got)
	}
	deadline := time.After(limitsWait)
	for watched := false; !watched; {
		select {
		case m := <-sub.C:
			if m.Kind != chat.KindDirect {
				continue // the ring's own messages
			}
			if m.ID != rc.ID {
				t.Fatalf("bob's watcher got %+v", m)
			}
			watched = true
		case <-deadline:
			t.Fatal("bob's watcher did not see the direct message")
		}
	}
	// By id too.
	if _, err := alice.Say(context.Background(), "by id", carol.Self().ID); err != nil {
		t.Fatal(err)
	}
	if got := directsIn(carol); len(got) != 2 {
		t.Fatalf("carol holds %d direct messages, want 2", len(got))
	}
}

func TestDirectMessageRecipientErrors(t *testing.T) {
	ns := directRing(t, "alice", "bob", "bob")
	alice := ns[0]
	for _, tc := range []struct{ to, want string }{
		{"nobody", `no member of the ring is named "nobody"`},
		{"bob", `2 members are named "bob"`},
		{"alice", "that is this node"},
		{alice.Self().ID, "that is this node"},
	} {
		_, err := alice.Say(context.Background(), "hi", tc.to)
		var input *InputError
		if !errors.As(err, &input) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("to %q: %v, want an input error saying %q", tc.to, err, tc.want)
		}
	}
	// Either bob by its id works.
	if _, err := alice.Say(context.Background(), "hi", ns[2].Self().ID); err != nil {
		t.Fatal(err)
	}
	if len(directsIn(ns[1])) != 0 || len(directsIn(ns[2])) != 1 {
		t.Fatal("the direct message went to the wrong bob")
	}
}

func TestDirectMessageRefusedByRecipient(t *testing.T) {
	// A direct message bob's limit refuses: alice's own limit is larger.
	logs := &testutil.SyncBuffer{}
	bobLog := slog.New(slog.NewTextHandler(logs, nil))
	ns := directRingOf(t, Options{Settings: Settings{Name: "alice"}}, Options{Settings: Settings{Name: "bob", Limits: Limits{MaxText: 8}}, Logger: bobLog})
	alice, bob := ns[0], ns[1]
	_, err := alice.Say(context.Background(), "longer than eight", "bob")
	if err == nil || !strings.Contains(err.Error(), "bob refused the direct message") {
		t.Fatalf("err %v, want bob's refusal", err)
	}
	if len(directsIn(alice)) != 0 || len(directsIn(bob)) != 0 {
		t.Fatal("a refused direct message was stored")
	}
	// A node outside the ring cannot slip one in.
	stranger := newFakePeer(t, "57a4a7e457a4a7e4", true)
	e := protocol.Entry{OriginID: stranger.info.ID, OriginCounter: 1, Kind: protocol.KindDirect, To: "bob", Text: "hi"}
	stranger.tr.Send(info(bob.Self()), 1, 0, protocol.Direct{Entry: e})
	testutil.WaitFor(t, limitsWait, "bob drops the stranger's message", func() bool {
		return strings.Contains(logs.String(), "direct message from a node outside the ring, dropped")
	})
	rc, err := alice.Say(context.Background(), "ok", "bob")
	if err != nil {
		t.Fatal(err)
	}
	if got := directsIn(bob); len(got) != 1 || got[0].ID != rc.ID {
		t.Fatalf("bob holds %+v, want only alice's message", got)
	}
}

// A direct message that arrives twice (its author sent it again because
// the ack was lost) is stored once and acknowledged both times.
func TestDirectMessageSentAgainStoredOnce(t *testing.T) {
	ns := directRing(t, "alice", "bob")
	alice, bob := ns[0], ns[1]
	e := protocol.Entry{OriginID: alice.Self().ID, OriginCounter: 42, Lamport: 1, Kind: protocol.KindDirect,
		FromName: "alice", FromAddr: alice.Self().Addr, To: "bob", Text: "twice?"}
	for range 2 {
		if err := bob.do(context.Background(), func() { bob.receiveDirect(alice.Self().ID, e) }); err != nil {
			t.Fatal(err)
		}
	}
	testutil.WaitFor(t, limitsWait, "bob stores the message", func() bool { return len(directsIn(bob)) > 0 })
	if err := bob.do(context.Background(), func() {}); err != nil { // both calls have run
		t.Fatal(err)
	}
	if got := directsIn(bob); len(got) != 1 {
		t.Fatalf("bob holds %d copies", len(got))
	}
}
