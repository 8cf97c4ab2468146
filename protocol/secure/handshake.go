package secure

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/flynn/noise"
)

var suite = noise.NewCipherSuite(noise.DH25519, noise.CipherChaChaPoly, noise.HashBLAKE2s)

// maxHandshakeMessage bounds what a peer may send during the handshake;
// NNpsk0's messages are 48 bytes each.
const maxHandshakeMessage = 128

var (
	// ErrWrongKey is matched by every handshake that failed because the two
	// ends do not hold a common key.
	ErrWrongKey = errors.New("secure: the peer does not hold this ring's secret")
	// ErrRefused reports a peer that closed the connection instead of
	// completing the handshake, which is what a node does on a wrong key.
	ErrRefused = errors.New("secure: the peer refused the handshake (does it hold another secret?)")
)

func newHandshake(key Key, initiator bool, prologue []byte) (*noise.HandshakeState, error) {
	return noise.NewHandshakeState(noise.Config{
		CipherSuite:           suite,
		Random:                rand.Reader,
		Pattern:               noise.HandshakeNN,
		Initiator:             initiator,
		Prologue:              prologue,
		PresharedKey:          key[:],
		PresharedKeyPlacement: 0,
	})
}

// Client runs the handshake as the side that connected, with the key it
// uses to connect. prologue must be the same bytes on both ends (the
// preambles they exchanged), so that tampering with them fails the
// handshake. The caller sets the connection's deadlines.
func Client(conn net.Conn, key Key, prologue []byte) (*Conn, error) {
	hs, err := newHandshake(key, true, prologue)
	if err != nil {
		return nil, fmt.Errorf("secure: %w", err)
	}
	msg, _, _, err := hs.WriteMessage(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("secure: %w", err)
	}
	if err := writeMessage(conn, msg); err != nil {
		return nil, err
	}
	reply, err := readMessage(conn)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, ErrRefused
		}
		return nil, err
	}
	_, send, recv, err := hs.ReadMessage(nil, reply)
	if err != nil {
		return nil, ErrWrongKey
	}
	return newConn(conn, send, recv), nil
}

// Server runs the handshake as the side that accepted the connection,
// trying each key it accepts. It returns the index of the key the peer
// used. On a wrong key it answers nothing; the caller closes conn.
func Server(conn net.Conn, keys []Key, prologue []byte) (*Conn, int, error) {
	msg, err := readMessage(conn)
	if err != nil {
		return nil, -1, err
	}
	for i, k := range keys {
		hs, err := newHandshake(k, false, prologue)
		if err != nil {
			return nil, -1, fmt.Errorf("secure: %w", err)
		}
		if _, _, _, err := hs.ReadMessage(nil, msg); err != nil {
			continue
		}
		reply, recv, send, err := hs.WriteMessage(nil, nil)
		if err != nil {
			return nil, -1, fmt.Errorf("secure: %w", err)
		}
		if err := writeMessage(conn, reply); err != nil {
			return nil, -1, err
		}
		return newConn(conn, send, recv), i, nil
	}
	return nil, -1, ErrWrongKey
}

func writeMessage(w io.Writer, msg []byte) error {
	buf := make([]byte, 2+len(msg))
	binary.BigEndian.PutUint16(buf, uint16(len(msg)))
	copy(buf[2:], msg)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("secure: handshake: write: %w", err)
	}
	return nil
}

func readMessage(r io.Reader) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("secure: handshake: read: %w", err)
	}
	n := binary.BigEndian.Uint16(hdr[:])
	if n == 0 || n > maxHandshakeMessage {
		return nil, fmt.Errorf("secure: handshake message of %d bytes, expected at most %d", n, maxHandshakeMessage)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(r, msg); err != nil {
		return nil, fmt.Errorf("secure: handshake: read: %w", err)
	}
	return msg, nil
}
