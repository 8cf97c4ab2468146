package seglog

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
)

// recover opens every segment, replays its records and finds where the
// next batch goes. See the package doc for what it cuts and what it
// refuses.
func (l *Log) recover(replay func(Pos, []byte) error) error {
	nums, err := listSegments(l.opts.Dir)
	if err != nil {
		return fmt.Errorf("seglog: %w", err)
	}
	if len(nums) == 0 {
		f, err := createSegment(l.opts.Dir, 1)
		if err != nil {
			return err
		}
		l.segs[1], l.cur, l.size = f, 1, int64(len(segmentHeader))
		return nil
	}
	var last uint64 // the last good batch's number
	for i, n := range nums {
		path := filepath.Join(l.opts.Dir, segmentName(n))
		if i > 0 && n != nums[i-1]+1 {
			return &CorruptError{File: path, Problem: fmt.Sprintf("segment %d is missing", nums[i-1]+1)}
		}
		isLast := i == len(nums)-1
		flag := os.O_RDONLY
		if isLast {
			flag = os.O_RDWR
		}
		f, err := os.OpenFile(path, flag, 0)
		if err != nil {
			return fmt.Errorf("seglog: %w", err)
		}
		l.segs[n] = f
		s := scanner{l: l, f: f, path: path, seg: n, isLast: isLast, last: last}
		end, err := s.run(replay)
		if err != nil {
			return err
		}
		last = s.last
		if isLast {
			l.cur, l.size = n, end
		}
	}
	l.nextBatch = last + 1
	return nil
}

// scanner reads one segment's batches.
type scanner struct {
	l      *Log
	f      *os.File
	path   string
	seg    uint64
	isLast bool
	last   uint64 // the last good batch's number, 0 before the first

	hdr  [batchHeaderSize]byte
	body []byte
	recs []recordAt
}

// run replays the segment and returns where its good batches end.
func (s *scanner) run(replay func(Pos, []byte) error) (int64, error) {
	info, err := s.f.Stat()
	if err != nil {
		return 0, fmt.Errorf("seglog: %w", err)
	}
	size := info.Size()
	if ok, err := checkHeader(s.f); err != nil {
		return 0, fmt.Errorf("seglog: read %s: %w", s.path, err)
	} else if !ok {
		return s.badHeader(size)
	}
	off := int64(len(segmentHeader))
	for off < size {
		h, problem := s.batchAt(off, size)
		if problem != "" {
			return s.badBatch(off, size, problem)
		}
		for _, r := range s.recs {
			if err := replay(Pos{Segment: s.seg, Offset: off + batchHeaderSize + r.off}, s.body[r.start:r.end]); err != nil {
				return 0, err
			}
		}
		s.last = h.no
		off += batchHeaderSize + h.bodyLen
	}
	return off, nil
}

// batchAt reads and checks the batch at off; problem is "" if it is good,
// its body then in s.body and its records in s.recs.
func (s *scanner) batchAt(off, size int64) (batchHeader, string) {
	if size-off < batchHeaderSize {
		return batchHeader{}, fmt.Sprintf("%d bytes where a batch header takes %d", size-off, batchHeaderSize)
	}
	if _, err := s.f.ReadAt(s.hdr[:], off); err != nil {
		return batchHeader{}, "unreadable: " + err.Error()
	}
	h, ok := parseBatchHeader(s.hdr[:])
	switch {
	case !ok:
		return h, "no batch header"
	case s.last != 0 && h.no != s.last+1:
		return h, fmt.Sprintf("batch %d where %d was due", h.no, s.last+1)
	case off+batchHeaderSize+h.bodyLen > size:
		return h, fmt.Sprintf("batch of %d bytes, %d left in the file", h.bodyLen, size-off-batchHeaderSize)
	}
	s.body = grow(s.body, int(h.bodyLen))
	if _, err := s.f.ReadAt(s.body, off+batchHeaderSize); err != nil {
		return h, "unreadable: " + err.Error()
	}
	if crc32.Checksum(s.body, castagnoli) != h.crc {
		return h, "batch checksum mismatch"
	}
	var good bool
	if s.recs, good = splitRecords(s.body, s.recs[:0]); !good {
		return h, "records do not fill their batch"
	}
	return h, ""
}

// badBatch decides about a bad batch at off: the torn end of the last
// segment is cut; anything else is damage.
func (s *scanner) badBatch(off, size int64, problem string) (int64, error) {
	if !s.isLast {
		return 0, &CorruptError{File: s.path, Offset: off, Problem: problem}
	}
	if later, ok := s.goodBatchAfter(off, size); ok {
		return 0, &CorruptError{File: s.path, Offset: off, Problem: fmt.Sprintf("%s, and a good batch follows at offset %d", problem, later)}
	}
	s.l.log.Warn("seglog: cutting a torn write at the end of the log", "file", s.path, "offset", off, "bytes", size-off, "problem", problem)
	if err := s.f.Truncate(off); err != nil {
		return 0, fmt.Errorf("seglog: cut %s: %w", s.path, err)
	}
	if err := s.f.Sync(); err != nil {
		return 0, fmt.Errorf("seglog: sync %s: %w", s.path, err)
	}
	return off, nil
}

// goodBatchAfter looks past a bad batch at off for a good one that comes
// later in the numbering: if there is one, the bad batch was not the last
// written, and so not a torn write.
func (s *scanner) goodBatchAfter(off, size int64) (int64, bool) {
	tail := make([]byte, size-off)
	if _, err := s.f.ReadAt(tail, off); err != nil {
		return 0, false
	}
	magic := binary.LittleEndian.AppendUint32(nil, batchMagic)
	for i := 1; i+batchHeaderSize <= len(tail); i++ {
		j := bytes.Index(tail[i:], magic)
		if j < 0 {
			return 0, false
		}
		i += j
		h, ok := parseBatchHeader(tail[i:])
		end := int64(i) + batchHeaderSize + h.bodyLen
		if !ok || h.no <= s.last || end > int64(len(tail)) {
			continue
		}
		body := tail[i+batchHeaderSize : end]
		if crc32.Checksum(body, castagnoli) == h.crc {
			return off + int64(i), true
		}
	}
	return 0, false
}

// badHeader: a last segment whose header never reached the disk (a crash
// right after it was created) gets it written now; any other is damage.
func (s *scanner) badHeader(size int64) (int64, error) {
	head := make([]byte, min(size, int64(len(segmentHeader))))
	if _, err := s.f.ReadAt(head, 0); err != nil {
		return 0, fmt.Errorf("seglog: read %s: %w", s.path, err)
	}
	if !s.isLast || size > int64(len(segmentHeader)) || !allZero(head) {
		return 0, &CorruptError{File: s.path, Problem: "not a segment of a ring log (bad header)"}
	}
	s.l.log.Warn("seglog: writing the header of a segment created just before a crash", "file", s.path)
	if err := s.f.Truncate(0); err != nil {
		return 0, fmt.Errorf("seglog: %w", err)
	}
	if _, err := s.f.WriteAt(segmentHeader, 0); err != nil {
		return 0, fmt.Errorf("seglog: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return 0, fmt.Errorf("seglog: %w", err)
	}
	return int64(len(segmentHeader)), nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}
