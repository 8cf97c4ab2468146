package protocol

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/ringchat/ring/internal/limits"
)

// DefaultMaxFrameSize is the largest frame payload accepted when a caller
// passes a non-positive limit.
const DefaultMaxFrameSize = limits.MaxFrame

const (
	frameHeaderLen = 4
	maxWireLen     = 1<<32 - 1 // what the 4-byte length prefix can express
)

var (
	// ErrFrameTooLarge is matched (via errors.Is) by every *FrameTooLargeError.
	ErrFrameTooLarge = errors.New("protocol: frame too large")
	// ErrEmptyFrame reports a frame with a zero length prefix, which no
	// message ever produces.
	ErrEmptyFrame = errors.New("protocol: empty frame")
)

// FrameTooLargeError reports a frame whose payload exceeds the limit, either
// announced by a peer or offered to WriteFrame.
type FrameTooLargeError struct {
	Size int64 // payload length announced or attempted
	Max  int   // limit in force
}

func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("protocol: frame of %d bytes exceeds the %d-byte limit", e.Size, e.Max)
}

func (e *FrameTooLargeError) Is(target error) bool { return target == ErrFrameTooLarge }

func effectiveLimit(limit int) int {
	if limit <= 0 {
		return DefaultMaxFrameSize
	}
	return limit
}

// WriteFrame writes payload as one frame with a single Write call, so frames
// from concurrent writers never interleave as long as the caller serializes
// calls. A limit <= 0 means DefaultMaxFrameSize.
func WriteFrame(w io.Writer, payload []byte, limit int) error {
	if err := checkOutgoing(payload, limit); err != nil {
		return err
	}
	buf := make([]byte, frameHeaderLen+len(payload))
	binary.BigEndian.PutUint32(buf, uint32(len(payload)))
	copy(buf[frameHeaderLen:], payload)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("protocol: write frame: %w", err)
	}
	return nil
}

// WriteFrameBuffered writes payload as one frame into w, which gathers the
// header and the payload, so the payload is not copied into a frame of its
// own first: a leader writes each Deliver to every member, and that copy was
// a sixth of its allocation (docs/PERFORMANCE.md). w must have one writer.
func WriteFrameBuffered(w *bufio.Writer, payload []byte, limit int) error {
	if err := checkOutgoing(payload, limit); err != nil {
		return err
	}
	_, _ = w.Write(binary.BigEndian.AppendUint32(w.AvailableBuffer(), uint32(len(payload))))
	if _, err := w.Write(payload); err != nil {
		return fmt.Errorf("protocol: write frame: %w", err)
	}
	return nil
}

// checkOutgoing refuses a payload that no frame may carry.
func checkOutgoing(payload []byte, limit int) error {
	limit = effectiveLimit(limit)
	if len(payload) == 0 {
		return ErrEmptyFrame
	}
	if int64(len(payload)) > int64(limit) || uint64(len(payload)) > maxWireLen {
		return &FrameTooLargeError{Size: int64(len(payload)), Max: limit}
	}
	return nil
}

// FrameReader reads frames from a stream. It buffers its input, so once
// created it must be the only reader of the underlying stream. It is not
// safe for concurrent use.
type FrameReader struct {
	br    *bufio.Reader
	limit int
	hdr   [frameHeaderLen]byte
	err   error
	// Admit, when set, is asked before a payload of size bytes (within the
	// limit) is allocated; its error refuses the frame like any other.
	Admit func(size int) error
	// Reuse, when above 0, has payloads of at most Reuse bytes read into one
	// buffer the reader keeps, valid only until the next ReadFrame; larger
	// ones are allocated as without it. For a caller that decodes each
	// frame before it reads the next and keeps none of its bytes.
	Reuse int
	buf   []byte
}

// NewFrameReader returns a FrameReader refusing payloads over limit bytes.
// A limit <= 0 means DefaultMaxFrameSize.
func NewFrameReader(r io.Reader, limit int) *FrameReader {
	return &FrameReader{br: bufio.NewReader(r), limit: effectiveLimit(limit)}
}

// ReadFrame returns the next frame's payload, freshly allocated and owned by
// the caller (unless Reuse says otherwise). It returns io.EOF if the stream ends cleanly between frames and
// io.ErrUnexpectedEOF if it ends inside one. An oversize length prefix yields
// a *FrameTooLargeError before anything is allocated.
//
// Errors are sticky: after the first one, the position in the stream is
// unknown (a timeout may have struck mid-frame), so every later call returns
// the same error and the connection should be closed.
func (fr *FrameReader) ReadFrame() ([]byte, error) {
	if fr.err != nil {
		return nil, fr.err
	}
	p, err := fr.readFrame()
	if err != nil {
		fr.err = err
	}
	return p, err
}

func (fr *FrameReader) readFrame() ([]byte, error) {
	if _, err := io.ReadFull(fr.br, fr.hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(fr.hdr[:])
	if n == 0 {
		return nil, ErrEmptyFrame
	}
	if int64(n) > int64(fr.limit) {
		return nil, &FrameTooLargeError{Size: int64(n), Max: fr.limit}
	}
	if fr.Admit != nil {
		if err := fr.Admit(int(n)); err != nil {
			return nil, err
		}
	}
	var p []byte
	switch {
	case int(n) > fr.Reuse:
		p = make([]byte, n)
	case cap(fr.buf) < int(n):
		fr.buf = make([]byte, n)
		p = fr.buf
	default:
		p = fr.buf[:n]
	}
	if _, err := io.ReadFull(fr.br, p); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return p, nil
}
