package watch

// DropAll ends every subscription as too slow, as Publish does with a
// watcher whose buffer is full; what is buffered is still delivered.
func (h *Hub) DropAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		h.dropLocked(sub, ErrWatcherTooSlow)
	}
}

// MaxResumes is maxResumes, for the tests of package watch_test.
const MaxResumes = maxResumes
