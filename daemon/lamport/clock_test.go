package lamport

import "testing"

func TestTickAndObserve(t *testing.T) {
	var c Clock
	if got := c.Tick(); got != 1 {
		t.Fatalf("first tick = %d, want 1", got)
	}
	if got := c.Observe(10); got != 11 {
		t.Fatalf("observe(10) from 1 = %d, want 11", got)
	}
	if got := c.Observe(3); got != 12 {
		t.Fatalf("observe(3) from 11 = %d, want 12", got)
	}
	if got := c.Now(); got != 12 {
		t.Fatalf("now = %d, want 12", got)
	}
}
