package watch

import (
	"sync"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/idset"
)

// Subscription delivers new messages to one watcher. C is closed when the
// watcher is dropped, closed, or the node stops; Err then says why.
type Subscription struct {
	C <-chan chat.Message

	ch   chan chat.Message
	hub  *Hub
	once sync.Once
	mu   sync.Mutex
	err  error

	// Guarded by the hub's mu. after is the last seq the watcher has from
	// the stored messages (Watch); directs the direct messages (seq 0) it
	// has, which are not ordered by seq. While Watch reads the history
	// (loading), what is published waits in pending.
	after   uint64
	directs *idset.Set
	loading bool
	pending []chat.Message
}

// maxDirects is how many of the direct messages handed out a watcher
// remembers, to skip them when they come again (a resumed stream reads
// those stored after the last sequenced message it showed).
const maxDirects = 4096

func newSubscription(h *Hub, after uint64, directs *idset.Set) *Subscription {
	ch := make(chan chat.Message, h.buffer)
	return &Subscription{C: ch, ch: ch, hub: h, loading: true, after: after, directs: directs}
}

// handedOut records that the watcher has m.
func (s *Subscription) handedOut(m chat.Message) {
	if m.Seq == 0 {
		s.directs.Add(m.ID)
		return
	}
	s.after = max(s.after, m.Seq)
}

// skips says whether the watcher has m already (or a later sequenced one).
func (s *Subscription) skips(m chat.Message) bool {
	if m.Seq == 0 {
		return s.directs.Has(m.ID)
	}
	return m.Seq <= s.after
}

// Err is the reason C was closed, nil while it is open or after Close.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close stops the subscription.
func (s *Subscription) Close() {
	s.hub.remove(s)
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
