package kv

import (
	"sort"
	"sync/atomic"

	"github.com/google/btree"
)

// index is a bucket's ordered items. A transaction works on a clone; the
// index it was cloned from, which readers may hold, never changes.
type index interface {
	Len() int
	Get(key string) (item, bool)
	Set(it item) // insert, or replace the item with the same key
	Delete(key string) bool
	Min() (item, bool)
	Max() (item, bool)
	AscendFrom(key string, fn func(item) bool)  // keys >= key, in order
	DescendFrom(key string, fn func(item) bool) // keys <= key, in reverse
	clone() index
}

// btreeIndex serves the small buckets: any order of writes.
type btreeIndex struct{ t *btree.BTreeG[item] }

func newBtreeIndex() *btreeIndex { return &btreeIndex{btree.NewG(16, less)} }

func (x *btreeIndex) Len() int                    { return x.t.Len() }
func (x *btreeIndex) Get(key string) (item, bool) { return x.t.Get(item{key: key}) }
func (x *btreeIndex) Set(it item)                 { x.t.ReplaceOrInsert(it) }
func (x *btreeIndex) Min() (item, bool)           { return x.t.Min() }
func (x *btreeIndex) Max() (item, bool)           { return x.t.Max() }
func (x *btreeIndex) Delete(key string) bool {
	_, ok := x.t.Delete(item{key: key})
	return ok
}
func (x *btreeIndex) AscendFrom(key string, fn func(item) bool) {
	x.t.AscendGreaterOrEqual(item{key: key}, fn)
}
func (x *btreeIndex) DescendFrom(key string, fn func(item) bool) {
	x.t.DescendLessOrEqual(item{key: key}, fn)
}

// clone copies the tree lazily (copy-on-write). It clones a copy of the
// tree's header so that the tree readers hold is not written at all.
func (x *btreeIndex) clone() index {
	t := *x.t
	return &btreeIndex{t.Clone()}
}

// chunkSize bounds a chunk of a dequeIndex.
const chunkSize = 128

// dequeIndex serves the history, which grows at its end and shrinks at
// both ends (retention, truncation): a sorted run of full chunks, so that
// memory holds little more than the items. A clone shares the chunks and
// copies one only to change it.
type dequeIndex struct {
	chunks []*chunk
	n      int
	gen    uint64 // chunks of this generation belong to this clone
}

type chunk struct {
	items []item
	gen   uint64
}

var generations atomic.Uint64

func newDequeIndex() *dequeIndex { return &dequeIndex{gen: generations.Add(1)} }

func (x *dequeIndex) Len() int { return x.n }

func (x *dequeIndex) clone() index {
	return &dequeIndex{chunks: append([]*chunk(nil), x.chunks...), n: x.n, gen: generations.Add(1)}
}

// mine returns chunk i, copied first unless this clone made it.
func (x *dequeIndex) mine(i int) *chunk {
	c := x.chunks[i]
	if c.gen != x.gen {
		c = &chunk{items: append(make([]item, 0, max(len(c.items), chunkSize)), c.items...), gen: x.gen}
		x.chunks[i] = c
	}
	return c
}

// find is the chunk that holds key or would, and key's place in it.
func (x *dequeIndex) find(key string) (ci, i int) {
	// The usual places first, without a search: the end, where a commit
	// writes, and the front, where retention removes (3 % of the daemons'
	// CPU at full throughput went to these searches).
	if last := x.chunks[len(x.chunks)-1].items; key >= last[0].key {
		ci, n := len(x.chunks)-1, len(last)
		switch top := last[n-1].key; {
		case key == top:
			return ci, n - 1
		case key > top:
			return ci, n
		}
		return ci, sort.Search(n, func(j int) bool { return last[j].key >= key })
	}
	if key <= x.chunks[0].items[0].key {
		return 0, 0
	}
	ci = sort.Search(len(x.chunks), func(j int) bool { return x.chunks[j].items[0].key > key }) - 1
	if ci < 0 {
		return 0, 0
	}
	items := x.chunks[ci].items
	return ci, sort.Search(len(items), func(j int) bool { return items[j].key >= key })
}

func (x *dequeIndex) Get(key string) (item, bool) {
	if x.n == 0 {
		return item{}, false
	}
	ci, i := x.find(key)
	if items := x.chunks[ci].items; i < len(items) && items[i].key == key {
		return items[i], true
	}
	return item{}, false
}

func (x *dequeIndex) Set(it item) {
	if x.n == 0 {
		x.chunks = append(x.chunks, &chunk{items: append(make([]item, 0, chunkSize), it), gen: x.gen})
		x.n++
		return
	}
	if last := x.chunks[len(x.chunks)-1]; it.key > last.items[len(last.items)-1].key { // the usual case
		if len(last.items) >= chunkSize {
			x.chunks = append(x.chunks, &chunk{items: append(make([]item, 0, chunkSize), it), gen: x.gen})
		} else {
			c := x.mine(len(x.chunks) - 1)
			c.items = append(c.items, it)
		}
		x.n++
		return
	}
	ci, i := x.find(it.key)
	c := x.mine(ci)
	if i < len(c.items) && c.items[i].key == it.key {
		c.items[i] = it
		return
	}
	c.items = append(c.items, item{})
	copy(c.items[i+1:], c.items[i:])
	c.items[i] = it
	x.n++
	if len(c.items) > 2*chunkSize { // split, so chunks stay small to copy
		half := &chunk{items: append(make([]item, 0, chunkSize), c.items[chunkSize:]...), gen: x.gen}
		c.items = c.items[:chunkSize:chunkSize]
		x.chunks = append(x.chunks[:ci+1], append([]*chunk{half}, x.chunks[ci+1:]...)...)
	}
}

func (x *dequeIndex) Delete(key string) bool {
	if x.n == 0 {
		return false
	}
	ci, i := x.find(key)
	if items := x.chunks[ci].items; i >= len(items) || items[i].key != key {
		return false
	}
	c := x.mine(ci)
	switch {
	case i == 0:
		c.items[0] = item{}
		c.items = c.items[1:] // from the front (retention): nothing moves
	default:
		c.items = append(c.items[:i], c.items[i+1:]...)
	}
	x.n--
	if len(c.items) == 0 {
		x.chunks = append(x.chunks[:ci], x.chunks[ci+1:]...)
	}
	return true
}

func (x *dequeIndex) Min() (item, bool) {
	if x.n == 0 {
		return item{}, false
	}
	return x.chunks[0].items[0], true
}

func (x *dequeIndex) Max() (item, bool) {
	if x.n == 0 {
		return item{}, false
	}
	last := x.chunks[len(x.chunks)-1].items
	return last[len(last)-1], true
}

func (x *dequeIndex) AscendFrom(key string, fn func(item) bool) {
	if x.n == 0 {
		return
	}
	ci, i := x.find(key)
	for ; ci < len(x.chunks); ci, i = ci+1, 0 {
		for _, it := range x.chunks[ci].items[i:] {
			if !fn(it) {
				return
			}
		}
	}
}

func (x *dequeIndex) DescendFrom(key string, fn func(item) bool) {
	if x.n == 0 {
		return
	}
	ci, i := x.find(key)
	if items := x.chunks[ci].items; i >= len(items) || items[i].key != key {
		i-- // key itself is absent: start below it
	}
	for ; ci >= 0; ci-- {
		items := x.chunks[ci].items
		if i >= len(items) {
			i = len(items) - 1
		}
		for ; i >= 0; i-- {
			if !fn(items[i]) {
				return
			}
		}
		i = 1 << 30
	}
}
