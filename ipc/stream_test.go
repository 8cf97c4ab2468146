package ipc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/daemon/watch/watchtest"
	"github.com/ringchat/ring/internal/testutil"
	"github.com/ringchat/ring/ipc/client"
)

// follower runs client.Messages in the background and collects what it shows.
type follower struct {
	mu   sync.Mutex
	got  []chat.Message
	done chan error
	// ended: the stream ended (before the test cancelled it), with err.
	ended bool
	err   error
	// gate, when set, holds the client before it takes each message after
	// the first: it stops reading until the gate is closed.
	gate chan struct{}
}

func follow(ctx context.Context, sock string, q client.Query, gate chan struct{}) *follower {
	f := &follower{done: make(chan error, 1), gate: gate}
	go func() {
		var err error
		defer func() {
			f.mu.Lock()
			f.ended, f.err = true, err
			f.mu.Unlock()
			f.done <- err
		}()
		err = client.New(sock).Messages(ctx, q, func(m chat.Message) error {
			f.mu.Lock()
			f.got = append(f.got, m)
			n := len(f.got)
			f.mu.Unlock()
			if f.gate != nil && n > 1 {
				select {
				case <-f.gate:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
	}()
	return f
}

func (f *follower) messages() []chat.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chat.Message(nil), f.got...)
}

// waitCount waits until the follower has shown n messages; waitSeq until
// it has shown seq. Both fail at once if the stream ends before.
func (f *follower) waitCount(t *testing.T, n int, what string) {
	t.Helper()
	f.wait(t, what, func(got []chat.Message) bool { return len(got) >= n })
}

func (f *follower) waitSeq(t *testing.T, seq uint64, what string) {
	t.Helper()
	f.wait(t, what, func(got []chat.Message) bool { return len(got) > 0 && got[len(got)-1].Seq >= seq })
}

func (f *follower) wait(t *testing.T, what string, done func([]chat.Message) bool) {
	t.Helper()
	testutil.WaitFor(t, 10*time.Second, what, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		if done(f.got) {
			return true
		}
		if f.ended {
			t.Fatalf("waiting for %s: the stream ended after %d messages: %v", what, len(f.got), f.err)
		}
		return false
	})
}

// A burst of messages, far more than a subscription holds, reaches the
// client complete, in order and once each, whether the stream keeps up or
// is dropped and resumed (a buffer of 8 makes that happen often).
func TestFollowStreamBurstCompleteInOrder(t *testing.T) {
	for _, buffer := range []int{watch.Buffer, 8} {
		t.Run(fmt.Sprintf("buffer=%d", buffer), func(t *testing.T) {
			h := newHistoryNode(buffer)
			h.Store(watchtest.Seqs(1, 3)...)
			sock := serveBackend(t, h, nil)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f := follow(ctx, sock, client.Query{N: 1, Follow: true}, nil)
			f.waitCount(t, 1, "the backlog")
			testutil.WaitFor(t, 5*time.Second, "the stream follows", func() bool { return h.watchers() == 1 })

			want := []chat.Message{watchtest.ChatMessage(3)}
			for seq := uint64(4); seq <= 5000; seq++ {
				m := watchtest.ChatMessage(seq)
				h.publish(m)
				want = append(want, m)
				if seq%97 == 0 {
					d := watchtest.DirectMessage(fmt.Sprint(seq))
					h.publish(d)
					want = append(want, d)
				}
			}
			f.waitCount(t, len(want), "the whole burst")
			got := f.messages()
			if watchtest.Labels(got) != watchtest.Labels(want) {
				t.Fatalf("got %d messages, want %d:\n got %s\nwant %s", len(got), len(want), watchtest.Labels(got), watchtest.Labels(want))
			}
			for i, m := range got {
				if m.Text != want[i].Text || m.ID != want[i].ID {
					t.Fatalf("message %d = %+v, want %+v", i, m, want[i])
				}
			}
			if buffer == 8 && len(h.Queries()) < 2 {
				t.Logf("the stream kept up with a buffer of 8: no resume exercised")
			}
		})
	}
}

// serveNode starts a real node and the API, each with its own stop, and
// their logs.
func serveNode(t *testing.T) (sock string, n *node.Node, stopNode func(), nodeLogs, apiLogs *lockedBuf) {
	t.Helper()
	dir := shortDir(t)
	sock = filepath.Join(dir, "ringd.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	nodeLogs, apiLogs = &lockedBuf{}, &lockedBuf{}
	n, err = node.New(node.Options{
		Settings: node.Settings{Name: "alice", Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data")},
		Logger:   slog.New(slog.NewJSONHandler(nodeLogs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	nodeCtx, cancelNode := context.WithCancel(context.Background())
	apiCtx, cancelAPI := context.WithCancel(context.Background())
	nodeDone, apiDone := make(chan struct{}), make(chan struct{})
	go func() { defer close(nodeDone); _ = n.Run(nodeCtx) }()
	go func() {
		defer close(apiDone)
		_ = NewServer(n, slog.New(slog.NewJSONHandler(apiLogs, nil))).Serve(apiCtx, ln)
	}()
	stopNode = func() { cancelNode(); <-nodeDone }
	t.Cleanup(func() { stopNode(); cancelAPI(); <-apiDone })
	testutil.WaitFor(t, 5*time.Second, "the node founds its ring", func() bool { return n.Status().State == chat.StateMember })
	return sock, n, stopNode, nodeLogs, apiLogs
}

// sayMany says count messages with up to 256 in flight and returns the
// receipts' highest seq.
func sayMany(t *testing.T, n *node.Node, count int, text string) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	window := make(chan (<-chan node.SayResult), 256)
	errs := make(chan error, 1)
	var last uint64
	go func() {
		defer close(errs)
		for c := range window {
			res := <-c
			if res.Err != nil {
				errs <- res.Err
				return
			}
			last = max(last, res.Receipt.Seq)
		}
	}()
	for i := range count {
		c, err := n.SayAsync(ctx, fmt.Sprintf("%s %d", text, i), "")
		if err != nil {
			t.Fatal(err)
		}
		window <- c
	}
	close(window)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	return last
}

// With a real node: a client that stops reading while the chat goes on is
// dropped by the node (its buffer of watch.Buffer fills up), and when
// it reads again the stream has resumed: every message from the first on,
// once each, in order.
func TestFollowStreamResumesAfterRealDrop(t *testing.T) {
	sock, n, _, nodeLogs, _ := serveNode(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gate := make(chan struct{})
	// From the last stored message: what is said next is shown whether the
	// stream starts watching before or after it is said.
	f := follow(ctx, sock, client.Query{Since: n.Status().LastSeq, HasSince: true, Follow: true}, gate)
	first := sayMany(t, n, 1, "first")
	f.waitCount(t, 1, "the first message")

	// The client takes no more: the socket fills, then the subscription.
	// Keep saying until the node has dropped the watcher (well within the
	// stream's write deadline), then some more that it stores only.
	text := strings.Repeat("z", 2000)
	deadline := time.Now().Add(writeWait / 2)
	for !strings.Contains(nodeLogs.String(), "dropped a slow watcher") {
		if time.Now().After(deadline) {
			close(gate)
			t.Fatalf("the node did not drop the stalled watcher within %v", writeWait/2)
		}
		sayMany(t, n, 256, text)
	}
	last := sayMany(t, n, 100, "while dropped")
	close(gate)

	f.waitSeq(t, last, "every message")
	last = sayMany(t, n, 10, "after")
	f.waitSeq(t, last, "every message")
	got := f.messages()
	for len(got) > 0 && got[0].Seq < first {
		got = got[1:] // stored before (the ring's founding) as the stream began
	}
	for i, m := range got {
		if m.Seq != first+uint64(i) {
			t.Fatalf("message %d has seq %d, want %d (a gap or a duplicate); around it: %s", i, m.Seq, first+uint64(i),
				watchtest.Labels(got[max(0, i-5):min(len(got), i+5)]))
		}
	}
	if len(got) != int(last-first+1) {
		t.Fatalf("got %d messages, want %d", len(got), last-first+1)
	}
	if !strings.Contains(nodeLogs.String(), "resumed") {
		t.Fatalf("no resume logged by the node:\n%s", nodeLogs.String())
	}
	cancel()
	if err := <-f.done; !errors.Is(err, context.Canceled) {
		t.Fatalf("stream ended with %v, want it to run until cancelled", err)
	}
}

// The node stopping still ends a follow stream with its error line.
func TestFollowStreamEndsWhenNodeStops(t *testing.T) {
	sock, n, stopNode, _, _ := serveNode(t)
	f := follow(context.Background(), sock, client.Query{Since: n.Status().LastSeq, HasSince: true, Follow: true}, nil)
	last := sayMany(t, n, 3, "hello")
	f.waitSeq(t, last, "the messages")
	stopNode()
	err := receive(t, f.done, "the end of the stream")
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Message != node.ErrStopped.Error() || !errors.Is(err, client.ErrStopped) {
		t.Fatalf("stream ended with %v, want the error line %q", err, node.ErrStopped)
	}
}

// Receipts that are ready together are written together, still one per
// line in input order, and a refusal after them still ends the stream.
func TestSayStreamBatchesReceiptsInOrder(t *testing.T) {
	sock, _ := serveFake(t, nil)
	const lines = 1000
	texts := make([]string, 0, lines+2)
	for i := range lines {
		texts = append(texts, fmt.Sprintf("m%d", i))
	}
	got, err := sayStream(sock, append(texts, "bad\x1b", "never")...)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || !strings.Contains(apiErr.Message, fmt.Sprintf("line %d", lines+1)) || !errors.Is(err, client.ErrInvalidInput) {
		t.Fatalf("err %v, want a refusal naming line %d", err, lines+1)
	}
	if len(got) != lines {
		t.Fatalf("%d receipts, want %d", len(got), lines)
	}
	for i, r := range got {
		if r.Seq != uint64(i+1) || r.ID != fmt.Sprintf("%s/m%d", fakeSelf.ID, i) {
			t.Fatalf("receipt %d = %+v", i, r)
		}
	}
}

// With a real node: every line of a say stream is said once, in order,
// however the lines are batched on their way to the node (the lines that
// arrive together go in one call, and the next batch is read meanwhile).
func TestSayStreamWithARealNodeSaysEveryLine(t *testing.T) {
	sock, n, _, _, _ := serveNode(t)
	const lines = 2000
	texts := make(chan string, lines)
	for i := range lines {
		texts <- fmt.Sprintf("line %d", i)
	}
	close(texts)
	var receipts []chat.Receipt
	err := client.New(sock).SayStream(context.Background(), "", texts, func(r chat.Receipt) error {
		receipts = append(receipts, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(receipts) != lines {
		t.Fatalf("%d receipts, want %d", len(receipts), lines)
	}
	for i := 1; i < len(receipts); i++ {
		if receipts[i].Seq != receipts[i-1].Seq+1 {
			t.Fatalf("receipt %d has seq %d after %d", i, receipts[i].Seq, receipts[i-1].Seq)
		}
	}
	var got []string
	for _, m := range n.History(watch.Query{Since: receipts[0].Seq - 1, HasSince: true}) {
		got = append(got, m.Text)
	}
	if len(got) != lines {
		t.Fatalf("history holds %d of the %d lines", len(got), lines)
	}
	for i, text := range got {
		if text != fmt.Sprintf("line %d", i) {
			t.Fatalf("history line %d is %q", i, text)
		}
	}
}
