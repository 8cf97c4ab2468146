package store

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/internal/testutil"
)

func wantOrigins(t testing.TB, s *Store, want map[string]uint64) {
	t.Helper()
	got := s.Origins()
	if got == nil {
		t.Fatal("Origins() = nil")
	}
	if want == nil {
		want = map[string]uint64{}
	}
	if !maps.Equal(got, want) {
		t.Errorf("Origins() = %v, want %v", got, want)
	}
}

func TestOriginsAppend(t *testing.T) {
	for _, c := range []struct {
		name    string
		appends [][]Record // one Append each
		want    map[string]uint64
	}{
		{"empty", nil, nil},
		{"one origin, one Append", [][]Record{{fromMsg(1, 1, "a", 1), fromMsg(2, 1, "a", 2), fromMsg(3, 1, "a", 3)}},
			map[string]uint64{"a": 3}},
		{"origins interleaved over Appends", [][]Record{
			{fromMsg(1, 1, "a", 1), fromMsg(2, 1, "b", 1)},
			{fromMsg(3, 1, "b", 2)},
			{fromMsg(4, 2, "a", 2), fromMsg(5, 2, "c", 7)},
		}, map[string]uint64{"a": 2, "b": 2, "c": 7}},
		{"counter past 2^32", [][]Record{{fromMsg(1, 1, "a", 4294967301)}}, map[string]uint64{"a": 4294967301}},
		{"counters above 10 compare as numbers", [][]Record{{fromMsg(1, 1, "a", 9), fromMsg(2, 1, "a", 10)}},
			map[string]uint64{"a": 10}},
		{"direct messages do not count", [][]Record{{directMsg("n2/5", base), fromMsg(1, 1, "a", 1)}},
			map[string]uint64{"a": 1}},
		{"origin id with a slash", [][]Record{{fromMsg(1, 1, "x/y", 5)}},
			map[string]uint64{"x/y": 5}},
		// (Records of earlier versions whose ids do not parse read with
		// counter 0: TestLegacyCounter.)
		{"counter 0 and no origin contribute nothing", [][]Record{{
			fromMsg(1, 1, "a", 1),
			fromMsg(2, 1, "a", 0),
			fromMsg(3, 1, "b", 0),
			fromMsg(4, 1, "", 8),
		}}, map[string]uint64{"a": 1}},
		{"origin ids too long for a key are skipped, the rest stored", [][]Record{{
			fromMsg(1, 1, strings.Repeat("z", 40000), 3),
			fromMsg(2, 1, "a", 2),
		}}, map[string]uint64{"a": 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := tempPath(t)
			s := openAt(t, path, Options{})
			for _, msgs := range c.appends {
				mustAppend(t, s, msgs...)
			}
			wantOrigins(t, s, c.want)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openAt(t, path, Options{})
			wantOrigins(t, s, c.want)
		})
	}
}

// A refused Append leaves the origins table alone.
func TestOriginsRefusedAppend(t *testing.T) {
	s := openAt(t, tempPath(t), Options{})
	mustAppend(t, s, fromMsg(1, 1, "a", 1))
	if err := s.Append(fromMsg(2, 1, "b", 4), fromMsg(4, 1, "a", 9)); err == nil {
		t.Fatal("a gap was accepted")
	}
	wantOrigins(t, s, map[string]uint64{"a": 1})
}

// Origins is a copy: changing it changes nothing stored.
func TestOriginsCopy(t *testing.T) {
	s := openAt(t, tempPath(t), Options{})
	mustAppend(t, s, fromMsg(1, 1, "a", 1))
	got := s.Origins()
	got["a"], got["b"] = 50, 60
	wantOrigins(t, s, map[string]uint64{"a": 1})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wantOrigins(t, s, nil) // a closed store reads as empty, not nil
}

func TestOriginsTruncate(t *testing.T) {
	// a/1 b/1 a/2 c/1 d a/3 b/2 a/0 e/5 at seqs 1..8 ("d" is direct, a/0
	// has no counter, e's earlier messages were not appended here)
	history := []Record{
		fromMsg(1, 1, "a", 1), fromMsg(2, 1, "b", 1), fromMsg(3, 1, "a", 2), fromMsg(4, 2, "c", 1),
		directMsg("d/4", base),
		fromMsg(5, 2, "a", 3), fromMsg(6, 2, "b", 2), fromMsg(7, 3, "a", 0), fromMsg(8, 3, "e", 5),
	}
	full := map[string]uint64{"a": 3, "b": 2, "c": 1, "e": 5}
	for _, c := range []struct {
		after uint64
		want  map[string]uint64
	}{
		{9, full},
		{8, full},
		{7, map[string]uint64{"a": 3, "b": 2, "c": 1, "e": 4}}, // e's first cut counter is 5
		{6, map[string]uint64{"a": 3, "b": 2, "c": 1, "e": 4}}, // a/0 counts for nothing
		{5, map[string]uint64{"a": 3, "b": 1, "c": 1, "e": 4}}, // b/2 cut
		{4, map[string]uint64{"a": 2, "b": 1, "c": 1, "e": 4}}, // a/3 cut; the direct message is kept
		{3, map[string]uint64{"a": 2, "b": 1, "e": 4}},         // c/1 cut: c leaves
		{2, map[string]uint64{"a": 1, "b": 1, "e": 4}},         // a/2 cut
		{1, map[string]uint64{"a": 1, "e": 4}},                 // b/1 cut: b leaves
		{0, map[string]uint64{"e": 4}},                         // every origin's first message cut
	} {
		t.Run(fmt.Sprintf("after %d", c.after), func(t *testing.T) {
			path := tempPath(t)
			s := openAt(t, path, Options{})
			mustAppend(t, s, history...)
			if _, err := s.TruncateAfter(c.after); err != nil {
				t.Fatal(err)
			}
			wantOrigins(t, s, c.want)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openAt(t, path, Options{})
			wantOrigins(t, s, c.want)
		})
	}
}

// Retention removes messages, never origins; Reset clears them.
func TestOriginsRetentionAndReset(t *testing.T) {
	path := tempPath(t)
	clk := testutil.NewClock(base)
	opts := Options{RetainCount: 2, RetainAge: time.Hour, Now: clk.Now}
	s := openAt(t, path, opts)
	mustAppend(t, s, fromMsg(1, 1, "a", 1), fromMsg(2, 1, "b", 1), fromMsg(3, 1, "a", 2))
	mustAppend(t, s, fromMsg(4, 1, "c", 9))
	wantLabels(t, "Last(-1)", s.Last(-1), "3", "4")
	want := map[string]uint64{"a": 2, "b": 1, "c": 9}
	wantOrigins(t, s, want)

	clk.Add(24 * time.Hour)
	if n, err := s.Prune(); n != 2 || err != nil {
		t.Fatalf("Prune = %d, %v, want 2 removed", n, err)
	}
	wantLabels(t, "Last(-1)", s.Last(-1))
	wantOrigins(t, s, want)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, opts)
	wantOrigins(t, s, want)

	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	wantOrigins(t, s, nil)
	mustAppend(t, s, fromMsg(1, 1, "d", 1))
	wantOrigins(t, s, map[string]uint64{"d": 1})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, opts)
	wantOrigins(t, s, map[string]uint64{"d": 1})
}

// In one group commit the table follows the writes in order: a truncation
// lowers what an earlier Append of the same transaction raised, a later
// Append raises it again from there, and readers see none of it before
// the commit.
func TestOriginsGroupCommit(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{})
	mustAppend(t, s, fromMsg(1, 1, "a", 1), fromMsg(2, 1, "a", 2), fromMsg(3, 1, "b", 1), fromMsg(4, 1, "a", 3))
	before := map[string]uint64{"a": 3, "b": 1}
	commits := s.commits.Load()

	release := blockCommitter(t, s)
	results := []<-chan error{
		s.AppendAsync(fromMsg(5, 1, "a", 4), fromMsg(6, 1, "c", 1)),
		s.AppendAsync(fromMsg(8, 1, "d", 9)), // refused: a gap
	}
	truncated := make(chan error, 1)
	go func() {
		_, err := s.TruncateAfter(2) // cuts b/1, a/3, a/4, c/1
		truncated <- err
	}()
	waitQueued(s, 3)
	results = append(results, s.AppendAsync(fromMsg(3, 2, "a", 3), fromMsg(4, 2, "e", 2)))
	for i, r := range results {
		pending(t, fmt.Sprintf("write %d", i), r)
	}
	wantOrigins(t, s, before)

	release()
	for i, want := range []bool{true, false, true} {
		if err := <-results[i]; (err == nil) != want {
			t.Errorf("write %d: %v", i, err)
		}
	}
	if err := <-truncated; err != nil {
		t.Fatal(err)
	}
	if n := s.commits.Load() - commits; n != 2 {
		t.Fatalf("the writes took %d commits, want the held one and one more", n)
	}
	want := map[string]uint64{"a": 3, "e": 2}
	wantOrigins(t, s, want)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, Options{})
	wantOrigins(t, s, want)
}

// A Reset drops what earlier writes of its transaction put in the table.
func TestOriginsResetInGroup(t *testing.T) {
	s := openAt(t, tempPath(t), Options{})
	mustAppend(t, s, fromMsg(1, 1, "a", 1))
	release := blockCommitter(t, s)
	appended := s.AppendAsync(fromMsg(2, 1, "b", 1))
	reset := make(chan error, 1)
	go func() { reset <- s.Reset() }()
	waitQueued(s, 2)
	after := s.AppendAsync(fromMsg(1, 2, "c", 4))
	release()
	for _, r := range []<-chan error{appended, reset, after} {
		if err := <-r; err != nil {
			t.Fatal(err)
		}
	}
	wantOrigins(t, s, map[string]uint64{"c": 4})
}
