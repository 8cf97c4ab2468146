package transport

import "time"

// Flush waits until every queued frame has been written to its connection,
// or timeout passes; it reports whether everything went out. A node calls
// it before stopping so its last messages (a leave) are not lost.
func (t *Transport) Flush(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if t.allIdle() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (t *Transport) allIdle() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range t.peers {
		if !p.q.idle() {
			return false
		}
	}
	return true
}
