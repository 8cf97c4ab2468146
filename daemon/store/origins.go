package store

import "github.com/ringchat/ring/daemon/store/kv"

// The origins table keeps, for every origin node, the highest origin
// counter of a sequenced message ever appended. Retention leaves it alone:
// a node rebuilds its duplicate filter from it after a restart even when
// the messages themselves are gone. Only TruncateAfter lowers it, and
// Reset clears it.

// Origins returns a copy of the committed origins table: origin node id →
// highest counter of its sequenced messages. It is never nil.
func (s *Store) Origins() map[string]uint64 {
	out := map[string]uint64{}
	s.view(func(tx *kv.Tx) {
		_ = tx.Bucket(bucketOrigins).ForEach(func(k, v []byte) error {
			out[string(k)] = getU64(v)
			return nil
		})
	})
	return out
}

// originOf names the origin and counter of a sequenced record. ok is false
// for a direct message, for counter 0 (none), and for an origin that is no
// valid key (a bad entry would fail the whole transaction).
func originOf(m Record) (origin string, counter uint64, ok bool) {
	return originOfSeq(m.Seq, m.OriginID, m.OriginCounter)
}

func originOfSeq(seq uint64, id string, counter uint64) (string, uint64, bool) {
	if seq == 0 || counter == 0 || id == "" || len(id) > kv.MaxKeySize {
		return "", 0, false
	}
	return id, counter, true
}

// origin returns the table entry as this transaction has it so far.
func (w *txn) origin(id string) uint64 {
	if c, ok := w.origins[id]; ok {
		return c
	}
	return getU64(w.tx.Bucket(bucketOrigins).Get([]byte(id)))
}

// setOrigin changes an entry; flushOrigins writes it. 0 deletes it.
func (w *txn) setOrigin(id string, counter uint64) {
	if w.origins == nil {
		w.origins = map[string]uint64{}
	}
	w.origins[id] = counter
}

// noteOrigins raises the entries for appended messages.
func (w *txn) noteOrigins(msgs []appended) {
	for _, m := range msgs {
		if id, c, ok := originOfSeq(m.seq, m.origin, m.counter); ok && c > w.origin(id) {
			w.setOrigin(id, c)
		}
	}
}

// cutOrigins lowers the entries of the origins of cut (sequenced messages
// removed from the end of the log) to just below their smallest cut
// counter: an origin's counters are contiguous along a log, so that is the
// highest one left.
func (w *txn) cutOrigins(cut []Record) {
	lowest := map[string]uint64{}
	for _, m := range cut {
		if id, c, ok := originOf(m); ok {
			if low, seen := lowest[id]; !seen || c < low {
				lowest[id] = c
			}
		}
	}
	for id, c := range lowest {
		w.setOrigin(id, c-1)
	}
}

// flushOrigins writes the entries the transaction changed, one write each.
func (w *txn) flushOrigins() error {
	b := w.tx.Bucket(bucketOrigins)
	for id, c := range w.origins {
		var err error
		if c == 0 {
			err = b.Delete([]byte(id))
		} else {
			err = b.Put([]byte(id), u64(c))
		}
		if err != nil {
			return err
		}
	}
	w.origins = nil
	return nil
}
