package idset

import (
	"strconv"
	"testing"
)

func TestSetForgetsTheOldestBeyondItsSize(t *testing.T) {
	s := New(3)
	for i := range 5 {
		s.Add(strconv.Itoa(i))
	}
	s.Add("4") // held already: nothing is forgotten
	for i, want := range []bool{false, false, true, true, true} {
		if got := s.Has(strconv.Itoa(i)); got != want {
			t.Errorf("Has(%d) = %v, want %v", i, got, want)
		}
	}
	if s.Len() != 3 {
		t.Fatalf("Len = %d, want 3", s.Len())
	}
}

func TestUnboundedSetKeepsEveryID(t *testing.T) {
	s := New(0)
	for i := range 10000 {
		s.Add(strconv.Itoa(i))
	}
	if !s.Has("0") || s.Len() != 10000 {
		t.Fatalf("Has(0) = %v, Len = %d", s.Has("0"), s.Len())
	}
}
