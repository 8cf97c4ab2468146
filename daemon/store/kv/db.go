package kv

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringchat/ring/daemon/store/seglog"
)

// Options configure Open.
type Options struct {
	Dir string
	// Buckets names every bucket; their order is part of the format (an
	// operation names its bucket by index), so new ones go at the end.
	Buckets []string
	// OnDisk is the one bucket whose values are read from the log.
	OnDisk      string
	SegmentSize int64         // seglog's; 0 for its default
	LockTimeout time.Duration // seglog's; 0 for its default
	Logger      *slog.Logger
}

// MaxKeySize bounds a key, as bbolt's does.
const MaxKeySize = 32 << 10

var (
	ErrClosed   = errors.New("kv: closed")
	errReadOnly = errors.New("kv: write in a read-only transaction")
)

// DB is an open database.
type DB struct {
	opts   Options
	log    *slog.Logger
	wal    *seglog.Log
	index  map[string]int // bucket name → index
	onDisk int

	state atomic.Pointer[state] // the last durable transaction's, for readers

	mu      sync.Mutex // one Update at a time
	failed  error      // a failed log write: no more updates
	closed  atomic.Bool
	segSeen uint64 // the segment appended to when compaction last looked
	// write's scratch, reused while small: the log copies the records out,
	// and a buffer per transaction was 6 % of a member's allocation.
	wbuf  []byte
	wrecs [][]byte
}

// maxScratch bounds the write scratch kept between transactions.
const maxScratch = 256 << 10

// state is every bucket's index; a published state is never changed.
type state struct {
	trees []index
}

// item is a key and its value, or, in the OnDisk bucket once durable (val
// nil), where the value lies: small, as there is one per message.
type item struct {
	key      string
	val      []byte
	seg, off uint32
}

func (it item) stored() bool    { return it.val == nil }
func (it item) pos() seglog.Pos { return seglog.Pos{Segment: uint64(it.seg), Offset: int64(it.off)} }

// storedAt is the item of a value the log holds at p.
func storedAt(key string, p seglog.Pos) (item, error) {
	if p.Segment > math.MaxUint32 || p.Offset > math.MaxUint32 || p.Offset < 0 {
		return item{}, fmt.Errorf("kv: position %v out of range", p)
	}
	return item{key: key, seg: uint32(p.Segment), off: uint32(p.Offset)}, nil
}

func less(a, b item) bool { return a.key < b.key }

// newIndex makes bucket i's index: the history's a deque of full chunks,
// the others' B-trees.
func (db *DB) newIndex(i int) index {
	if i == db.onDisk {
		return newDequeIndex()
	}
	return newBtreeIndex()
}

// Open opens or creates the database in opts.Dir and replays its log.
func Open(opts Options) (*DB, error) {
	if len(opts.Buckets) == 0 || len(opts.Buckets) > 255 {
		return nil, fmt.Errorf("kv: %d buckets, want 1 to 255", len(opts.Buckets))
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	db := &DB{opts: opts, log: opts.Logger, index: map[string]int{}, onDisk: -1}
	for i, name := range opts.Buckets {
		db.index[name] = i
		if name == opts.OnDisk {
			db.onDisk = i
		}
	}
	st := &state{trees: make([]index, len(opts.Buckets))}
	for i := range st.trees {
		st.trees[i] = db.newIndex(i)
	}
	wal, err := seglog.Open(seglog.Options{Dir: opts.Dir, SegmentSize: opts.SegmentSize, LockTimeout: opts.LockTimeout, Logger: opts.Logger},
		func(p seglog.Pos, rec []byte) error { return db.replay(st, p, rec) })
	if err != nil {
		return nil, err
	}
	db.wal = wal
	db.state.Store(st)
	db.segSeen = wal.Current()
	return db, nil
}

// replay applies one logged operation to st.
func (db *DB) replay(st *state, p seglog.Pos, rec []byte) error {
	o, err := decodeOp(rec, len(st.trees))
	if err != nil {
		return fmt.Errorf("%w (segment %d, offset %d)", err, p.Segment, p.Offset)
	}
	t := st.trees[o.Bucket]
	switch o.Kind {
	case opPut: // rec is the log's buffer: keep copies
		if int(o.Bucket) == db.onDisk { // the value stays in the log
			it, err := storedAt(string(o.Key), p)
			if err != nil {
				return err
			}
			t.Set(it)
			break
		}
		it := item{key: string(o.Key), val: bytes.Clone(o.Val)}
		if it.val == nil {
			it.val = []byte{}
		}
		t.Set(it)
	case opDelete:
		t.Delete(string(o.Key))
	case opClear:
		st.trees[o.Bucket] = db.newIndex(int(o.Bucket))
	}
	return nil
}

// View runs fn on the last durable state and returns its error; after
// Close it fails with ErrClosed.
func (db *DB) View(fn func(*Tx) error) error {
	if db.closed.Load() {
		return ErrClosed
	}
	return fn(&Tx{db: db, st: db.state.Load()})
}

// Update runs fn in a transaction and makes its writes durable, all or
// none, before any reader sees them. An error from fn discards them.
func (db *DB) Update(fn func(*Tx) error) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed.Load() {
		return ErrClosed
	}
	if db.failed != nil {
		return db.failed
	}
	pub := db.state.Load()
	tx := &Tx{db: db, st: &state{trees: slices.Clone(pub.trees)}, writable: true, cloned: make([]bool, len(pub.trees))}
	if err := fn(tx); err != nil {
		return err
	}
	if len(tx.ops) == 0 {
		return nil
	}
	if err := db.write(tx); err != nil {
		return err
	}
	db.state.Store(tx.st)
	// The transaction is durable and published: a compaction that fails
	// now is no failure of it. It is tried again at the next segment.
	if err := db.compact(); err != nil {
		db.log.Error("kv: compacting the log failed", "err", err)
	}
	return nil
}

// write appends tx's operations as one batch and records where the OnDisk
// bucket's new values lie.
func (db *DB) write(tx *Tx) error {
	size := 0
	for _, o := range tx.ops {
		size += o.size()
	}
	buf := db.wbuf[:0]
	if cap(buf) < size {
		buf = make([]byte, 0, size) // one allocation for every record
	}
	recs := append(db.wrecs[:0], make([][]byte, len(tx.ops))...)
	for i, o := range tx.ops {
		start := len(buf)
		buf = appendOp(buf, o)
		recs[i] = buf[start:len(buf):len(buf)]
	}
	pos, err := db.wal.Append(recs)
	clear(recs)
	if cap(buf) <= maxScratch {
		db.wbuf, db.wrecs = buf, recs[:0]
	}
	if err != nil {
		if !errors.Is(err, seglog.ErrTooLarge) { // refused whole, nothing written
			db.failed = err
		}
		return err
	}
	if db.onDisk < 0 {
		return nil
	}
	// In order, so that of several puts of one key the last one's place
	// stays; a key deleted after its put is not in the tree.
	t := tx.st.trees[db.onDisk]
	for i, o := range tx.ops {
		if int(o.Bucket) != db.onDisk || o.Kind != opPut {
			continue
		}
		k := o.key
		if k == "" {
			k = string(o.Key)
		}
		if _, ok := t.Get(k); ok {
			it, err := storedAt(k, pos[i])
			if err != nil {
				db.failed = err
				return err
			}
			t.Set(it)
		}
	}
	return nil
}

// Close closes the log; later calls fail with ErrClosed.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed.Swap(true) {
		return nil
	}
	return db.wal.Close()
}

// read fetches a stored value of the OnDisk bucket; nil if it cannot be
// read (logged) or is gone.
func (db *DB) read(it item) []byte {
	if !it.stored() {
		return it.val
	}
	rec, err := db.wal.ReadAt(it.pos())
	if err == nil {
		var o op
		if o, err = decodeOp(rec, len(db.opts.Buckets)); err == nil && o.Kind == opPut && string(o.Key) == it.key {
			return o.Val
		} else if err == nil {
			err = fmt.Errorf("kv: the record at %v is not the value of key %x", it.pos(), it.key)
		}
	}
	if errors.Is(err, seglog.ErrGone) {
		// A reader's snapshot older than the compaction that removed the
		// segment: the value was pruned meanwhile.
		return nil
	}
	db.log.Error("kv: value unreadable", "bucket", db.opts.OnDisk, "key", fmt.Sprintf("%x", it.key), "err", err)
	return nil
}
