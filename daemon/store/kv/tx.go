package kv

import (
	"bytes"
	"fmt"
)

// Tx is a transaction: a snapshot to read (View) or one being written
// (Update). It must not be used after its function returns.
type Tx struct {
	db       *DB
	st       *state
	writable bool
	cloned   []bool // which trees this transaction copied (copy-on-write)
	ops      []op
}

// Bucket returns the bucket of that name; it panics on a name not given
// to Open, a programming error.
func (tx *Tx) Bucket(name string) *Bucket {
	i, ok := tx.db.index[name]
	if !ok {
		panic(fmt.Sprintf("kv: no bucket %q", name))
	}
	return &Bucket{tx: tx, i: i}
}

// Bucket is one bucket as a transaction sees it.
type Bucket struct {
	tx *Tx
	i  int
}

func (b *Bucket) tree() index { return b.tx.st.trees[b.i] }

// value is its value: read from the log in the OnDisk bucket.
func (b *Bucket) value(it item) []byte { return b.tx.db.read(it) }

// writable gives the tree to change, copied on the transaction's first
// write to it.
func (b *Bucket) writable() (index, error) {
	if !b.tx.writable {
		return nil, errReadOnly
	}
	if !b.tx.cloned[b.i] {
		b.tx.st.trees[b.i] = b.tx.st.trees[b.i].clone()
		b.tx.cloned[b.i] = true
	}
	return b.tx.st.trees[b.i], nil
}

// Get returns the value of k, nil if there is none.
func (b *Bucket) Get(k []byte) []byte {
	it, ok := b.tree().Get(string(k))
	if !ok {
		return nil
	}
	return b.value(it)
}

// Put sets k to v. k is copied; v is kept as it is and must not change
// afterwards.
func (b *Bucket) Put(k, v []byte) error {
	switch {
	case len(k) == 0:
		return fmt.Errorf("kv: empty key")
	case len(k) > MaxKeySize:
		return fmt.Errorf("kv: key of %d bytes, the limit is %d", len(k), MaxKeySize)
	}
	t, err := b.writable()
	if err != nil {
		return err
	}
	if v == nil {
		v = []byte{} // nil marks a value held by the log
	}
	key := string(k)
	t.Set(item{key: key, val: v})
	b.tx.ops = append(b.tx.ops, op{Kind: opPut, Bucket: uint8(b.i), Key: []byte(key), Val: v, key: key})
	return nil
}

// Delete removes k; a missing key is no error.
func (b *Bucket) Delete(k []byte) error {
	t, err := b.writable()
	if err != nil {
		return err
	}
	if t.Delete(string(k)) {
		b.tx.ops = append(b.tx.ops, op{Kind: opDelete, Bucket: uint8(b.i), Key: bytes.Clone(k)})
	}
	return nil
}

// Clear removes every key.
func (b *Bucket) Clear() error {
	if !b.tx.writable {
		return errReadOnly
	}
	b.tx.st.trees[b.i] = b.tx.db.newIndex(b.i)
	b.tx.cloned[b.i] = true
	b.tx.ops = append(b.tx.ops, op{Kind: opClear, Bucket: uint8(b.i)})
	return nil
}

// Len is the number of keys.
func (b *Bucket) Len() int { return b.tree().Len() }

// ForEach calls fn with every key and value in order, until fn fails.
func (b *Bucket) ForEach(fn func(k, v []byte) error) error {
	var err error
	b.tree().AscendFrom("", func(it item) bool {
		err = fn([]byte(it.key), b.value(it))
		return err == nil
	})
	return err
}

// Cursor walks the bucket's keys in order, as bbolt's cursors do: each
// move returns the key and value it lands on, or nil at either end.
func (b *Bucket) Cursor() *Cursor { return &Cursor{b: b} }

// KeyCursor is a Cursor whose moves return the keys only (nil values): in
// the OnDisk bucket a value costs a read from the log, and a walk that
// decides by key (retention by count) need not pay it. Get fetches the
// value of a key it wants.
func (b *Bucket) KeyCursor() *Cursor { return &Cursor{b: b, keysOnly: true} }

// Cursor is a position in a bucket.
type Cursor struct {
	b        *Bucket
	cur      []byte
	keysOnly bool
}

func (c *Cursor) land(it item, ok bool) ([]byte, []byte) {
	if !ok {
		c.cur = nil
		return nil, nil
	}
	c.cur = []byte(it.key)
	if c.keysOnly {
		return c.cur, nil
	}
	return c.cur, c.b.value(it)
}

func (c *Cursor) First() ([]byte, []byte) { return c.land(c.b.tree().Min()) }
func (c *Cursor) Last() ([]byte, []byte)  { return c.land(c.b.tree().Max()) }

// Seek moves to the first key at or after k.
func (c *Cursor) Seek(k []byte) ([]byte, []byte) {
	return c.walk(c.b.tree().AscendFrom, k, nil)
}

// Next moves to the first key after the current one.
func (c *Cursor) Next() ([]byte, []byte) {
	if c.cur == nil {
		return nil, nil
	}
	return c.walk(c.b.tree().AscendFrom, c.cur, c.cur)
}

// Prev moves to the last key before the current one.
func (c *Cursor) Prev() ([]byte, []byte) {
	if c.cur == nil {
		return nil, nil
	}
	return c.walk(c.b.tree().DescendFrom, c.cur, c.cur)
}

// walk lands on the first item walk gives from pivot on, passing over
// the key skip.
func (c *Cursor) walk(walk func(string, func(item) bool), pivot, skip []byte) ([]byte, []byte) {
	var found item
	ok := false
	walk(string(pivot), func(it item) bool {
		if skip != nil && it.key == string(skip) {
			return true
		}
		found, ok = it, true
		return false
	})
	return c.land(found, ok)
}
