package seglog

import (
	"fmt"
	"path/filepath"
)

// Append writes recs as one batch, in one write, and returns once an
// fdatasync made it durable, with the position of each record. An empty
// batch writes nothing. After a failed write or sync the log appends
// nothing more (the error is returned again): what reached the disk is
// unknown until the next Open sorts it out.
func (l *Log) Append(recs [][]byte) ([]Pos, error) {
	if l.failed != nil {
		return nil, l.failed
	}
	if len(recs) == 0 {
		return nil, nil
	}
	l.mu.RLock()
	closed := l.closed
	l.mu.RUnlock()
	if closed {
		return nil, ErrClosed // before roll, which would make a file
	}
	size := int64(batchSize(recs))
	if l.size > int64(len(segmentHeader)) && l.size+size > l.opts.SegmentSize {
		if err := l.roll(); err != nil {
			return nil, err
		}
	}
	var err error
	l.buf, l.offs, err = appendBatch(l.buf[:0], l.nextBatch, recs, l.offs[:0])
	if err != nil {
		return nil, err
	}
	l.mu.RLock()
	f, closed := l.segs[l.cur], l.closed
	l.mu.RUnlock()
	if closed {
		return nil, ErrClosed
	}
	path := filepath.Join(l.opts.Dir, segmentName(l.cur))
	if _, err := f.WriteAt(l.buf, l.size); err != nil {
		l.failed = fmt.Errorf("seglog: write %s: %w", path, err)
		return nil, l.failed
	}
	if err := datasync(f.Fd()); err != nil {
		l.failed = fmt.Errorf("seglog: fdatasync %s: %w", path, err)
		return nil, l.failed
	}
	pos := make([]Pos, len(recs))
	for i, off := range l.offs {
		pos[i] = Pos{Segment: l.cur, Offset: l.size + off}
	}
	l.size += int64(len(l.buf))
	l.nextBatch++
	return pos, nil
}

// roll starts the next segment.
func (l *Log) roll() error {
	f, err := createSegment(l.opts.Dir, l.cur+1)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.segs[l.cur+1] = f
	l.mu.Unlock()
	l.cur++
	l.size = int64(len(segmentHeader))
	return nil
}
