// Package watch hands the node's committed messages to the watchers that
// follow them (tail -f, chat): each gets a buffered channel, and one that
// falls behind is dropped, never waited for. A Follower goes on past such a
// drop: it reads what it missed from the history and hands on one stream
// with no gap and no message twice, so the local API only encodes.
package watch

import (
	"errors"
	"log/slog"
	"sync"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/idset"
)

// Buffer is how many messages a watcher may fall behind before it is dropped.
const Buffer = 1024

// ErrWatcherTooSlow ends a subscription whose reader fell behind.
var ErrWatcherTooSlow = errors.New("watcher dropped: it did not keep up with the chat")

// Query selects stored messages: the last N, or with HasSince those after Since.
type Query struct {
	N        int
	Since    uint64
	HasSince bool
}

// History reads the stored messages matching q that may be shown (the
// node's committed history). The store answers Since with the sequenced
// messages above it and the direct messages (seq 0) stored after it.
type History func(q Query) []chat.Message

// Hub is the set of watchers of one node. Its methods are safe for
// concurrent use; Publish never blocks.
type Hub struct {
	read   History
	buffer int
	log    *slog.Logger

	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	stopped error // the reason every subscription ended; nil while open
}

// New makes a hub that reads backlogs with read and gives each watcher
// buffer messages of room (0 = Buffer).
func New(read History, buffer int, log *slog.Logger) *Hub {
	if buffer <= 0 {
		buffer = Buffer
	}
	return &Hub{read: read, buffer: buffer, log: log, subs: map[*Subscription]struct{}{}}
}

// Watch returns the stored messages matching q and, atomically with them, a
// subscription to every later message, so a watcher sees each message once.
//
// The history is read without the hub's lock held: a long read (a `tail
// --since 0` of a large history) must not stall the node, which takes that
// lock to publish. Messages published meanwhile wait in the subscription's
// pending list and are handed on after the read, less those it returned.
func (h *Hub) Watch(q Query) ([]chat.Message, *Subscription, error) {
	return h.watch(q, 0, idset.New(maxDirects))
}

// watch is Watch for a watcher that has the sequenced messages up to after
// and the direct messages in directs already: the backlog leaves them out,
// and the subscription records in directs the direct messages it hands out
// with the backlog. directs is guarded by the hub's mu.
func (h *Hub) watch(q Query, after uint64, directs *idset.Set) ([]chat.Message, *Subscription, error) {
	h.mu.Lock()
	if h.stopped != nil {
		h.mu.Unlock()
		return nil, nil, h.stopped
	}
	sub := newSubscription(h, after, directs)
	h.subs[sub] = struct{}{}
	h.mu.Unlock()

	read := h.read(q)

	h.mu.Lock()
	defer h.mu.Unlock()
	backlog := read[:0]
	for _, m := range read {
		if !sub.skips(m.Seq, m.ID) {
			backlog = append(backlog, m)
			sub.handedOut(m.Seq, m.ID)
		}
	}
	pending := sub.pending
	sub.loading, sub.pending = false, nil
	if _, open := h.subs[sub]; open { // not dropped or ended meanwhile
		for _, m := range pending {
			if !sub.skips(m.Seq, m.ID) {
				sub.ch <- m // fits: pending holds at most the buffer
			}
		}
	}
	return backlog, sub, nil
}

// Publish hands m to every watcher without ever blocking: a watcher whose
// buffer is full is dropped with ErrWatcherTooSlow.
func (h *Hub) Publish(msg chat.Message) {
	m := published(msg)
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		if sub.loading {
			if len(sub.pending) < h.buffer {
				sub.pending = append(sub.pending, m)
				continue
			}
			h.dropLocked(sub, ErrWatcherTooSlow)
			h.log.Warn("dropped a watcher whose history read took too long", "seq", m.Seq)
			continue
		}
		if sub.skips(m.Seq, m.ID) {
			continue
		}
		select {
		case sub.ch <- m:
		default:
			h.dropLocked(sub, ErrWatcherTooSlow)
			h.log.Warn("dropped a slow watcher", "seq", m.Seq)
		}
	}
}

// Stop ends every subscription with err (nil: ErrClosed) and refuses new
// ones with it.
func (h *Hub) Stop(err error) {
	if err == nil {
		err = ErrClosed
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = err
	for sub := range h.subs {
		h.dropLocked(sub, err)
	}
}

// Len is how many watchers follow now.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (h *Hub) dropLocked(sub *Subscription, err error) {
	delete(h.subs, sub)
	sub.end(err)
}

func (h *Hub) remove(sub *Subscription) {
	h.mu.Lock()
	delete(h.subs, sub)
	h.mu.Unlock()
}
