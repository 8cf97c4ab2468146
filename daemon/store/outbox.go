package store

import (
	"fmt"

	"github.com/ringchat/ring/daemon/store/kv"
)

// OutboxItem is a message of this node that no leader has sequenced yet,
// under a local id, with the ring it was sent to.
type OutboxItem struct {
	ID   uint64 // local id, the key: Outbox returns items in its order
	Ring string // the ring the message belongs to
	Msg  Record
}

// cborOutbox is an item as stored under its id (format 2, codec.go);
// outboxV1 as format 1 stored it.
type cborOutbox struct {
	_    struct{} `cbor:",toarray"`
	Ring string
	Msg  cborRecord
}

type outboxV1 struct {
	Ring string     `json:"ring"`
	Msg  diskRecord `json:"msg"`
}

func encodeOutbox(item OutboxItem) ([]byte, error) {
	v, err := marshal(cborOutbox{Ring: item.Ring, Msg: cborOf(item.Msg)})
	if err != nil {
		return nil, fmt.Errorf("store: outbox %d: %w", item.ID, err)
	}
	return v, nil
}

func decodeOutbox(id uint64, v []byte) (OutboxItem, error) {
	var c cborOutbox
	var l outboxV1
	legacy, err := unmarshal(v, &c, &l)
	if err != nil {
		return OutboxItem{}, fmt.Errorf("store: outbox %d: %w", id, err)
	}
	if legacy {
		return OutboxItem{ID: id, Ring: l.Ring, Msg: l.Msg.record()}, nil
	}
	return OutboxItem{ID: id, Ring: c.Ring, Msg: c.Msg.record()}, nil
}

// OutboxPut stores item under its id, replacing what was there, and
// returns once it is durable.
func (s *Store) OutboxPut(item OutboxItem) error {
	return <-s.OutboxPutAsync(item)
}

// OutboxPutAsync is OutboxPut without the wait: it queues the write behind
// every write submitted before it and returns at once; the channel yields
// the result once it is durable.
func (s *Store) OutboxPutAsync(item OutboxItem) <-chan error {
	v, err := encodeOutbox(item)
	if err != nil {
		return failed(err)
	}
	return s.submit(nil, func(w *txn) error {
		return w.tx.Bucket(bucketOutbox).Put(u64(item.ID), v)
	})
}

// OutboxDelete removes the item with this id, if any, and returns once
// that is durable.
func (s *Store) OutboxDelete(id uint64) error {
	return <-s.OutboxDeleteAsync(id)
}

// OutboxDeleteAsync is OutboxDelete without the wait, like OutboxPutAsync.
func (s *Store) OutboxDeleteAsync(id uint64) <-chan error {
	return s.submit(nil, func(w *txn) error {
		return w.tx.Bucket(bucketOutbox).Delete(u64(id))
	})
}

// OutboxUpdateAsync stores puts and removes the items with the ids in
// deletes, as one write queued like OutboxPutAsync's.
func (s *Store) OutboxUpdateAsync(puts []OutboxItem, deletes []uint64) <-chan error {
	vals := make([][]byte, len(puts))
	for i, item := range puts {
		v, err := encodeOutbox(item)
		if err != nil {
			return failed(err)
		}
		vals[i] = v
	}
	return s.submit(nil, func(w *txn) error {
		b := w.tx.Bucket(bucketOutbox)
		for i, item := range puts {
			if err := b.Put(u64(item.ID), vals[i]); err != nil {
				return err
			}
		}
		for _, id := range deletes {
			if err := b.Delete(u64(id)); err != nil {
				return err
			}
		}
		return nil
	})
}

// OutboxReplace makes items the whole outbox, in one transaction: every
// item stored before is gone. Of items with the same id the last stays.
func (s *Store) OutboxReplace(items []OutboxItem) error {
	vals := make([][]byte, len(items))
	for i, item := range items {
		v, err := encodeOutbox(item)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	return s.do(nil, func(w *txn) error {
		b := w.tx.Bucket(bucketOutbox)
		if err := b.Clear(); err != nil {
			return err
		}
		for i, item := range items {
			if err := b.Put(u64(item.ID), vals[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Outbox returns the committed outbox by ascending id.
func (s *Store) Outbox() ([]OutboxItem, error) {
	var out []OutboxItem
	err := s.db.View(func(tx *kv.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			item, err := decodeOutbox(getU64(k), v)
			if err != nil {
				return err
			}
			out = append(out, item)
		}
		return nil
	})
	return out, err
}
