package store

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/ringchat/ring/daemon/store/kv"
)

// The views bucket indexes the membership messages (Record.Members)
// by sequence number, so that a node finds the membership in force at any
// point of its history, even where retention removed the messages: the
// last one at or below the floor is kept.

func (w *txn) putView(seq uint64, members []Node) error {
	v, err := json.Marshal(members)
	if err != nil {
		return err
	}
	return w.views.Put(u64(seq), v)
}

// ViewAt returns the membership in force at seq: that of the last
// membership message at or below it, and its sequence number; false if
// there is none.
func (s *Store) ViewAt(seq uint64) (members []Node, at uint64, ok bool, err error) {
	err = s.db.View(func(tx *kv.Tx) error {
		k, v := atOrBelow(tx.Bucket(bucketViews).Cursor(), seq)
		if k == nil {
			return nil
		}
		if err := json.Unmarshal(v, &members); err != nil {
			return fmt.Errorf("store: view at seq %d: %w", getU64(k), err)
		}
		at, ok = getU64(k), true
		return nil
	})
	return members, at, ok, err
}

// atOrBelow moves c to the last key at or below u64(seq); nil if none.
func atOrBelow(c *kv.Cursor, seq uint64) (k, v []byte) {
	if k, v = c.Seek(u64(seq + 1)); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// cutViews removes the views above seq (truncation).
func (w *txn) cutViews(seq uint64) error {
	var drop [][]byte
	c := w.views.Cursor()
	for k, _ := c.Seek(u64(seq + 1)); k != nil; k, _ = c.Next() {
		drop = append(drop, bytes.Clone(k))
	}
	for _, k := range drop {
		if err := w.views.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// trimViews removes the views that retention made useless: all below the
// last one at or below floor.
func (w *txn) trimViews(floor uint64) error {
	c := w.views.Cursor()
	k, _ := atOrBelow(c, floor)
	if k == nil {
		return nil
	}
	keep := getU64(k)
	var drop [][]byte
	for k, _ := c.First(); k != nil && getU64(k) < keep; k, _ = c.Next() {
		drop = append(drop, bytes.Clone(k))
	}
	for _, k := range drop {
		if err := w.views.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Commit is the commit point last stored: every sequenced message up to
// it is committed (stored by a majority of the ring) and may be shown.
func (s *Store) Commit() uint64 { return s.tip.Load().commit }

// Lamport is the highest Lamport time of any message this store has made
// durable, including those retention, a truncation or a Reset removed
// since: a restarted node's clock goes on from it. The history's last
// message need not hold it: the leader sequences what members said in the
// order it arrives, not in the order of their clocks.
func (s *Store) Lamport() uint64 { return s.tip.Load().lamport }

// SaveCommitAsync stores the commit point, behind every write submitted
// before it; it never goes back and never passes the last message stored.
func (s *Store) SaveCommitAsync(seq uint64) <-chan error {
	return s.submit(nil, func(w *txn) error {
		seq = min(seq, w.t.lastSeq)
		if seq <= w.t.commit {
			return nil
		}
		w.t.commit = seq
		return w.meta.Put(keyCommit, u64(seq))
	})
}
