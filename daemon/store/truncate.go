package store

import (
	"bytes"
	"fmt"
)

// TruncateAfter removes the sequenced messages above seq, for a history
// that diverged from the leader's, and returns them in order so the caller
// can resubmit its own. Direct messages stored after seq are kept, in their
// order, after the message at seq. LastSeq becomes seq (if it was higher),
// LastEpoch the epoch of seq, and the epochs that started after seq leave
// the epoch table. Each origin of a cut message goes back, in the origins
// table, to the counter just below its first cut message (and leaves the
// table at 0). Cutting below the floor, into history that retention removed
// or that came before StartAfter, is an error: the epoch there is unknown,
// so Reset instead.
func (s *Store) TruncateAfter(seq uint64) ([]Record, error) {
	var cut []Record
	err := s.do(
		func(w *txn) error {
			if seq < w.t.floorSeq {
				return fmt.Errorf("store: cannot truncate after seq %d: the history up to seq %d is not held (retention removed it, or it came before StartAfter); reset instead", seq, w.t.floorSeq)
			}
			return nil
		},
		func(w *txn) error {
			cut = nil
			if seq >= w.t.lastSeq {
				return nil
			}
			var err error
			cut, err = w.truncateAfter(seq)
			return err
		})
	if err != nil {
		return nil, err
	}
	return cut, nil
}

func (w *txn) truncateAfter(seq uint64) ([]Record, error) {
	type record struct{ k, v []byte }
	var after []record
	sub := uint64(1) // arrival counter of direct messages at seq
	c := w.msgs.Cursor()
	var before []byte // the last key at or below (seq, any)
	if k, _ := c.Seek(msgKey(seq+1, 0)); k == nil {
		before, _ = c.Last()
	} else {
		before, _ = c.Prev()
	}
	if before != nil {
		if pos, s := splitKey(before); pos == seq {
			sub = s + 1
		}
	}
	for k, v := c.Seek(msgKey(seq+1, 0)); k != nil; k, v = c.Next() {
		after = append(after, record{bytes.Clone(k), bytes.Clone(v)})
	}

	var cut []Record
	for _, r := range after {
		if err := w.msgs.Delete(r.k); err != nil {
			return nil, err
		}
		if _, s := splitKey(r.k); s != 0 {
			if err := w.msgs.Put(msgKey(seq, sub), r.v); err != nil {
				return nil, err
			}
			sub++
			continue
		}
		m, err := decode(r.v)
		if err != nil {
			return nil, fmt.Errorf("store: truncate after seq %d: %w", seq, err)
		}
		cut = append(cut, m)
		w.t.count--
	}
	w.cutOrigins(cut)
	if err := w.cutEpochs(seq); err != nil {
		return nil, err
	}
	if err := w.cutViews(seq); err != nil {
		return nil, err
	}
	if w.t.commit > seq { // only after an operator forced a new view (ring.HistoryYielded)
		w.t.commit = seq
		if err := w.meta.Put(keyCommit, u64(seq)); err != nil {
			return nil, err
		}
	}
	w.t.lastSeq, w.t.nextSub = seq, sub
	w.t.lastEpoch = w.t.floorEpoch // seq is the floor, or there is an epoch left
	if table := w.table(); len(table) > 0 {
		w.t.lastEpoch = table[len(table)-1].epoch
	} else {
		w.t.firstSeq = 0
	}
	return cut, nil
}

// Reset forgets the whole history, direct messages, the epoch table, the
// floor and the origins table included. Node state and the outbox stay.
func (s *Store) Reset() error {
	return s.do(nil, func(w *txn) error {
		for _, name := range []string{bucketMsgs, bucketEpochs, bucketOrigins, bucketViews} {
			if err := w.tx.Bucket(name).Clear(); err != nil {
				return err
			}
		}
		if err := w.meta.Delete(keyFloorSeq); err != nil {
			return err
		}
		if err := w.meta.Delete(keyFloorEpoch); err != nil {
			return err
		}
		if err := w.meta.Delete(keyCommit); err != nil {
			return err
		}
		w.t = tip{nextSub: 1, lamport: w.t.lamport} // a clock does not go back
		w.origins = nil
		return nil
	})
}
