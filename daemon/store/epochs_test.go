package store

import "testing"

type epochCase struct {
	epoch, seq uint64
	ok         bool
}

func checkStarts(t *testing.T, s *Store, cases []epochCase) {
	t.Helper()
	for _, c := range cases {
		if seq, ok := s.EpochStart(c.epoch); seq != c.seq || ok != c.ok {
			t.Errorf("EpochStart(%d) = %d, %v, want %d, %v", c.epoch, seq, ok, c.seq, c.ok)
		}
	}
}

func checkEnds(t *testing.T, s *Store, cases []epochCase) {
	t.Helper()
	for _, c := range cases {
		if seq, ok := s.EpochEnd(c.epoch); seq != c.seq || ok != c.ok {
			t.Errorf("EpochEnd(%d) = %d, %v, want %d, %v", c.epoch, seq, ok, c.seq, c.ok)
		}
	}
}

func TestEpochTable(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{})
	checkEnds(t, s, []epochCase{{0, 0, true}, {4, 0, true}})

	appendRange(t, s, 1, 3, 1)
	mustAppend(t, s, directMsg("d", base)) // direct messages do not start epochs
	appendRange(t, s, 4, 6, 3)
	mustAppend(t, s, seqMsg(7, 5), seqMsg(8, 5), seqMsg(9, 5)) // one Append, one start

	starts := []epochCase{{0, 0, false}, {1, 1, true}, {2, 0, false}, {3, 4, true}, {4, 0, false}, {5, 7, true}, {6, 0, false}}
	ends := []epochCase{{0, 0, true}, {1, 3, true}, {2, 3, true}, {3, 6, true}, {4, 6, true}, {5, 9, true}, {9, 9, true}}
	checkStarts(t, s, starts)
	checkEnds(t, s, ends)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, Options{})
	checkStarts(t, s, starts)
	checkEnds(t, s, ends)
	wantTip(t, s, tipWant{9, 5, 1})
}

// A member cut off in epoch 3 that sequenced on its own must cut its log
// where the leader's history left epoch 3.
func TestEpochDivergence(t *testing.T) {
	leader := openAt(t, tempPath(t), Options{})
	member := openAt(t, tempPath(t), Options{})
	for _, s := range []*Store{leader, member} {
		appendRange(t, s, 1, 4, 1)
		appendRange(t, s, 5, 6, 3)
	}
	appendRange(t, member, 7, 9, 3) // only the member saw these
	appendRange(t, leader, 7, 8, 4)

	end, ok := leader.EpochEnd(member.LastEpoch())
	if !ok || end != 6 {
		t.Fatalf("leader EpochEnd(3) = %d, %v, want 6", end, ok)
	}
	cut, err := member.TruncateAfter(end)
	if err != nil {
		t.Fatal(err)
	}
	wantLabels(t, "cut", cut, "7", "8", "9")
	for _, m := range leader.After(member.LastSeq(), 0) {
		mustAppend(t, member, m)
	}
	wantTip(t, member, tipWant{8, 4, 1})
	checkStarts(t, member, []epochCase{{1, 1, true}, {3, 5, true}, {4, 7, true}})
}
