package main

import "testing"

// TestJoinBurstCoversTheRing: rings up to ringd's default burst keep the
// default; larger ones get a burst above their size, so no join request is
// dropped while ringbench joins every node at once.
func TestJoinBurstCoversTheRing(t *testing.T) {
	for _, n := range []int{1, 5, defaultJoinBurst} {
		if b := joinBurst(n); b != 0 {
			t.Errorf("joinBurst(%d) = %d, want 0 (the default)", n, b)
		}
	}
	for _, n := range []int{defaultJoinBurst + 1, 50, 200} {
		if b := joinBurst(n); b < n {
			t.Errorf("joinBurst(%d) = %d, below the %d joins", n, b, n-1)
		}
	}
}
