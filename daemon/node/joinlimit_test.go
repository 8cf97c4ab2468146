package node

import (
	"testing"
	"time"
)

func TestJoinLimiter(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	l := newJoinLimiter(2, 3) // 2 per second after a burst of 3
	steps := []struct {
		ms     int
		ok     bool
		report int
	}{
		{0, true, 0}, {0, true, 0}, {0, true, 0}, // the burst
		{0, false, 1},   // the first drop is reported at once
		{100, false, 0}, // later ones wait for the next report
		{200, false, 0},
		{500, true, 0}, // a token every 500ms
		{600, false, 0},
		{1000, true, 0},
		{1001, false, 4}, // a second after the first report: the drops since
		{1002, false, 0},
		{2500, true, 0}, // refilled by 1.5s of quiet: three tokens
		{2500, true, 0},
		{2500, true, 0},
		{2500, false, 2},
	}
	for i, s := range steps {
		ok, report := l.allow(at(s.ms))
		if ok != s.ok || report != s.report {
			t.Fatalf("step %d at %dms: allow = %v, %d; want %v, %d", i, s.ms, ok, report, s.ok, s.report)
		}
	}
}
