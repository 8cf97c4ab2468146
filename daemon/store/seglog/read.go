package seglog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"path/filepath"
)

// ErrGone: the record's segment was removed (RemoveBefore), or never was.
var ErrGone = errors.New("seglog: no such segment")

// ReadAt returns the payload of the record at p, checked by its CRC.
func (l *Log) ReadAt(p Pos) ([]byte, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, ErrClosed
	}
	f, ok := l.segs[p.Segment]
	if !ok {
		return nil, fmt.Errorf("%w: %d", ErrGone, p.Segment)
	}
	path := filepath.Join(l.opts.Dir, segmentName(p.Segment))
	var h [recordHeaderSize]byte
	if _, err := f.ReadAt(h[:], p.Offset); err != nil {
		return nil, fmt.Errorf("seglog: read %s at %d: %w", path, p.Offset, err)
	}
	n := binary.LittleEndian.Uint32(h[:])
	if n > MaxBatch {
		return nil, &CorruptError{File: path, Offset: p.Offset, Problem: fmt.Sprintf("record length %d", n)}
	}
	payload := make([]byte, n)
	if _, err := f.ReadAt(payload, p.Offset+recordHeaderSize); err != nil {
		return nil, fmt.Errorf("seglog: read %s at %d: %w", path, p.Offset, err)
	}
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(h[4:]) {
		return nil, &CorruptError{File: path, Offset: p.Offset, Problem: "record checksum mismatch"}
	}
	return payload, nil
}
