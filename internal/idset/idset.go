// Package idset is a bounded set of message ids: it remembers the last
// ones added and forgets the oldest beyond its size. The node uses it to
// recognise a direct message it has seen already (sent again after a lost
// ack, or read again from the history by a resumed stream).
package idset

// Set holds the ids of the last Max added; the zero value is not usable,
// make one with New.
type Set struct {
	max   int
	ids   map[string]struct{}
	order []string // oldest first
}

// New makes a set that keeps the last max ids; max <= 0 keeps every id.
func New(max int) *Set { return &Set{max: max, ids: map[string]struct{}{}} }

// Has reports whether id is held.
func (s *Set) Has(id string) bool {
	_, ok := s.ids[id]
	return ok
}

// Add holds id, forgetting the oldest id if the set is full.
func (s *Set) Add(id string) {
	if s.Has(id) {
		return
	}
	s.ids[id] = struct{}{}
	s.order = append(s.order, id)
	if s.max > 0 && len(s.order) > s.max {
		delete(s.ids, s.order[0])
		s.order = s.order[1:]
	}
}

// Len is how many ids are held.
func (s *Set) Len() int { return len(s.order) }
