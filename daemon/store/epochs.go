package store

import (
	"bytes"

	"github.com/ringchat/ring/daemon/store/kv"
)

// The epoch table maps each epoch present in the retained history to its
// first sequence number (Kafka's leader-epoch cache). Retention moves the
// oldest entry up to the oldest retained message.

// EpochStart returns the first retained sequence number of epoch.
func (s *Store) EpochStart(epoch uint64) (firstSeq uint64, ok bool) {
	s.view(func(tx *kv.Tx) {
		if v := tx.Bucket(bucketEpochs).Get(u64(epoch)); v != nil {
			firstSeq, ok = getU64(v), true
		}
	})
	return firstSeq, ok
}

// EpochEnd answers "where did my history leave epoch E": the last sequence
// number of a message with an epoch <= epoch, 0 when there is none. It is
// exact for the retained history and for the floor (the message retention
// removed last, or StartAfter's seq and epoch); ok is false only when the
// answer lies further back, behind the floor.
func (s *Store) EpochEnd(epoch uint64) (lastSeq uint64, ok bool) {
	s.view(func(tx *kv.Tx) {
		t := readTip(tx)
		if epoch >= t.lastEpoch {
			lastSeq, ok = t.lastSeq, true
			return
		}
		c := tx.Bucket(bucketEpochs).Cursor()
		first, _ := c.First()
		next, start := c.Seek(u64(epoch + 1))
		switch {
		case next != nil && !bytes.Equal(next, first):
			lastSeq, ok = getU64(start)-1, true
		case t.floorSeq == 0: // nothing removed: the history starts at 1
			lastSeq, ok = 0, true
		case epoch >= t.floorEpoch: // the floor is the message just before
			lastSeq, ok = t.floorSeq, true
		}
		// Otherwise no retained epoch starts after epoch: as epoch is below
		// LastEpoch, nothing is retained and all is behind the floor.
	})
	return lastSeq, ok
}

type epochEntry struct{ epoch, start uint64 }

// table reads the whole epoch table: one entry an election, so it is short.
func (w *txn) table() []epochEntry {
	var out []epochEntry
	c := w.epochs.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		out = append(out, epochEntry{getU64(k), getU64(v)})
	}
	return out
}

// epochOf returns the epoch of a retained sequenced message.
func (w *txn) epochOf(seq uint64) uint64 {
	var epoch uint64
	for _, e := range w.table() {
		if e.start <= seq {
			epoch = e.epoch
		}
	}
	return epoch
}

// trimEpochs drops the epochs that ended before first, the oldest retained
// sequenced message (0: there is none), and moves the start of the epoch
// holding it up to it.
func (w *txn) trimEpochs(first uint64) error {
	table := w.table()
	hold := len(table) // with no message left, every epoch goes
	if first != 0 {
		hold = -1
		for i, e := range table {
			if e.start <= first {
				hold = i
			}
		}
	}
	for _, e := range table[:max(hold, 0)] {
		if err := w.epochs.Delete(u64(e.epoch)); err != nil {
			return err
		}
	}
	if hold >= 0 && hold < len(table) && table[hold].start < first {
		return w.epochs.Put(u64(table[hold].epoch), u64(first))
	}
	return nil
}

// cutEpochs drops the epochs that start after seq.
func (w *txn) cutEpochs(seq uint64) error {
	for _, e := range w.table() {
		if e.start > seq {
			if err := w.epochs.Delete(u64(e.epoch)); err != nil {
				return err
			}
		}
	}
	return nil
}
