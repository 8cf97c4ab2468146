package store

import (
	"fmt"

	"github.com/ringchat/ring/daemon/store/kv"
)

// StartAfter makes an empty history begin after seq, in epoch: for a node
// that joins a ring whose leader's retention already removed the start of
// the history. seq and epoch become the floor, as if retention had removed
// everything up to seq: LastSeq is seq, LastEpoch epoch, FirstSeq 0, and
// the next Append must continue at seq+1 in an epoch of at least epoch.
// Direct messages already stored stay, before it. origins (may be nil)
// raises the origins table: the counters of the history it will not hold;
// members (may be nil) is the membership in force at seq.
// It is an error once the history holds a sequenced message or LastSeq is
// above 0.
func (s *Store) StartAfter(seq, epoch uint64, origins map[string]uint64, members []Node) error {
	return s.do(
		func(w *txn) error {
			if w.t.lastSeq != 0 || w.t.firstSeq != 0 {
				return fmt.Errorf("store: cannot start after seq %d: the history already reaches seq %d", seq, w.t.lastSeq)
			}
			return nil
		},
		func(w *txn) error {
			if err := w.setFloor(seq, epoch); err != nil {
				return err
			}
			w.t.lastSeq, w.t.lastEpoch, w.t.firstSeq, w.t.nextSub = seq, epoch, 0, 1
			// Everything up to the floor is committed, and the membership
			// in force there is known.
			w.t.commit = seq
			if err := w.meta.Put(keyCommit, u64(seq)); err != nil {
				return err
			}
			if len(members) > 0 {
				if err := w.putView(seq, members); err != nil {
					return err
				}
			}
			for id, c := range origins {
				if id != "" && len(id) <= kv.MaxKeySize && c > w.origin(id) {
					w.setOrigin(id, c)
				}
			}
			return nil
		})
}

// Floor is the last sequence number (and its epoch) no longer held:
// removed by retention or skipped by StartAfter; 0, 0 if the history
// starts at 1.
func (s *Store) Floor() (seq, epoch uint64) {
	t := s.tip.Load()
	return t.floorSeq, t.floorEpoch
}
