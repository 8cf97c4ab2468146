package store

import (
	"bytes"
	"time"
)

// ageEvery spaces retention by age: it reads records, count retention does not.
const ageEvery = time.Minute

// Prune applies retention by count and by age now and returns how many
// messages it removed. Appends apply it too: by count whenever the history
// is over it, by age at most once every minute.
func (s *Store) Prune() (removed int, err error) {
	err = s.do(nil, func(w *txn) error {
		n, err := w.retain(true)
		removed = n
		return err
	})
	if err != nil {
		return 0, err
	}
	return removed, nil
}

// retain removes the oldest messages while there are more than RetainCount
// or, when age is due (or forced), while they are older than RetainAge.
// Removal stops at the first message young enough: the history is a log,
// and a message stamped by a slow clock does not punch a hole in it.
func (w *txn) retain(force bool) (int, error) {
	o := w.s.opts
	over := 0
	if o.RetainCount > 0 && w.t.count > o.RetainCount {
		over = w.t.count - o.RetainCount
	}
	var cutoff time.Time
	byAge := false
	if now := o.Now(); o.RetainAge > 0 && (force || now.Sub(w.s.agedAt) >= ageEvery) {
		w.s.agedAt = now
		cutoff, byAge = now.Add(-o.RetainAge), true
	}
	if over == 0 && !byAge {
		return 0, nil
	}

	var drop [][]byte
	var floor uint64        // the last sequenced message removed
	c := w.msgs.KeyCursor() // by count no value is read; by age only those it weighs
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if pos, sub := splitKey(k); o.KeepUncommitted && sub == 0 && pos > w.t.commit {
			break // not committed: no majority may hold it yet, and this node must keep it
		}
		if len(drop) >= over {
			if !byAge {
				break
			}
			if tm, err := decodeTime(w.msgs.Get(k)); err != nil || !tm.Before(cutoff) {
				break
			}
		}
		drop = append(drop, bytes.Clone(k))
		if pos, sub := splitKey(k); sub == 0 {
			floor = pos
		}
	}
	if len(drop) == 0 {
		return 0, nil
	}
	for _, k := range drop {
		if err := w.msgs.Delete(k); err != nil {
			return 0, err
		}
	}
	w.t.count -= len(drop)
	if floor > 0 {
		if err := w.setFloor(floor, w.epochOf(floor)); err != nil {
			return 0, err
		}
		w.t.firstSeq = 0
		if w.t.lastSeq > floor {
			w.t.firstSeq = floor + 1
		}
		if err := w.trimEpochs(w.t.firstSeq); err != nil {
			return 0, err
		}
		if err := w.trimViews(floor); err != nil {
			return 0, err
		}
	}
	w.s.log.Debug("store: retention removed messages", "removed", len(drop), "first_seq", w.t.firstSeq, "count", w.t.count)
	return len(drop), nil
}

// setFloor records the last sequenced message that is no longer retained.
func (w *txn) setFloor(seq, epoch uint64) error {
	w.t.floorSeq, w.t.floorEpoch = seq, epoch
	if err := w.meta.Put(keyFloorSeq, u64(seq)); err != nil {
		return err
	}
	return w.meta.Put(keyFloorEpoch, u64(epoch))
}
