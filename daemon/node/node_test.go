package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/internal/testutil"
)

// runTestNode makes a node of opts and runs it until the test ends or stop
// is called (once is enough).
func runTestNode(t *testing.T, opts Options) (n *Node, stop func()) {
	t.Helper()
	n, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = n.Run(ctx) })
	stop = sync.OnceFunc(func() { cancel(); wg.Wait() })
	t.Cleanup(stop)
	return n, stop
}

func newTestNode(t *testing.T, dataDir string) (*Node, context.CancelFunc) {
	t.Helper()
	n, stop := runTestNode(t, Options{Settings: Settings{Name: "alice", Listen: "127.0.0.1:0", DataDir: dataDir}})
	// Run founds the ring and sequences a "started" system message; wait
	// for it so tests see a settled node.
	testutil.WaitFor(t, 5*time.Second, "the node founds its ring", func() bool { return n.Status().LastSeq > 0 })
	return n, stop
}

func TestIdentitySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	n1, stop := newTestNode(t, dir)
	id := n1.Self().ID
	stop()
	n2, _ := newTestNode(t, dir)
	if n2.Self().ID != id || len(id) != 16 {
		t.Fatalf("id %q after restart, want %q", n2.Self().ID, id)
	}
}

func TestCorruptIdentityIsAnError(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, idFile), []byte("not-an-id"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Options{Settings: Settings{Name: "a", Listen: "127.0.0.1:0", DataDir: dir}})
	if err == nil || !strings.Contains(err.Error(), "not a node id") {
		t.Fatalf("err = %v", err)
	}
}

func TestSaySequencesInOrder(t *testing.T) {
	n, _ := newTestNode(t, t.TempDir())
	start := n.Status().LastSeq
	var prevLamport uint64
	for i := range 5 {
		rc, err := n.Say(context.Background(), "msg", "")
		if err != nil {
			t.Fatal(err)
		}
		if rc.Seq != start+uint64(i)+1 || rc.Lamport <= prevLamport {
			t.Fatalf("receipt %d = %+v (prev lamport %d)", i, rc, prevLamport)
		}
		prevLamport = rc.Lamport
	}
	hist := n.History(watch.Query{N: 5})
	for i, m := range hist {
		if m.Seq != start+uint64(i)+1 || m.Kind != chat.KindChat || m.From.Name != "alice" {
			t.Fatalf("history[%d] = %+v", i, m)
		}
	}
}

func TestSayRefusesBadText(t *testing.T) {
	n, _ := newTestNode(t, t.TempDir())
	for _, text := range []string{"", "a\x1b[2J", "\xff", strings.Repeat("x", chat.DefaultMaxText+1)} {
		_, err := n.Say(context.Background(), text, "")
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("Say(%q) err = %v, want InputError", text, err)
		}
	}
}

func TestWatchSeesEachMessageOnce(t *testing.T) {
	n, _ := newTestNode(t, t.TempDir())
	if _, err := n.Say(context.Background(), "old", ""); err != nil {
		t.Fatal(err)
	}
	backlog, sub, err := n.Watch(watch.Query{N: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if len(backlog) != 1 || backlog[0].Text != "old" {
		t.Fatalf("backlog %+v", backlog)
	}
	if _, err := n.Say(context.Background(), "new", ""); err != nil {
		t.Fatal(err)
	}
	m := <-sub.C
	if m.Text != "new" || m.Seq != backlog[0].Seq+1 {
		t.Fatalf("followed %+v", m)
	}
}

// TestWatchReadsHistoryWithoutHoldingTheNode: the node goes on (says,
// stores, publishes) while Watch reads the history, and what it published
// meanwhile reaches the watcher once: in the history or on the channel,
// never both.
func TestWatchReadsHistoryWithoutHoldingTheNode(t *testing.T) {
	n, _ := newTestNode(t, t.TempDir())
	if _, err := n.Say(context.Background(), "before", ""); err != nil {
		t.Fatal(err)
	}
	n.afterSubscribe = func() {
		for _, text := range []string{"during 1", "during 2"} {
			// With the node's lock held for the read, this would never return.
			if _, err := n.Say(context.Background(), text, ""); err != nil {
				t.Error(err)
			}
		}
	}
	backlog, sub, err := n.Watch(watch.Query{N: 10})
	n.afterSubscribe = nil
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if _, err := n.Say(context.Background(), "after", ""); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, m := range backlog {
		if m.Kind == chat.KindChat {
			seen = append(seen, m.Text)
		}
	}
	for len(seen) < 4 {
		select {
		case m := <-sub.C:
			if m.Kind == chat.KindChat {
				seen = append(seen, m.Text)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("saw %q, want 4 messages", seen)
		}
	}
	if want := []string{"before", "during 1", "during 2", "after"}; !slices.Equal(seen, want) {
		t.Fatalf("saw %q, want %q", seen, want)
	}
	select {
	case m := <-sub.C:
		t.Fatalf("and then %+v again", m)
	default:
	}
}

func TestSlowWatcherIsDroppedNotWaitedFor(t *testing.T) {
	n, _ := newTestNode(t, t.TempDir())
	_, slow, err := n.Watch(watch.Query{N: 0})
	if err != nil {
		t.Fatal(err)
	}
	for range watch.Buffer + 1 {
		if _, err := n.Say(context.Background(), "flood", ""); err != nil {
			t.Fatal(err)
		}
	}
	count := 0
	for range slow.C {
		count++
	}
	if count != watch.Buffer || !errors.Is(slow.Err(), watch.ErrWatcherTooSlow) {
		t.Fatalf("slow watcher got %d messages, err %v", count, slow.Err())
	}
}

func TestStopEndsWatchers(t *testing.T) {
	n, stop := newTestNode(t, t.TempDir())
	_, sub, err := n.Watch(watch.Query{})
	if err != nil {
		t.Fatal(err)
	}
	stop()
	for range sub.C {
	}
	if !errors.Is(sub.Err(), ErrStopped) {
		t.Fatalf("err %v, want ErrStopped", sub.Err())
	}
	if _, err := n.Say(context.Background(), "late", ""); !errors.Is(err, ErrStopped) {
		t.Fatalf("Say after stop: %v", err)
	}
}

// A follow stream that starts with the last messages (tail -f -n 0) and is
// dropped before it showed any resumes after what was stored when it
// began, not from the start: it shows every later message once, in order,
// and none of the earlier ones. (It is dropped while it reads the history:
// more than a watcher's buffer is said meanwhile.)
func TestFollowResumesAfterWhatWasStoredAtItsStart(t *testing.T) {
	n, _ := newTestNode(t, t.TempDir())
	for _, text := range []string{"old 1", "old 2"} {
		if _, err := n.Say(context.Background(), text, ""); err != nil {
			t.Fatal(err)
		}
	}
	start := n.Status().LastSeq
	const count = watch.Buffer + 50
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n.afterSubscribe = func() {
		var results []<-chan SayResult
		for i := range count {
			c, err := n.SayAsync(ctx, fmt.Sprintf("new %d", i), "")
			if err != nil {
				t.Error(err)
				return
			}
			results = append(results, c)
		}
		for _, c := range results {
			if r := <-c; r.Err != nil {
				t.Error(r.Err)
				return
			}
		}
	}
	backlog, f, err := n.Follow(watch.Query{N: 0})
	n.afterSubscribe = nil
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if len(backlog) != 0 {
		t.Fatalf("backlog %d messages, want none", len(backlog))
	}
	for i := range count {
		m, err := f.Next(ctx)
		if err != nil {
			t.Fatalf("after %d messages: %v", i, err)
		}
		if m.Seq != start+1+uint64(i) || m.Text != fmt.Sprintf("new %d", i) {
			t.Fatalf("message %d is #%d %q, want #%d %q", i, m.Seq, m.Text, start+1+uint64(i), fmt.Sprintf("new %d", i))
		}
	}
	if m, ok := f.Ready(); ok {
		t.Fatalf("and then #%d %q", m.Seq, m.Text)
	}
}

// SayMany queues its messages in order, in one hand-off, and stops at the
// first refused: those before it are said, those after it are not.
func TestSayManyStopsAtTheFirstRefused(t *testing.T) {
	n, _ := newTestNode(t, t.TempDir())
	cs, err := n.SayMany(context.Background(), []SayRequest{{Text: "one"}, {Text: "two"}, {Text: "bad\x1b"}, {Text: "four"}})
	var input *InputError
	if !errors.As(err, &input) || len(cs) != 2 {
		t.Fatalf("SayMany: %d queued, err %v; want 2 and an InputError", len(cs), err)
	}
	var last uint64
	for i, c := range cs {
		r := <-c
		if r.Err != nil || r.Receipt.Seq <= last {
			t.Fatalf("message %d: %+v after seq %d", i+1, r, last)
		}
		last = r.Receipt.Seq
	}
	var texts []string
	for _, m := range n.History(watch.Query{N: 10}) {
		if m.Kind == chat.KindChat {
			texts = append(texts, m.Text)
		}
	}
	if want := []string{"one", "two"}; !slices.Equal(texts, want) {
		t.Fatalf("history %q, want %q", texts, want)
	}
}
