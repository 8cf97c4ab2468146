package watch

import (
	"sync"

	"github.com/ringchat/ring/internal/idset"
)

// Subscription delivers new messages to one watcher. C is closed when the
// watcher is dropped, closed, or the node stops; Err then says why.
type Subscription struct {
	C <-chan Message

	ch   chan Message
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
	pending []Message
}

// maxDirects is how many of the direct messages handed out a watcher
// remembers, to skip them when they come again (a resumed stream reads
// those stored after the last sequenced message it showed).
const maxDirects = 4096

func newSubscription(h *Hub, after uint64, directs *idset.Set) *Subscription {
	ch := make(chan Message, h.buffer)
	return &Subscription{C: ch, ch: ch, hub: h, loading: true, after: after, directs: directs}
}

// handedOut records that the watcher has the message seq, id.
func (s *Subscription) handedOut(seq uint64, id string) {
	if seq == 0 {
		s.directs.Add(id)
		return
	}
	s.after = max(s.after, seq)
}

// skips says whether the watcher has the message seq, id already (or a
// later sequenced one).
func (s *Subscription) skips(seq uint64, id string) bool {
	if seq == 0 {
		return s.directs.Has(id)
	}
	return seq <= s.after
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
