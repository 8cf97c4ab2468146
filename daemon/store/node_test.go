package store

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestNodeState(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{})
	if id, err := s.NodeID(); id != "" || err != nil {
		t.Errorf("NodeID of a new store = %q, %v", id, err)
	}
	if st, err := s.State(); !reflect.DeepEqual(st, State{}) || err != nil {
		t.Errorf("State of a new store = %+v, %v", st, err)
	}
	want := State{
		Epoch: 7, RingID: "ring-1", Leader: "n2", Left: true, Counter: 42,
		Members: []Node{{ID: "n1", Name: "ann", Addr: "127.0.0.1:7000"}, {ID: "n2", Name: "bob", Addr: "127.0.0.2:7000"}},
	}
	if err := s.SetNodeID("n1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveState(want); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, Options{})
	if id, err := s.NodeID(); id != "n1" || err != nil {
		t.Errorf("NodeID = %q, %v, want n1", id, err)
	}
	if st, err := s.State(); !reflect.DeepEqual(st, want) || err != nil {
		t.Errorf("State = %+v, %v, want %+v", st, err, want)
	}
}

// Async saves apply in submission order: the last one stays.
func TestSaveStateAsync(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{})
	release := blockCommitter(t, s)
	var results []<-chan error
	for e := uint64(1); e <= 5; e++ {
		r := s.SaveStateAsync(State{Epoch: e, RingID: "ring-1", Leader: fmt.Sprintf("n%d", e)})
		pending(t, fmt.Sprintf("SaveStateAsync %d", e), r)
		results = append(results, r)
	}
	if st, err := s.State(); !reflect.DeepEqual(st, State{}) || err != nil {
		t.Errorf("State before the commit = %+v, %v", st, err)
	}
	release()
	for i, r := range results {
		if err := <-r; err != nil {
			t.Errorf("SaveStateAsync %d: %v", i+1, err)
		}
	}
	want := State{Epoch: 5, RingID: "ring-1", Leader: "n5"}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-s.SaveStateAsync(want); !errors.Is(err, ErrClosed) {
		t.Errorf("SaveStateAsync after Close = %v, want ErrClosed", err)
	}
	s = openAt(t, path, Options{})
	if st, err := s.State(); !reflect.DeepEqual(st, want) || err != nil {
		t.Errorf("State = %+v, %v, want %+v", st, err, want)
	}
}
