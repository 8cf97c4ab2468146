// Package history stores the delivered chat messages of a node in sequence
// order and answers the queries of `ringctl tail`.
package history

import (
	"fmt"
	"sync"

	"github.com/ringchat/ring/daemon/chat"
)

// Memory is an in-memory history that keeps the most recent limit messages
// (up to a quarter more between trims). It is safe for concurrent use.
type Memory struct {
	mu    sync.RWMutex
	limit int
	msgs  []chat.Message
}

// NewMemory returns an empty history that keeps at most limit messages (limit <= 0 means 10000).
func NewMemory(limit int) *Memory {
	if limit <= 0 {
		limit = 10000
	}
	return &Memory{limit: limit}
}

// Append stores m. Sequenced messages must arrive in order: m.Seq must be
// exactly one past the last stored sequence number.
func (h *Memory) Append(m chat.Message) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m.Seq != 0 {
		if last := h.lastSeqLocked(); m.Seq != last+1 {
			return fmt.Errorf("history: message seq %d does not follow last seq %d", m.Seq, last)
		}
	}
	h.msgs = append(h.msgs, m)
	// Trim in batches: copying the whole window on every append would make
	// each message cost O(limit).
	if len(h.msgs) >= h.limit+h.limit/4+1 {
		h.msgs = append(h.msgs[:0:0], h.msgs[len(h.msgs)-h.limit:]...)
	}
	return nil
}

// LastSeq returns the highest stored sequence number, 0 if none.
func (h *Memory) LastSeq() uint64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.lastSeqLocked()
}

func (h *Memory) lastSeqLocked() uint64 {
	for i := len(h.msgs) - 1; i >= 0; i-- {
		if h.msgs[i].Seq != 0 {
			return h.msgs[i].Seq
		}
	}
	return 0
}

// Last returns the most recent n messages, oldest first.
func (h *Memory) Last(n int) []chat.Message {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if n < 0 || n > len(h.msgs) {
		n = len(h.msgs)
	}
	return append([]chat.Message(nil), h.msgs[len(h.msgs)-n:]...)
}

// Since returns the messages stored after sequence number seq, oldest first.
// Unsequenced (direct) messages are included when they were stored after the
// last message at or below seq.
func (h *Memory) Since(seq uint64) []chat.Message {
	h.mu.RLock()
	defer h.mu.RUnlock()
	start := 0
	for i := len(h.msgs) - 1; i >= 0; i-- {
		if h.msgs[i].Seq != 0 && h.msgs[i].Seq <= seq {
			start = i + 1
			break
		}
	}
	return append([]chat.Message(nil), h.msgs[start:]...)
}

// LastEpoch returns the epoch of the last sequenced message, 0 if none.
func (h *Memory) LastEpoch() uint64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for i := len(h.msgs) - 1; i >= 0; i-- {
		if h.msgs[i].Seq != 0 {
			return h.msgs[i].Epoch
		}
	}
	return 0
}

// After returns up to max sequenced messages with sequence numbers above seq.
func (h *Memory) After(seq uint64, max int) []chat.Message {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []chat.Message
	for _, m := range h.msgs {
		if m.Seq > seq {
			out = append(out, m)
			if len(out) == max {
				break
			}
		}
	}
	return out
}

// Reset forgets every message.
func (h *Memory) Reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = nil
}
