package ipc

import (
	"context"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/daemon/chat"
)

// historyNode is a fake node with a history and watchers that behave like
// node.Node's: watch answers from the history the way daemon/store does
// (Last, and Since with the direct messages in place), atomically with a
// subscription that skips what the answer held; publish stores a message,
// then hands it to every watcher, and a watcher whose buffer is full is
// dropped with node.ErrWatcherTooSlow. With block set, publish waits for
// room instead (the benchmark measures the stream, not the drops).
type historyNode struct {
	*fakeNode

	mu      sync.Mutex
	hist    []stored
	lastSeq uint64
	subs    map[*historySub]struct{}
	buffer  int
	block   bool
	stopped bool
	queries []node.Query // every watch, in order
}

// stored is one message of the history at its place: a sequenced message at
// its seq, a direct one at the last seq when it arrived (daemon/store keys).
type stored struct {
	pos uint64
	m   chat.Message
}

func newHistoryNode(buffer int) *historyNode {
	return &historyNode{fakeNode: newFakeNode(), subs: map[*historySub]struct{}{}, buffer: buffer}
}

func (h *historyNode) Status() chat.Status {
	st := h.fakeNode.Status()
	h.mu.Lock()
	defer h.mu.Unlock()
	st.LastSeq = h.lastSeq
	return st
}

func (h *historyNode) watch(q node.Query) ([]chat.Message, subscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return nil, nil, node.ErrStopped
	}
	h.queries = append(h.queries, q)
	backlog := h.historyLocked(q)
	sub := &historySub{h: h, c: make(chan chat.Message, h.buffer), directs: map[string]bool{}}
	for _, m := range backlog {
		sub.after = max(sub.after, m.Seq)
		if m.Seq == 0 {
			sub.directs[m.ID] = true
		}
	}
	h.subs[sub] = struct{}{}
	return backlog, sub, nil
}

// historyLocked is store.Last and store.Since over h.hist.
func (h *historyNode) historyLocked(q node.Query) []chat.Message {
	var out []chat.Message
	if !q.HasSince {
		for _, s := range h.hist[len(h.hist)-min(q.N, len(h.hist)):] {
			out = append(out, s.m)
		}
		return out
	}
	if len(h.hist) == 0 {
		return nil
	}
	since := min(q.Since, h.hist[len(h.hist)-1].pos)
	for _, s := range h.hist {
		if (s.m.Seq == 0 && s.pos >= since) || s.m.Seq > since {
			out = append(out, s.m)
		}
	}
	return out
}

// publish stores m (a sequenced message must follow the last one) and hands
// it to the watchers.
func (h *historyNode) publish(m chat.Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.storeLocked(m)
	for sub := range h.subs {
		if (m.Seq != 0 && m.Seq <= sub.after) || (m.Seq == 0 && sub.directs[m.ID]) {
			continue
		}
		if h.block {
			sub.c <- m
			continue
		}
		select {
		case sub.c <- m:
		default:
			delete(h.subs, sub)
			sub.end(node.ErrWatcherTooSlow)
		}
	}
}

// store adds m to the history without showing it to anyone: what a node
// stores while a watcher is dropped.
func (h *historyNode) store(msgs ...chat.Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range msgs {
		h.storeLocked(m)
	}
}

func (h *historyNode) storeLocked(m chat.Message) {
	if m.Seq != 0 {
		if m.Seq != h.lastSeq+1 {
			panic("historyNode: a gap in the sequence")
		}
		h.lastSeq = m.Seq
	}
	h.hist = append(h.hist, stored{pos: h.lastSeq, m: m})
}

// dropWatchers ends every subscription as too slow, as the node does with a
// watcher whose buffer is full; what is buffered is still delivered.
func (h *historyNode) dropWatchers() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		delete(h.subs, sub)
		sub.end(node.ErrWatcherTooSlow)
	}
}

// retain removes the oldest messages up to and including seq, as retention does.
func (h *historyNode) retain(seq uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i := 0
	for i < len(h.hist) && h.hist[i].pos <= seq {
		i++
	}
	h.hist = h.hist[i:]
}

// stop ends every subscription with node.ErrStopped and refuses new ones.
func (h *historyNode) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	for sub := range h.subs {
		delete(h.subs, sub)
		sub.end(node.ErrStopped)
	}
}

func (h *historyNode) watchers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (h *historyNode) watchQueries() []node.Query {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]node.Query(nil), h.queries...)
}

type historySub struct {
	h       *historyNode
	c       chan chat.Message
	after   uint64
	directs map[string]bool

	once sync.Once
	mu   sync.Mutex
	err  error
}

func (s *historySub) Messages() <-chan chat.Message { return s.c }

func (s *historySub) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *historySub) Close() {
	s.h.mu.Lock()
	delete(s.h.subs, s)
	s.h.mu.Unlock()
	s.end(nil)
}

func (s *historySub) end(err error) {
	s.once.Do(func() {
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(s.c)
	})
}

// serveBackend starts the API over b on a temp socket.
func serveBackend(t testing.TB, b backend, logger *slog.Logger) (sock string) {
	t.Helper()
	sock = filepath.Join(shortDir(t), "ringd.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := newServer(b, logger)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return sock
}

// chatMessage is sequenced message seq; directMessage a direct one.
func chatMessage(seq uint64) chat.Message {
	m := fakeMessage(seq, "chat message number "+strconv.FormatUint(seq, 10))
	m.ID = fakeSelf.ID + "/" + strconv.FormatUint(seq, 10)
	return m
}

func directMessage(id string) chat.Message {
	return chat.Message{Epoch: 1, Lamport: 1, ID: "00000000000000bb/d" + id, Kind: chat.KindDirect,
		From: chat.NodeRef{ID: "00000000000000bb", Name: "bob", Addr: "127.0.0.1:7734"}, To: fakeSelf.ID,
		Text: "psst " + id}
}
