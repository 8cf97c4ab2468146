package seglog

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Options configure Open.
type Options struct {
	Dir string // created 0700 if missing
	// SegmentSize: a batch that would take a segment past it starts the
	// next one (default 16 MiB). A batch larger than it gets a segment of
	// its own.
	SegmentSize int64
	// LockTimeout bounds the wait for the directory's lock, which another
	// process may hold (default 1 s).
	LockTimeout time.Duration
	Logger      *slog.Logger
}

// Pos is where a record is: its segment, and the offset of its length
// field in that segment's file.
type Pos struct {
	Segment uint64
	Offset  int64
}

// CorruptError is damage recovery cannot explain as a torn last write.
type CorruptError struct {
	File    string
	Offset  int64
	Problem string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("seglog: %s is damaged at offset %d: %s", e.File, e.Offset, e.Problem)
}

// ErrLocked: another process holds the directory.
var ErrLocked = errors.New("seglog: locked by another process")

// ErrClosed is returned by calls after Close.
var ErrClosed = errors.New("seglog: closed")

// Log is an open segment log. Append, RemoveBefore and Close must come
// from one goroutine at a time; ReadAt is safe alongside them and itself.
type Log struct {
	opts Options
	log  *slog.Logger
	lock *os.File

	mu     sync.RWMutex // guards segs against RemoveBefore, a roll and Close
	segs   map[uint64]*os.File
	closed bool

	// The appender's.
	cur       uint64 // the segment appended to
	size      int64  // its length
	nextBatch uint64
	buf       []byte
	offs      []int64
	failed    error // a write or sync that failed: nothing more is appended
}

const (
	defaultSegmentSize = 16 << 20
	defaultLockTimeout = time.Second
)

// Open opens or creates the log in opts.Dir and calls replay with every
// record stored, in order, before it returns. A torn write at the very end
// is cut off and logged; any other damage fails Open (*CorruptError). An
// error from replay ends Open with that error.
func Open(opts Options, replay func(Pos, []byte) error) (*Log, error) {
	if opts.SegmentSize <= 0 {
		opts.SegmentSize = defaultSegmentSize
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = defaultLockTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("seglog: %w", err)
	}
	lock, err := lockDir(opts.Dir, opts.LockTimeout)
	if err != nil {
		return nil, err
	}
	l := &Log{opts: opts, log: opts.Logger, lock: lock, segs: map[uint64]*os.File{}, nextBatch: 1}
	if err := l.recover(replay); err != nil {
		l.closeFiles()
		return nil, err
	}
	return l, nil
}

// lockDir takes the directory's LOCK file, waiting up to timeout for
// another holder to let go.
func lockDir(dir string, timeout time.Duration) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("seglog: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, fmt.Errorf("%w: %s", ErrLocked, dir)
			}
			return nil, fmt.Errorf("seglog: lock %s: %w", dir, err)
		}
		time.Sleep(10 * time.Millisecond) // another process holds it: poll until the deadline
	}
}

// Current is the segment appended to. Like Append, it is the appender's.
func (l *Log) Current() uint64 { return l.cur }

// Segments lists the segment numbers, oldest first; the last is the one
// appended to.
func (l *Log) Segments() []uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]uint64, 0, len(l.segs))
	for n := range l.segs {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// RemoveBefore deletes the segments numbered below seg, never the one
// appended to, and makes that durable.
func (l *Log) RemoveBefore(seg uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	// Oldest first: a crash part way leaves the segments that remain one
	// unbroken run, which Open accepts.
	removed := false
	for _, n := range slices.Sorted(maps.Keys(l.segs)) {
		if n >= seg || n == l.cur {
			break
		}
		f := l.segs[n]
		f.Close()
		delete(l.segs, n)
		if err := os.Remove(filepath.Join(l.opts.Dir, segmentName(n))); err != nil {
			return fmt.Errorf("seglog: %w", err)
		}
		removed = true
	}
	if removed {
		return syncDir(l.opts.Dir)
	}
	return nil
}

// Close closes the files and lets go of the directory.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	return l.closeFiles()
}

func (l *Log) closeFiles() error {
	var first error
	for n, f := range l.segs {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
		delete(l.segs, n)
	}
	if err := l.lock.Close(); err != nil && first == nil {
		first = err
	}
	return first
}
