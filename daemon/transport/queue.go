package transport

import "sync"

// queue holds the encoded frames waiting for one peer's writer. Unlike a
// channel it costs nothing until used, and the writer takes everything
// queued in one step.
type queue struct {
	mu     sync.Mutex
	frames [][]byte
	max    int
	ready  chan struct{} // signalled after a push; capacity 1
	busy   int           // frames taken by the writer and not yet flushed
}

func newQueue(max int) *queue {
	return &queue{max: max, ready: make(chan struct{}, 1)}
}

// push appends f, or reports false if max frames are already waiting.
func (q *queue) push(f []byte) bool {
	q.mu.Lock()
	if len(q.frames) >= q.max {
		q.mu.Unlock()
		return false
	}
	q.frames = append(q.frames, f)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return true
}

// take returns every waiting frame and keeps spare (emptied) as the storage
// for the next ones, so two slices alternate without reallocating.
func (q *queue) take(spare [][]byte) [][]byte {
	clear(spare)
	q.mu.Lock()
	out := q.frames
	q.frames = spare[:0]
	q.busy = len(out)
	q.mu.Unlock()
	return out
}

// written marks the frames of the last take as flushed to the connection.
func (q *queue) written() {
	q.mu.Lock()
	q.busy = 0
	q.mu.Unlock()
}

// idle says whether nothing waits or is being written.
func (q *queue) idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.frames) == 0 && q.busy == 0
}
