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

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Options configure Open.
type Options struct {
	Path        string        // the bbolt file, e.g. data_dir/ring.db (parent created 0700)
	RetainCount int           // keep at most this many messages, sequenced and direct (0 = unlimited)
	RetainAge   time.Duration // drop messages older than this by their Time (0 = unlimited)
	// KeepUncommitted makes retention stop at the commit point
	// (SaveCommitAsync): a message no majority may hold yet is never
	// removed. A node sets it; a store without a commit point does not.
	KeepUncommitted bool
	Logger          *slog.Logger
	Now             func() time.Time
}

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("store: closed")

// lockTimeout bounds the wait for the file lock another process holds.
const lockTimeout = time.Second

// Store is a node's durable history and state. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
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
	db, err := openBolt(opts.Path)
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

// openBolt opens the file and names the usual failures. bbolt panics on
// some damaged files; that is an error here, though the half-opened file
// stays locked until the process ends.
func openBolt(path string) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, corrupt(path, fmt.Errorf("%v", r))
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      lockTimeout,
		FreelistType: bolt.FreelistMapType, // retention frees pages all the time
		// The free page list is not written with every commit but rebuilt
		// when the file is opened (as etcd does): a commit writes one page
		// less, about a quarter less time per message at low rates
		// (BenchmarkAppendBatch/batch=1), and Open walks every page anyway.
		NoFreelistSync: true,
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("store: %s is locked (data dir in use by another ringd?)", path)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, corrupt(path, err)
	case err != nil:
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

func corrupt(path string, err error) error {
	return fmt.Errorf("store: %s is corrupt or not a ring database: %w", path, err)
}

// load creates the buckets of a new file and reads the bookkeeping of an
// existing one. bbolt panics on damaged pages; walking every page here (the
// count) turns that into an error at Open rather than a crash later.
func (s *Store) load() (t *tip, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, corrupt(s.opts.Path, fmt.Errorf("%v", r))
		}
	}()
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMsgs, bucketEpochs, bucketMeta, bucketNode, bucketOutbox, bucketOrigins, bucketViews} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get(keyVersion); {
		case v == nil:
			if err := meta.Put(keyVersion, u64(formatVersion)); err != nil {
				return err
			}
		case getU64(v) != formatVersion:
			return fmt.Errorf("store: %s has format version %d, this ringd reads %d", s.opts.Path, getU64(v), formatVersion)
		}
		t = readTip(tx)
		t.count = tx.Bucket(bucketMsgs).Stats().KeyN
		return nil
	})
	return t, err
}

// readTip derives the history bookkeeping (all but count) from a transaction.
func readTip(tx *bolt.Tx) *tip {
	meta := tx.Bucket(bucketMeta)
	t := &tip{floorSeq: getU64(meta.Get(keyFloorSeq)), floorEpoch: getU64(meta.Get(keyFloorEpoch)), commit: getU64(meta.Get(keyCommit))}
	t.lastSeq, t.lastEpoch, t.nextSub = t.floorSeq, t.floorEpoch, 1
	// A direct message is keyed by the last seq when it arrived, so the
	// last key always names the last seq.
	if k, _ := tx.Bucket(bucketMsgs).Cursor().Last(); k != nil {
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
