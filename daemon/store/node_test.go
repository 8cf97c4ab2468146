package store

import (
	"reflect"
	"testing"

	"github.com/ringchat/ring/daemon/chat"
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
		Members: []chat.NodeRef{{ID: "n1", Name: "ann", Addr: "127.0.0.1:7000"}, {ID: "n2", Name: "bob", Addr: "127.0.0.2:7000"}},
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

func TestOutbox(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{})
	msgs := map[uint64]chat.Message{}
	for _, c := range []uint64{3, 1, 300, 2} { // 300 sorts before 3 as text
		m := seqMsg(0, 0)
		m.Text = "outbox " + labels([]chat.Message{{Seq: c}})[0]
		msgs[c] = m
		if err := s.OutboxPut(c, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.OutboxDelete(2); err != nil {
		t.Fatal(err)
	}
	if err := s.OutboxDelete(99); err != nil {
		t.Errorf("deleting a missing counter: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, Options{})
	items, err := s.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	want := []OutboxItem{{1, msgs[1]}, {3, msgs[3]}, {300, msgs[300]}}
	if !reflect.DeepEqual(items, want) {
		t.Errorf("Outbox =\n%+v\nwant\n%+v", items, want)
	}
}
