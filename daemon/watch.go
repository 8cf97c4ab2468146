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

// History returns stored messages matching q.
func (n *Node) History(q Query) []chat.Message {
	if q.HasSince {
		return n.st.Since(q.Since)
	}
	return n.st.Last(q.N)
}

// Watch returns the stored messages matching q and, atomically with them, a
// subscription to every later message, so a follower sees each message once.
func (n *Node) Watch(q Query) ([]chat.Message, *Subscription, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return nil, nil, ErrStopped
	}
	ch := make(chan chat.Message, WatchBuffer)
	sub := &Subscription{C: ch, ch: ch, node: n}
	n.watchers[sub] = struct{}{}
	hist := n.History(q)
	// The store may already hold messages not yet published (publishing
	// follows the store's confirmation): the watcher skips those it got here.
	for _, m := range hist {
		sub.after = max(sub.after, m.Seq)
		if m.Seq == 0 {
			if sub.directs == nil {
				sub.directs = map[string]bool{}
			}
			sub.directs[m.ID] = true
		}
	}
	return hist, sub, nil
}

// publishLocked hands m to every watcher without ever blocking: a watcher
// whose buffer is full is dropped. n.mu must be held.
func (n *Node) publishLocked(m chat.Message) {
	for sub := range n.watchers {
		if (m.Seq != 0 && m.Seq <= sub.after) || (m.Seq == 0 && sub.directs[m.ID]) {
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
