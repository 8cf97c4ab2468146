package daemon

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
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
	before := n1.History(Query{N: 100})
	stop()

	n2, _ := newTestNode(t, dir)
	testutil.WaitFor(t, 5*time.Second, "the restarted node leads its ring again", func() bool {
		return n2.Status().State == chat.StateMember && n2.Status().LastSeq > before[len(before)-1].Seq
	})
	after := n2.History(Query{N: 100})
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

	var logs testutil.SyncBuffer
	n2, err := New(Options{Name: "alice", Listen: "127.0.0.1:0", DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = n2.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()
	// Run decides once, at start: it logs why it stays detached.
	testutil.WaitFor(t, 5*time.Second, "the restarted node decides to stay detached", func() bool {
		return strings.Contains(logs.String(), "stays detached until")
	})
	if st := n2.Status().State; st != chat.StateDetached {
		t.Fatalf("a node that left is %s after restart", st)
	}
	if _, err := n2.Say(context.Background(), "hello", ""); !errors.Is(err, ErrDetached) {
		t.Fatalf("say on a node that left: %v", err)
	}
}
