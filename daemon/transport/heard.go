package transport

import (
	"sync"
	"sync/atomic"
	"time"
)

// lastFrame is one inbound connection's latest frame: who sent it and when
// it was read off the connection.
type lastFrame struct {
	from atomic.Pointer[string]
	at   atomic.Int64 // Unix nanoseconds
}

func (f *lastFrame) note(from string) {
	if p := f.from.Load(); p == nil || *p != from {
		f.from.Store(&from)
	}
	f.at.Store(time.Now().UnixNano())
}

// heardTable holds the lastFrame of every open inbound connection.
type heardTable struct {
	mu    sync.Mutex
	conns map[*lastFrame]struct{}
}

func (h *heardTable) open() *lastFrame {
	f := &lastFrame{}
	h.mu.Lock()
	if h.conns == nil {
		h.conns = map[*lastFrame]struct{}{}
	}
	h.conns[f] = struct{}{}
	h.mu.Unlock()
	return f
}

func (h *heardTable) close(f *lastFrame) {
	h.mu.Lock()
	delete(h.conns, f)
	h.mu.Unlock()
}

// HeardSince lists the senders of frames read off inbound connections
// since t, whether or not Receive has handed those frames out yet. Under
// load a peer's frames may wait in the receive queue for a while; it is
// alive all the same. The list has one entry per open connection at most.
func (t *Transport) HeardSince(since time.Time) []string {
	after := since.UnixNano()
	t.heard.mu.Lock()
	defer t.heard.mu.Unlock()
	var ids []string
	for f := range t.heard.conns {
		if p := f.from.Load(); p != nil && f.at.Load() >= after {
			ids = append(ids, *p)
		}
	}
	return ids
}
