package secure

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/flynn/noise"
)

const (
	tagSize    = 16    // ChaCha20-Poly1305
	maxRecord  = 65535 // a Noise message, and what the 2-byte length holds
	maxPlain   = maxRecord - tagSize
	recordHead = 2
)

// ErrBadRecord is matched by every record that fails authentication: it was
// altered, replayed, reordered or encrypted under another key.
var ErrBadRecord = errors.New("secure: record failed authentication (altered, replayed or out of order)")

// Conn is a connection after the handshake: what is written is sent in
// encrypted records, what is read is checked and decrypted. Deadlines and
// addresses are the underlying connection's. One Read and one Write may run
// at once; errors are sticky.
type Conn struct {
	net.Conn
	send, recv *noise.CipherState

	wmu  sync.Mutex
	wbuf []byte
	werr error

	in    []byte // one record's ciphertext
	plain []byte // decrypted, not yet read
	out   []byte // backing store of plain
	rerr  error
}

func newConn(c net.Conn, send, recv *noise.CipherState) *Conn {
	return &Conn{Conn: c, send: send, recv: recv}
}

// Write encrypts p into records, sent with one write to the connection.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return 0, c.werr
	}
	c.wbuf = c.wbuf[:0]
	for rest := p; len(rest) > 0; {
		chunk := rest[:min(len(rest), maxPlain)]
		rest = rest[len(chunk):]
		at := len(c.wbuf)
		c.wbuf = append(c.wbuf, 0, 0)
		var err error
		c.wbuf, err = c.send.Encrypt(c.wbuf, nil, chunk)
		if err != nil {
			c.werr = fmt.Errorf("secure: encrypt: %w", err)
			return 0, c.werr
		}
		binary.BigEndian.PutUint16(c.wbuf[at:], uint16(len(c.wbuf)-at-recordHead))
	}
	if _, err := c.Conn.Write(c.wbuf); err != nil {
		c.werr = err // the peer's nonce no longer matches ours: the stream is lost
		return 0, err
	}
	return len(p), nil
}

// Read returns decrypted bytes, reading a record when none are left.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(c.plain) == 0 {
		if c.rerr != nil {
			return 0, c.rerr
		}
		if err := c.readRecord(); err != nil {
			c.rerr = err
			return 0, err
		}
	}
	n := copy(p, c.plain)
	c.plain = c.plain[n:]
	return n, nil
}

func (c *Conn) readRecord() error {
	var hdr [recordHead]byte
	if _, err := io.ReadFull(c.Conn, hdr[:]); err != nil {
		return err // io.EOF between records is a clean end
	}
	n := int(binary.BigEndian.Uint16(hdr[:]))
	if n <= tagSize {
		return fmt.Errorf("secure: record of %d bytes is shorter than its tag", n)
	}
	if cap(c.in) < n {
		c.in = make([]byte, maxRecord)
	}
	if _, err := io.ReadFull(c.Conn, c.in[:n]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	plain, err := c.recv.Decrypt(c.out[:0], nil, c.in[:n])
	if err != nil {
		return ErrBadRecord
	}
	c.out = plain[:0]
	c.plain = plain
	return nil
}
