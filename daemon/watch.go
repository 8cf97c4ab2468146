package daemon

import (
	"sync"

	"github.com/ringchat/ring/daemon/chat"
)

// WatchBuffer is how many messages a watcher may fall behind before it is dropped.
const WatchBuffer = 1024

// Query selects stored messages: the last N, or with HasSince those after Since.
type Query struct {
	N        int
	Since    uint64
	HasSince bool
}

// Subscription delivers new messages to one watcher. C is closed when the
// watcher is dropped, closed, or the node stops; Err then says why.
type Subscription struct {
	C <-chan chat.Message

	ch   chan chat.Message
	node *Node
	once sync.Once
	mu   sync.Mutex
	err  error
	// after: the last seq handed out with the stored messages (Watch), and
	// the direct messages (seq 0) among them.
	after   uint64
	directs map[string]bool
	// While Watch reads the history (loading), what is published waits in
	// pending. Both are guarded by the node's mu.
	loading bool
	pending []chat.Message
}

// skips says whether m was handed out with the stored messages already.
func (s *Subscription) skips(m chat.Message) bool {
	return (m.Seq != 0 && m.Seq <= s.after) || (m.Seq == 0 && s.directs[m.ID])
}

// Err is the reason C was closed, nil while it is open or after Close.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close stops the subscription.
func (s *Subscription) Close() {
	s.node.mu.Lock()
	delete(s.node.watchers, s)
	s.node.mu.Unlock()
	s.end(nil)
}

func (s *Subscription) end(err error) {
	s.once.Do(func() {
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(s.ch)
	})
}

// History returns stored messages matching q, up to the commit point:
// what a majority does not hold yet is not shown (it may still be cut).
func (n *Node) History(q Query) []chat.Message {
	n.mu.Lock()
	shown := n.status.CommitSeq
	n.mu.Unlock()
	if q.HasSince {
		return committedOnly(messagesOf(n.st.Since(q.Since)), shown)
	}
	k := q.N // negative: all of them
	if last := n.st.LastSeq(); k >= 0 && last > shown {
		k += int(last - shown) // the uncommitted ones are dropped below
	}
	msgs := committedOnly(messagesOf(n.st.Last(k)), shown)
	if q.N >= 0 && len(msgs) > q.N {
		msgs = msgs[len(msgs)-q.N:]
	}
	return msgs
}

// committedOnly drops the sequenced messages above shown; direct messages
// (seq 0) are peer to peer and never wait for a commit.
func committedOnly(msgs []chat.Message, shown uint64) []chat.Message {
	out := msgs[:0]
	for _, m := range msgs {
		if m.Seq == 0 || m.Seq <= shown {
			out = append(out, m)
		}
	}
	return out
}

// Watch returns the stored messages matching q and, atomically with them, a
// subscription to every later message, so a follower sees each message once.
//
// The history is read without the node's lock held: a long read (a `tail
// --since 0` of a large history) must not stall the node, which takes that
// lock to publish. Messages published meanwhile wait in the subscription's
// pending list and are handed on after the read, less those it returned.
func (n *Node) Watch(q Query) ([]chat.Message, *Subscription, error) {
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return nil, nil, ErrStopped
	}
	ch := make(chan chat.Message, WatchBuffer)
	sub := &Subscription{C: ch, ch: ch, node: n, loading: true}
	n.watchers[sub] = struct{}{}
	n.mu.Unlock()

	if n.afterSubscribe != nil {
		n.afterSubscribe()
	}
	hist := n.History(q)

	n.mu.Lock()
	defer n.mu.Unlock()
	for _, m := range hist {
		sub.after = max(sub.after, m.Seq)
		if m.Seq == 0 {
			if sub.directs == nil {
				sub.directs = map[string]bool{}
			}
			sub.directs[m.ID] = true
		}
	}
	pending := sub.pending
	sub.loading, sub.pending = false, nil
	if _, open := n.watchers[sub]; open { // not dropped or ended meanwhile
		for _, m := range pending {
			if !sub.skips(m) {
				sub.ch <- m // fits: pending holds at most WatchBuffer
			}
		}
	}
	return hist, sub, nil
}

// publishLocked hands m to every watcher without ever blocking: a watcher
// whose buffer is full is dropped. n.mu must be held.
func (n *Node) publishLocked(m chat.Message) {
	for sub := range n.watchers {
		if sub.loading {
			if len(sub.pending) < WatchBuffer {
				sub.pending = append(sub.pending, m)
				continue
			}
			delete(n.watchers, sub)
			sub.end(ErrWatcherTooSlow)
			n.log.Warn("dropped a watcher whose history read took too long", "seq", m.Seq)
			continue
		}
		if sub.skips(m) {
			continue
		}
		select {
		case sub.ch <- m:
		default:
			delete(n.watchers, sub)
			sub.end(ErrWatcherTooSlow)
			n.log.Warn("dropped a slow watcher", "seq", m.Seq)
		}
	}
}
