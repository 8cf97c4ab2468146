package seglog

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

const (
	batchMagic       uint32 = 0x42474c52 // "RLGB"
	batchHeaderSize         = 20         // magic, number, body length, body CRC
	recordHeaderSize        = 8          // length, CRC
	// MaxBatch bounds a batch's body, so that a damaged length field
	// cannot make recovery read far past the data.
	MaxBatch = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrTooLarge refuses a batch larger than Options.MaxBatch; nothing was
// written, and the log goes on.
var ErrTooLarge = errors.New("seglog: batch larger than MaxBatch")

// batchSize is the bytes a batch of recs takes on disk.
func batchSize(recs [][]byte) int {
	n := batchHeaderSize
	for _, r := range recs {
		n += recordHeaderSize + len(r)
	}
	return n
}

// appendBatch appends batch number no holding recs to buf, and the offset
// of each record within what it appended.
func appendBatch(buf []byte, no uint64, recs [][]byte, offs []int64) ([]byte, []int64, error) {
	size := batchSize(recs)
	if size-batchHeaderSize > MaxBatch {
		return buf, offs, ErrTooLarge
	}
	start := len(buf)
	buf = binary.LittleEndian.AppendUint32(buf, batchMagic)
	buf = binary.LittleEndian.AppendUint64(buf, no)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(size-batchHeaderSize))
	buf = binary.LittleEndian.AppendUint32(buf, 0) // the body's CRC, below
	for _, r := range recs {
		offs = append(offs, int64(len(buf)-start))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(r)))
		buf = binary.LittleEndian.AppendUint32(buf, crc32.Checksum(r, castagnoli))
		buf = append(buf, r...)
	}
	body := buf[start+batchHeaderSize:]
	binary.LittleEndian.PutUint32(buf[start+16:], crc32.Checksum(body, castagnoli))
	return buf, offs, nil
}

// batchHeader is a batch's header as read.
type batchHeader struct {
	no      uint64
	bodyLen int64
	crc     uint32
}

// parseBatchHeader reads a header; ok is false if b does not start with
// one that could be valid.
func parseBatchHeader(b []byte) (h batchHeader, ok bool) {
	if len(b) < batchHeaderSize || binary.LittleEndian.Uint32(b) != batchMagic {
		return h, false
	}
	h = batchHeader{
		no:      binary.LittleEndian.Uint64(b[4:]),
		bodyLen: int64(binary.LittleEndian.Uint32(b[12:])),
		crc:     binary.LittleEndian.Uint32(b[16:]),
	}
	return h, h.no > 0 && h.bodyLen <= MaxBatch
}

// recordAt is where a record's payload lies in a batch body.
type recordAt struct {
	off        int64 // of the record's length field, within the body
	start, end int   // of its payload, within the body
}

// splitRecords finds the records of a batch body; false if they do not
// fill the body exactly or one fails its own CRC.
func splitRecords(body []byte, out []recordAt) ([]recordAt, bool) {
	for off := 0; off < len(body); {
		if len(body)-off < recordHeaderSize {
			return out, false
		}
		n := int64(binary.LittleEndian.Uint32(body[off:]))
		sum := binary.LittleEndian.Uint32(body[off+4:])
		if n > int64(len(body)-off-recordHeaderSize) {
			return out, false
		}
		start, end := off+recordHeaderSize, off+recordHeaderSize+int(n)
		if crc32.Checksum(body[start:end], castagnoli) != sum {
			return out, false
		}
		out = append(out, recordAt{off: int64(off), start: start, end: end})
		off = end
	}
	return out, true
}
