// Package lamport implements a Lamport logical clock: every local event ticks
// it, every received message moves it past the sender's time.
package lamport

import "sync"

// Clock is a Lamport clock safe for concurrent use. The zero value starts at 0.
type Clock struct {
	mu sync.Mutex
	t  uint64
}

// Now returns the current time without advancing it.
func (c *Clock) Now() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Tick advances the clock for a local event (such as sending) and returns the new time.
func (c *Clock) Tick() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t++
	return c.t
}

// Observe merges a received timestamp: the clock becomes max(local, received)+1.
func (c *Clock) Observe(received uint64) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if received > c.t {
		c.t = received
	}
	c.t++
	return c.t
}
