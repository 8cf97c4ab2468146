package store

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// item is outbox item id of ring, its message told apart by text.
func item(id uint64, ring, text string) OutboxItem {
	m := seqMsg(0, 0)
	m.OriginCounter, m.Text = id, text
	return OutboxItem{ID: id, Ring: ring, Msg: m}
}

func wantOutbox(t testing.TB, s *Store, want ...OutboxItem) {
	t.Helper()
	got, err := s.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Errorf("Outbox =\n%+v\nwant\n%+v", got, want)
	}
}

func TestOutbox(t *testing.T) {
	type op struct {
		put    *OutboxItem // else delete
		delete uint64
	}
	put := func(it OutboxItem) op { return op{put: &it} }
	del := func(id uint64) op { return op{delete: id} }
	for _, c := range []struct {
		name string
		ops  []op
		want []OutboxItem
	}{
		{"empty", nil, nil},
		{"ordered by id as a number", []op{
			put(item(3, "r1", "c")), put(item(1, "r1", "a")), put(item(300, "r2", "e")), put(item(2, "r1", "b")),
			put(item(1<<40, "r2", "f")),
		}, []OutboxItem{item(1, "r1", "a"), item(2, "r1", "b"), item(3, "r1", "c"), item(300, "r2", "e"), item(1<<40, "r2", "f")}},
		{"put replaces ring and message", []op{put(item(5, "r1", "old")), put(item(5, "r2", "new"))},
			[]OutboxItem{item(5, "r2", "new")}},
		{"delete", []op{put(item(1, "r1", "a")), put(item(2, "r1", "b")), del(1), del(99)},
			[]OutboxItem{item(2, "r1", "b")}},
		{"id 0 and an empty ring", []op{put(item(0, "", "z"))}, []OutboxItem{item(0, "", "z")}},
		{"put after delete", []op{put(item(4, "r1", "a")), del(4), put(item(4, "r3", "b"))},
			[]OutboxItem{item(4, "r3", "b")}},
	} {
		for _, async := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/async=%v", c.name, async), func(t *testing.T) {
				path := tempPath(t)
				s := openAt(t, path, Options{})
				var results []<-chan error
				for _, o := range c.ops {
					var err error
					switch {
					case o.put != nil && async:
						results = append(results, s.OutboxPutAsync(*o.put))
					case o.put != nil:
						err = s.OutboxPut(*o.put)
					case async:
						results = append(results, s.OutboxDeleteAsync(o.delete))
					default:
						err = s.OutboxDelete(o.delete)
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				for _, r := range results {
					if err := <-r; err != nil {
						t.Fatal(err)
					}
				}
				wantOutbox(t, s, c.want...)
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				s = openAt(t, path, Options{})
				wantOutbox(t, s, c.want...)
			})
		}
	}
}

// Async writes return before they are durable, are not visible before,
// and apply in submission order within one transaction.
func TestOutboxAsyncOrder(t *testing.T) {
	s := openAt(t, tempPath(t), Options{})
	if err := s.OutboxPut(item(1, "r1", "first")); err != nil {
		t.Fatal(err)
	}
	release := blockCommitter(t, s)
	results := []<-chan error{
		s.OutboxDeleteAsync(1),
		s.OutboxPutAsync(item(1, "r1", "again")),
		s.OutboxPutAsync(item(2, "r1", "gone")),
		s.OutboxDeleteAsync(2),
		s.OutboxPutAsync(item(3, "r1", "x")),
		s.OutboxPutAsync(item(3, "r2", "y")),
	}
	for i, r := range results {
		pending(t, fmt.Sprintf("write %d", i), r)
	}
	wantOutbox(t, s, item(1, "r1", "first"))
	release()
	for i, r := range results {
		if err := <-r; err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	wantOutbox(t, s, item(1, "r1", "again"), item(3, "r2", "y"))

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]<-chan error{
		"OutboxPutAsync":    s.OutboxPutAsync(item(9, "r1", "late")),
		"OutboxDeleteAsync": s.OutboxDeleteAsync(1),
	} {
		if err := <-r; !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

func TestOutboxReplace(t *testing.T) {
	for _, c := range []struct {
		name        string
		before, put []OutboxItem
		want        []OutboxItem
	}{
		{"into empty", nil, []OutboxItem{item(2, "r1", "b"), item(1, "r1", "a")}, []OutboxItem{item(1, "r1", "a"), item(2, "r1", "b")}},
		{"removes all before", []OutboxItem{item(1, "r1", "a"), item(7, "r1", "g")}, []OutboxItem{item(7, "r2", "G"), item(8, "r2", "h")},
			[]OutboxItem{item(7, "r2", "G"), item(8, "r2", "h")}},
		{"with nothing empties it", []OutboxItem{item(1, "r1", "a")}, nil, nil},
		{"the last of one id stays", nil, []OutboxItem{item(4, "r1", "x"), item(4, "r1", "y")}, []OutboxItem{item(4, "r1", "y")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := tempPath(t)
			s := openAt(t, path, Options{})
			for _, it := range c.before {
				if err := s.OutboxPut(it); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.OutboxReplace(c.put); err != nil {
				t.Fatal(err)
			}
			wantOutbox(t, s, c.want...)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openAt(t, path, Options{})
			wantOutbox(t, s, c.want...)
			// The outbox still takes single writes.
			if err := s.OutboxPut(item(100, "r9", "after")); err != nil {
				t.Fatal(err)
			}
			wantOutbox(t, s, append(c.want, item(100, "r9", "after"))...)
		})
	}
}

// Replace shares a transaction with writes queued around it, in order.
func TestOutboxReplaceQueued(t *testing.T) {
	s := openAt(t, tempPath(t), Options{})
	release := blockCommitter(t, s)
	before := s.OutboxPutAsync(item(1, "r1", "dropped"))
	replaced := make(chan error, 1)
	go func() { replaced <- s.OutboxReplace([]OutboxItem{item(2, "r1", "kept")}) }()
	waitQueued(s, 2)
	after := s.OutboxPutAsync(item(3, "r1", "added"))
	release()
	for _, r := range []<-chan error{before, replaced, after} {
		if err := <-r; err != nil {
			t.Fatal(err)
		}
	}
	wantOutbox(t, s, item(2, "r1", "kept"), item(3, "r1", "added"))
}
