package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// An op is one logged write: a record of the log, laid out as
//
//	kind u8 | bucket u8 | key length uvarint | key | value
//
// (the value runs to the record's end; the log frames and checks it).
type op struct {
	Kind   uint8
	Bucket uint8 // index in Options.Buckets
	Key    []byte
	Val    []byte
	key    string // Key as the index holds it, when a Put made the op: not converted again
}

const (
	opPut uint8 = iota + 1
	opDelete
	opClear
)

// ErrUndecodable: a record of the log is no operation this version knows.
var ErrUndecodable = errors.New("kv: undecodable operation")

func (o op) size() int { return 2 + binary.MaxVarintLen64 + len(o.Key) + len(o.Val) }

func appendOp(b []byte, o op) []byte {
	b = append(b, o.Kind, o.Bucket)
	b = binary.AppendUvarint(b, uint64(len(o.Key)))
	b = append(b, o.Key...)
	return append(b, o.Val...)
}

// decodeOp reads an op; its key and value point into b.
func decodeOp(b []byte, nBuckets int) (op, error) {
	if len(b) < 3 {
		return op{}, fmt.Errorf("%w: %d bytes", ErrUndecodable, len(b))
	}
	o := op{Kind: b[0], Bucket: b[1]}
	n, w := binary.Uvarint(b[2:])
	switch {
	case o.Kind < opPut || o.Kind > opClear:
		return o, fmt.Errorf("%w: kind %d", ErrUndecodable, o.Kind)
	case int(o.Bucket) >= nBuckets:
		return o, fmt.Errorf("%w: bucket %d of %d", ErrUndecodable, o.Bucket, nBuckets)
	case w <= 0 || n > uint64(len(b)-2-w):
		return o, fmt.Errorf("%w: key length", ErrUndecodable)
	}
	o.Key = b[2+w : 2+w+int(n)]
	o.Val = b[2+w+int(n):]
	return o, nil
}
