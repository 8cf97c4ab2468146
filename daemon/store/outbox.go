package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/ringchat/ring/daemon/chat"
)

// OutboxItem is a message of this node that no leader has sequenced yet.
type OutboxItem struct {
	Counter uint64 // origin counter
	Msg     chat.Message
}

// OutboxPut stores m under its origin counter, replacing what was there.
func (s *Store) OutboxPut(counter uint64, m chat.Message) error {
	v, err := encode(m)
	if err != nil {
		return fmt.Errorf("store: outbox %d: %w", counter, err)
	}
	return s.do(nil, func(w *txn) error {
		return w.tx.Bucket(bucketOutbox).Put(u64(counter), v)
	})
}

// OutboxDelete removes the message with this origin counter, if any.
func (s *Store) OutboxDelete(counter uint64) error {
	return s.do(nil, func(w *txn) error {
		return w.tx.Bucket(bucketOutbox).Delete(u64(counter))
	})
}

// Outbox returns the unsequenced messages by ascending origin counter.
func (s *Store) Outbox() ([]OutboxItem, error) {
	var out []OutboxItem
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			m, err := decode(v)
			if err != nil {
				return fmt.Errorf("store: outbox %d: %w", getU64(k), err)
			}
			out = append(out, OutboxItem{Counter: getU64(k), Msg: m})
		}
		return nil
	})
	return out, err
}
