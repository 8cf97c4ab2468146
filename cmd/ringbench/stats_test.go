package main

import (
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	var s []time.Duration
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {90, 90 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}} {
		if got := percentile(s, c.p); got != c.want {
			t.Errorf("p%g of 1..100 ms = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("p99 of one sample = %v", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("p50 of none = %v", got)
	}
}

func TestDistOfSortsAndSummarises(t *testing.T) {
	samples := []time.Duration{4 * time.Millisecond, 1 * time.Millisecond, 3 * time.Millisecond, 2 * time.Millisecond, 1500 * time.Microsecond}
	d := distOf(samples)
	want := Dist{N: 5, P50: 2, P90: 4, P99: 4, Max: 4, Mean: 2.3}
	if d != want {
		t.Fatalf("distOf = %+v, want %+v", d, want)
	}
	if (distOf(nil) != Dist{}) {
		t.Fatal("distOf(nil) is not empty")
	}
}

func TestRate(t *testing.T) {
	if got := rate(30000, 1500*time.Millisecond); got != 20000 {
		t.Errorf("rate = %v, want 20000", got)
	}
	if got := rate(10, 0); got != 0 {
		t.Errorf("rate over no time = %v, want 0", got)
	}
}
