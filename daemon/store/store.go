package store

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringchat/ring/daemon/store/kv"
	"github.com/ringchat/ring/daemon/store/seglog"
)

// Options configure Open.
type Options struct {
	Path string // the store's directory, e.g. data_dir/history (created 0700)
	// Import is a bbolt file written by an earlier ringd (data_dir/ring.db):
	// a store opened new takes its contents, and the file is renamed to
	// Import + ".imported" (import.go).
	Import      string
	RetainCount int           // keep at most this many messages, sequenced and direct (0 = unlimited)
	RetainAge   time.Duration // drop messages older than this by their Time (0 = unlimited)
	// KeepUncommitted makes retention stop at the commit point
	// (SaveCommitAsync): a message no majority may hold yet is never
	// removed. A node sets it; a store without a commit point does not.
	KeepUncommitted bool
	Logger          *slog.Logger
	Now             func() time.Time
	// SegmentSize is the log's (0: its default of 16 MiB); tests make it small.
	SegmentSize int64
}

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("store: closed")

// lockTimeout bounds the wait for the file lock another process holds.
const lockTimeout = time.Second

// Store is a node's durable history and state. It is safe for concurrent use.
type Store struct {
	db   *kv.DB
	opts Options
	log  *slog.Logger

	tip atomic.Pointer[tip] // the committed history bookkeeping, for readers

	qmu     sync.Mutex
	qcond   *sync.Cond
	queue   []*job
	closing bool
	// grouping counts the Group calls running: the committer waits for them
	// before it takes the queue.
	grouping int
	stopped  chan struct{}

	// Owned by the committer goroutine.
	agedAt  time.Time // last retention by age
	commits atomic.Uint64
}

// tip is the bookkeeping of the history that the committer keeps up to date
// with every transaction. Only the floor is stored; the rest is derived from
// the history at Open.
type tip struct {
	lastSeq    uint64
	lastEpoch  uint64
	firstSeq   uint64 // oldest retained sequenced message, 0 if none
	floorSeq   uint64 // last sequenced message removed by retention, 0 if none
	floorEpoch uint64
	count      int    // retained messages, sequenced and direct
	nextSub    uint64 // arrival counter of the next direct message at lastSeq
	commit     uint64 // the commit point stored (SaveCommit)
	lamport    uint64 // the highest Lamport time of a message ever stored (Lamport)
}

// Open opens or creates the store at opts.Path and starts its committer.
func Open(opts Options) (*Store, error) {
	if opts.Path == "" {
		return nil, errors.New("store: no path")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db, err := openDB(opts)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, opts: opts, log: opts.Logger.With("db", opts.Path), stopped: make(chan struct{})}
	s.qcond = sync.NewCond(&s.qmu)
	t, err := s.load()
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s.tip.Store(t)
	go s.commitLoop()
	return s, nil
}

// buckets is the database's layout; the order is part of the format.
var buckets = []string{bucketMsgs, bucketEpochs, bucketMeta, bucketNode, bucketOutbox, bucketOrigins, bucketViews}

// openDB opens the database in opts.Path and names the usual failures.
func openDB(opts Options) (*kv.DB, error) {
	db, err := kv.Open(kv.Options{Dir: opts.Path, Buckets: buckets, OnDisk: bucketMsgs,
		SegmentSize: opts.SegmentSize, LockTimeout: lockTimeout, Logger: opts.Logger})
	var ce *seglog.CorruptError
	switch {
	case errors.Is(err, seglog.ErrLocked):
		return nil, locked(opts.Path)
	case errors.As(err, &ce), errors.Is(err, kv.ErrUndecodable):
		return nil, corrupt(opts.Path, err)
	case err != nil:
		return nil, fmt.Errorf("store: open %s: %w", opts.Path, err)
	}
	return db, nil
}

func locked(path string) error {
	return fmt.Errorf("store: %s is locked (data dir in use by another ringd?)", path)
}

func corrupt(path string, err error) error {
	return fmt.Errorf("store: %s is corrupt or not a ring database: %w", path, err)
}

// load checks the format of the database, imports an earlier version's
// file into a new one, and derives the history bookkeeping.
func (s *Store) load() (*tip, error) {
	var version uint64
	_ = s.db.View(func(tx *kv.Tx) error {
		version = getU64(tx.Bucket(bucketMeta).Get(keyVersion))
		return nil
	})
	switch {
	case version == 0:
		if err := s.importLegacy(); err != nil {
			return nil, err
		}
		if err := s.db.Update(func(tx *kv.Tx) error { return tx.Bucket(bucketMeta).Put(keyVersion, u64(formatVersion)) }); err != nil {
			return nil, err
		}
	case version != formatVersion:
		return nil, fmt.Errorf("store: %s has format version %d, this ringd reads %d", s.opts.Path, version, formatVersion)
	}
	var t *tip
	stored := false // the history has its lamport key
	_ = s.db.View(func(tx *kv.Tx) error {
		stored = tx.Bucket(bucketMeta).Get(keyLamport) != nil
		t = readTip(tx)
		t.count = tx.Bucket(bucketMsgs).Len()
		if t.lamport == 0 && t.count > 0 {
			// A history written before the key: read it once.
			_ = tx.Bucket(bucketMsgs).ForEach(func(_, v []byte) error {
				if m, err := decode(v); err == nil {
					t.lamport = max(t.lamport, m.Lamport)
				}
				return nil
			})
		}
		return nil
	})
	if t.lamport > 0 && !stored {
		// Kept at once, so that a Reset before the first append (the node
		// joins another ring) does not lose it.
		if err := s.db.Update(func(tx *kv.Tx) error { return tx.Bucket(bucketMeta).Put(keyLamport, u64(t.lamport)) }); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// readTip derives the history bookkeeping (all but count) from a transaction.
func readTip(tx *kv.Tx) *tip {
	meta := tx.Bucket(bucketMeta)
	t := &tip{floorSeq: getU64(meta.Get(keyFloorSeq)), floorEpoch: getU64(meta.Get(keyFloorEpoch)), commit: getU64(meta.Get(keyCommit)),
		lamport: getU64(meta.Get(keyLamport))}
	t.lastSeq, t.lastEpoch, t.nextSub = t.floorSeq, t.floorEpoch, 1
	// A direct message is keyed by the last seq when it arrived, so the
	// last key always names the last seq.
	if k, _ := tx.Bucket(bucketMsgs).KeyCursor().Last(); k != nil {
		if pos, sub := splitKey(k); pos >= t.lastSeq {
			t.lastSeq, t.nextSub = pos, sub+1
		}
	}
	if k, v := tx.Bucket(bucketEpochs).Cursor().First(); k != nil {
		t.firstSeq = getU64(v)
	}
	if k, _ := tx.Bucket(bucketEpochs).Cursor().Last(); k != nil {
		t.lastEpoch = getU64(k)
	}
	return t
}

// Close waits for the writes already submitted, then closes the file.
func (s *Store) Close() error {
	s.qmu.Lock()
	already := s.closing
	s.closing = true
	s.qcond.Signal()
	s.qmu.Unlock()
	<-s.stopped
	if already {
		return nil
	}
	return s.db.Close()
}
