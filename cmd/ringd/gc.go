package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is ringd's GOGC unless the environment sets one. Between
// collections the heap may grow to three times what is live instead of
// two: under load that cuts the collector's share of the CPU by about half
// for a few MB more (docs/PERFORMANCE.md). An idle daemon's heap is small
// either way.
const gcPercent = 200

// tuneGC applies gcPercent unless GOGC is set.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
