//go:build race

package ring_test

// raceEnabled: the race detector slows the simulator about tenfold, so the
// heaviest tests run fewer seeds under it (the full counts run without it).
const raceEnabled = true
