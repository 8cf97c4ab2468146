package ipc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/daemon/watch"
)

// fakeNode answers like a node of a ring of one, without a ring: say
// succeeds unless the text is refused, join is refused or held (hold).
type fakeNode struct {
	mu  sync.Mutex
	seq uint64
	hub *watch.Hub // its watchers, reading backlog
	// see holdJoins
	hold, entered chan struct{}
	// broken makes Members panic.
	broken atomic.Bool
}

func newFakeNode() *fakeNode {
	f := &fakeNode{}
	f.hub = watch.New(f.backlog, 0, slog.New(slog.DiscardHandler))
	return f
}

var fakeSelf = chat.NodeRef{ID: "00000000000000aa", Name: "alice", Addr: "127.0.0.1:7733"}

func (f *fakeNode) Status() chat.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return chat.Status{ID: fakeSelf.ID, Name: fakeSelf.Name, Addr: fakeSelf.Addr, State: chat.StateMember,
		Leader: fakeSelf, Epoch: 1, Prev: fakeSelf, Next: fakeSelf, Members: 1, LastSeq: f.seq, Lamport: f.seq}
}

func (f *fakeNode) Members() []chat.Member {
	if f.broken.Load() {
		panic("members are broken")
	}
	return []chat.Member{{ID: fakeSelf.ID, Name: fakeSelf.Name, Addr: fakeSelf.Addr, Role: chat.RoleLeader, State: chat.PresenceAlive}}
}

func (f *fakeNode) Join(ctx context.Context, addr string) (chat.Status, error) {
	if !strings.Contains(addr, ":") {
		return chat.Status{}, &node.InputError{Field: "address", Problem: "want host:port"}
	}
	f.mu.Lock()
	hold, entered := f.hold, f.entered
	f.mu.Unlock()
	if hold != nil {
		close(entered)
		select {
		case <-hold:
		case <-ctx.Done():
			return chat.Status{}, ctx.Err()
		}
	}
	return f.Status(), nil
}

// holdJoins makes the next Join close entered and wait for release (once).
func (f *fakeNode) holdJoins() (entered <-chan struct{}, release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hold, f.entered = make(chan struct{}), make(chan struct{})
	return f.entered, func() { close(f.hold) }
}

func (f *fakeNode) Leave(ctx context.Context) (chat.Status, error) {
	st := f.Status()
	st.State = chat.StateDetached
	return st, nil
}

func (f *fakeNode) Reform(ctx context.Context) (chat.Status, error) {
	return chat.Status{}, fmt.Errorf("%w: the node is member, not in no-quorum", node.ErrRefused)
}

func (f *fakeNode) Say(ctx context.Context, text, to string) (chat.Receipt, error) {
	c, err := f.SayAsync(ctx, text, to)
	if err != nil {
		return chat.Receipt{}, err
	}
	res := <-c
	return res.Receipt, res.Err
}

func (f *fakeNode) SayAsync(ctx context.Context, text, to string) (<-chan node.SayResult, error) {
	if err := chat.CheckText(text); err != nil {
		return nil, &node.InputError{Field: "text", Problem: err.Error()}
	}
	if to != "" {
		return nil, errors.New("direct messages: not implemented yet")
	}
	c := make(chan node.SayResult, 1)
	if strings.HasPrefix(text, "queued") { // as a node without quorum answers
		c <- node.SayResult{Err: &node.NoQuorumError{ID: fakeSelf.ID + "/" + text, Reachable: 2, Members: 5, Quorum: 3}}
		return c, nil
	}
	f.mu.Lock()
	f.seq++
	rc := chat.Receipt{Seq: f.seq, Lamport: f.seq, ID: fakeSelf.ID + "/" + text}
	f.mu.Unlock()
	c <- node.SayResult{Receipt: rc}
	return c, nil
}

// backlog is the history of the fake: the last 50 messages said at most.
func (f *fakeNode) backlog(q watch.Query) []chat.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var backlog []chat.Message
	for seq := max(1, f.seq-min(f.seq, 49)); seq <= f.seq; seq++ {
		if q.HasSince && seq <= q.Since {
			continue
		}
		backlog = append(backlog, fakeMessage(seq, "earlier"))
	}
	if !q.HasSince && len(backlog) > q.N {
		backlog = backlog[len(backlog)-q.N:]
	}
	return backlog
}

func (f *fakeNode) Follow(q watch.Query) ([]chat.Message, *watch.Follower, error) {
	return f.hub.Follow(q, f.Status().LastSeq)
}

// publish hands m to every watcher.
func (f *fakeNode) publish(m chat.Message) { f.hub.Publish(m) }

func (f *fakeNode) watchers() int { return f.hub.Len() }

func fakeMessage(seq uint64, text string) chat.Message {
	return chat.Message{Seq: seq, Epoch: 1, Lamport: seq, ID: fakeSelf.ID + "/x", Kind: chat.KindChat,
		From: fakeSelf, Text: text, Time: time.Unix(0, 0).UTC()}
}

// serveFake starts the API over a fake node on a temp socket; adjust may
// change the server's limits before it starts.
func serveFake(t testing.TB, adjust func(*limits)) (sock string, f *fakeNode) {
	return serveFakeLogged(t, slog.New(slog.DiscardHandler), adjust)
}

func serveFakeLogged(t testing.TB, logger *slog.Logger, adjust func(*limits)) (sock string, f *fakeNode) {
	t.Helper()
	sock = filepath.Join(shortDir(t), "ringd.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	f = newFakeNode()
	s := newServer(f, logger)
	if adjust != nil {
		adjust(&s.lim)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return sock, f
}

// SayMany is SayAsync for each, stopping at the first refused, as the node does.
func (f *fakeNode) SayMany(ctx context.Context, reqs []node.SayRequest) ([]<-chan node.SayResult, error) {
	var out []<-chan node.SayResult
	for _, r := range reqs {
		c, err := f.SayAsync(ctx, r.Text, r.To)
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
	return out, nil
}
