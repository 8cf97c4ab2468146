package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/transport"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/internal/testutil"
	"github.com/ringchat/ring/protocol"
)

const limitsWait = 20 * time.Second

// startNode runs a node with opts on a loopback port and a fresh data dir,
// and waits until it leads its own ring.
func startNode(t *testing.T, opts Options) *Node {
	t.Helper()
	opts.Listen = "127.0.0.1:0"
	opts.DataDir = t.TempDir()
	n, _ := runTestNode(t, opts)
	testutil.WaitFor(t, limitsWait, "the node founds its ring", func() bool { return n.Status().LastSeq > 0 })
	return n
}

func info(r chat.NodeRef) protocol.NodeInfo {
	return protocol.NodeInfo{ID: r.ID, Name: r.Name, Addr: r.Addr}
}

// fakePeer is a bare transport on loopback that speaks for a node of its own.
type fakePeer struct {
	tr   *transport.Transport
	info protocol.NodeInfo
}

// newFakePeer starts a transport with the given id. With run unset it never
// accepts: a peer that dials it completes TCP in the listen backlog and then
// waits forever for the handshake, as with a hung process.
func newFakePeer(t *testing.T, id string, run bool) *fakePeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePeer{info: protocol.NodeInfo{ID: id, Name: "fake-" + id[:4], Addr: ln.Addr().String()}}
	p.tr = transport.New(ln, transport.Options{Self: p.info})
	ctx, cancel := context.WithCancel(context.Background())
	if !run {
		cancel() // Run, at cleanup, then only releases what Send started
	}
	done := make(chan struct{})
	start := func() { _ = p.tr.Run(ctx); close(done) }
	if run {
		go start()
	}
	t.Cleanup(func() {
		cancel()
		if !run {
			go start()
		}
		<-done
	})
	return p
}

// awaitJoinReply reads what p receives until a JoinReply from `from`.
func (p *fakePeer) awaitJoinReply(t *testing.T, from string) protocol.JoinReply {
	t.Helper()
	deadline := time.After(limitsWait)
	for {
		select {
		case in := <-p.tr.Receive():
			if r, ok := in.Msg.(protocol.JoinReply); ok && in.Header.From == from {
				return r
			}
		case <-deadline:
			t.Fatal("no JoinReply")
		}
	}
}

func TestSayUsesConfiguredTextLimit(t *testing.T) {
	small := startNode(t, Options{Settings: Settings{Name: "small", Limits: Limits{MaxText: 10}}})
	if _, err := small.Say(context.Background(), strings.Repeat("x", 10), ""); err != nil {
		t.Fatalf("Say at the limit: %v", err)
	}
	_, err := small.Say(context.Background(), strings.Repeat("x", 11), "")
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "message of 11 bytes, the limit is 10 (limits.max_text") {
		t.Fatalf("Say over the limit: err = %v, want an InputError naming limits.max_text", err)
	}

	dflt := startNode(t, Options{Settings: Settings{Name: "default"}})
	if _, err := dflt.Say(context.Background(), strings.Repeat("x", chat.DefaultMaxText), ""); err != nil {
		t.Fatalf("Say at the default limit: %v", err)
	}
	if _, err := dflt.Say(context.Background(), strings.Repeat("x", chat.DefaultMaxText+1), ""); !errors.As(err, &ie) {
		t.Fatalf("Say over the default limit: err = %v, want InputError", err)
	}

	big := startNode(t, Options{Settings: Settings{Name: "big", Limits: Limits{MaxText: chat.MaxText, MaxFrame: 16 << 20}}})
	if _, err := big.Say(context.Background(), strings.Repeat("x", chat.MaxText), ""); err != nil {
		t.Fatalf("Say at the protocol limit: %v", err)
	}
}

// Join requests beyond limits.join_rate never reach the ring machine: with
// the node's clock standing still, only the burst is answered; once the
// clock moves on, the next request is.
func TestJoinRequestsOverRateAreDropped(t *testing.T) {
	clk := testutil.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	logs := &testutil.SyncBuffer{}
	leader := startNode(t, Options{
		Settings: Settings{Name: "leader", Limits: Limits{JoinRate: 1, JoinBurst: 1}},
		Now:      clk.Now,
		Logger:   slog.New(slog.NewJSONHandler(logs, nil)),
	})
	lead := info(leader.Self())
	joiner := newFakePeer(t, "f00df00df00df00d", true)
	join := func() { joiner.tr.Send(lead, 1, 0, protocol.JoinRequest{Node: joiner.info}) }

	join()
	if r := joiner.awaitJoinReply(t, lead.ID); !r.OK {
		t.Fatalf("first join refused: %+v", r)
	}
	join()
	join()
	testutil.WaitFor(t, limitsWait, "two join requests dropped", func() bool { return leader.joinsDropped.Load() == 2 })
	if n := strings.Count(logs.String(), "dropping join requests over limits.join_rate"); n != 1 {
		t.Errorf("%d log records about dropped joins, want 1 (at most one a second):\n%s", n, logs)
	}

	clk.Add(time.Second)
	join()
	// Replies travel on one connection in order: one to a dropped request
	// would have come first.
	if r := joiner.awaitJoinReply(t, lead.ID); !r.OK {
		t.Fatalf("join after the rate refilled refused: %+v", r)
	}
	if got := leader.joinsDropped.Load(); got != 2 {
		t.Fatalf("%d join requests dropped, want 2", got)
	}
}

// A member that stops reading (here: it never completes a handshake) fills
// its queue at the leader; the leader drops it, repairs the ring around it,
// and keeps sequencing for the others all along.
func TestStuckMemberDroppedLeaderGoesOn(t *testing.T) {
	const queue = 16
	logs := &testutil.SyncBuffer{}
	slow := Options{Settings: Settings{HeartbeatInterval: 100 * time.Millisecond, FailureTimeout: time.Minute}}
	aOpts := slow
	aOpts.Name, aOpts.Limits.PeerQueue = "a", queue
	aOpts.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := startNode(t, aOpts)
	bOpts := slow
	bOpts.Name = "b"
	b := startNode(t, bOpts)
	if _, err := b.Join(context.Background(), a.Self().Addr); err != nil {
		t.Fatal(err)
	}

	stuck := newFakePeer(t, "5ee55ee55ee55ee5", false)
	stuck.tr.Send(info(a.Self()), 1, 0, protocol.JoinRequest{Node: stuck.info})
	testutil.WaitFor(t, limitsWait, "the stuck node is admitted", func() bool { return a.Status().Members == 3 })

	var said []string
	for i := range 4 * queue {
		text := fmt.Sprintf("message %d", i)
		from := a
		if i%2 == 1 {
			from = b // through the leader and back
		}
		ctx, cancel := context.WithTimeout(context.Background(), limitsWait)
		_, err := from.Say(ctx, text, "")
		cancel()
		if err != nil {
			t.Fatalf("say %d through %s with a stuck member: %v", i, from.Self().Name, err)
		}
		said = append(said, text)
	}
	testutil.WaitFor(t, limitsWait, "the ring repaired around the stuck node", func() bool {
		return a.Status().Members == 2 && b.Status().Members == 2 && b.Status().Next.ID == a.Self().ID
	})
	if !strings.Contains(logs.String(), "queue full") {
		t.Errorf("the stuck node was not dropped for its queue; leader's log:\n%s", logs)
	}

	rc, err := b.Say(context.Background(), "after", "")
	if err != nil {
		t.Fatalf("say after the repair: %v", err)
	}
	testutil.WaitFor(t, limitsWait, "b stores what was said after the repair", func() bool { return b.Status().LastSeq >= rc.Seq })
	got := map[string]bool{}
	for _, m := range b.History(watch.Query{N: 1000}) {
		got[m.Text] = true
	}
	for _, text := range append(said, "after") {
		if !got[text] {
			t.Fatalf("b's history lacks %q", text)
		}
	}
}
