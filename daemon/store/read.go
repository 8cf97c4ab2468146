package store

import (
	"slices"

	"github.com/ringchat/ring/daemon/store/kv"
)

// LastSeq returns the highest durable sequence number, 0 if none. It stays
// when retention removes the message.
func (s *Store) LastSeq() uint64 { return s.tip.Load().lastSeq }

// LastEpoch returns the epoch of the message at LastSeq, 0 if none.
func (s *Store) LastEpoch() uint64 { return s.tip.Load().lastEpoch }

// FirstSeq returns the oldest retained sequenced message, 0 if none.
func (s *Store) FirstSeq() uint64 { return s.tip.Load().firstSeq }

// Last returns the most recent n messages, oldest first; n < 0 means all.
func (s *Store) Last(n int) []Record {
	var out []Record
	s.view(func(tx *kv.Tx) {
		c := tx.Bucket(bucketMsgs).Cursor()
		for k, v := c.Last(); k != nil && (n < 0 || len(out) < n); k, v = c.Prev() {
			out = s.decodeInto(out, k, v)
		}
	})
	slices.Reverse(out)
	return out
}

// Since returns the messages stored after the last sequenced message at or
// below seq, oldest first: the sequenced ones above seq and the direct ones
// that arrived after it. With no such message retained it returns all.
func (s *Store) Since(seq uint64) []Record {
	var out []Record
	s.view(func(tx *kv.Tx) {
		c := tx.Bucket(bucketMsgs).Cursor()
		last, _ := c.Last()
		if last == nil {
			return
		}
		if pos, _ := splitKey(last); seq > pos {
			seq = pos // the direct messages after the last sequenced one
		}
		for k, v := c.Seek(msgKey(seq, 1)); k != nil; k, v = c.Next() {
			out = s.decodeInto(out, k, v)
		}
	})
	return out
}

// After returns up to max sequenced messages above seq, in order; max <= 0
// means no limit.
func (s *Store) After(seq uint64, max int) []Record {
	var out []Record
	s.view(func(tx *kv.Tx) {
		c := tx.Bucket(bucketMsgs).Cursor()
		for k, v := c.Seek(msgKey(seq+1, 0)); k != nil && (max <= 0 || len(out) < max); k, v = c.Next() {
			if _, sub := splitKey(k); sub == 0 {
				out = s.decodeInto(out, k, v)
			}
		}
	})
	return out
}

// view runs fn on what is durable.
func (s *Store) view(fn func(tx *kv.Tx)) {
	_ = s.db.View(func(tx *kv.Tx) error { fn(tx); return nil })
}

// decodeInto appends the message stored under k. A record that does not
// decode is logged and skipped: one bad record must not hide the history.
func (s *Store) decodeInto(out []Record, k, v []byte) []Record {
	if v == nil {
		return out // pruned after this read began (kv.DB.read)
	}
	m, err := decode(v)
	if err != nil {
		pos, sub := splitKey(k)
		s.log.Error("store: undecodable message skipped", "pos", pos, "sub", sub, "err", err)
		return out
	}
	return append(out, m)
}
