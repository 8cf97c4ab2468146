package protocol

import (
	"encoding/binary"
	"fmt"
	"io"
)

const (
	// Version is the newest protocol version this node speaks; it is what
	// the node advertises in its preamble.
	Version uint16 = 1
	// MinVersion is the oldest protocol version this node still speaks.
	MinVersion uint16 = 1
	// PreambleSize is the exact number of bytes each side writes and reads
	// during Handshake.
	PreambleSize = 8
)

// Magic opens every preamble.
const Magic = "RING"

// FlagSecure in a preamble says that its sender holds a cluster secret and
// that a Noise handshake (package secure) follows the preambles. The two
// ends must agree on it.
const FlagSecure uint16 = 1

// Preamble is what each end announces when a connection opens.
type Preamble struct {
	Version uint16
	Flags   uint16
}

// Bytes is the preamble as sent on the wire.
func (p Preamble) Bytes() []byte {
	b := make([]byte, PreambleSize)
	copy(b[:4], Magic)
	binary.BigEndian.PutUint16(b[4:6], p.Version)
	binary.BigEndian.PutUint16(b[6:8], p.Flags)
	return b
}

// BadMagicError reports a peer whose preamble does not start with Magic.
type BadMagicError struct {
	Got [4]byte
}

func (e *BadMagicError) Error() string {
	return fmt.Sprintf("protocol: not a ring peer (bad magic %q)", e.Got[:])
}

// VersionError reports a peer advertising a version this node cannot speak.
type VersionError struct {
	Peer     uint16 // version the peer advertised
	Min, Max uint16 // versions this node supports
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("protocol: peer speaks protocol version %d, this node supports %d..%d",
		e.Peer, e.Min, e.Max)
}

// AgreedVersion is the version both ends use after a successful Handshake
// with a peer that advertised peer: the older of the two.
func AgreedVersion(peer uint16) uint16 { return min(Version, peer) }

// Handshake is HandshakeFlags without flags: a ring without a secret.
func Handshake(rw io.ReadWriter) (peerVersion uint16, err error) {
	p, err := HandshakeFlags(rw, 0)
	return p.Version, err
}

// HandshakeFlags writes this node's preamble with flags, reads exactly
// PreambleSize bytes of the peer's and returns the peer's preamble. Both
// ends call it right after connecting; the caller sets deadlines on the
// connection.
//
// Each side advertises only its newest version and both then speak
// AgreedVersion. A side refuses the connection only if that version is below
// its own MinVersion, so a newer peer is accepted here and is itself
// responsible for refusing if it can no longer speak our Version. Flags
// this version does not know are ignored so later versions may use them.
//
// Nothing beyond the preamble is read, so the stream can be handed to a
// FrameReader afterwards.
func HandshakeFlags(rw io.ReadWriter, flags uint16) (Preamble, error) {
	out := Preamble{Version: Version, Flags: flags}.Bytes()

	// Write concurrently with the read: on an unbuffered transport such as
	// net.Pipe, two sides that both write first would deadlock.
	wrote := make(chan error, 1)
	go func() {
		_, err := rw.Write(out)
		wrote <- err
	}()
	var in [PreambleSize]byte
	_, rerr := io.ReadFull(rw, in[:])
	werr := <-wrote

	if rerr != nil {
		return Preamble{}, fmt.Errorf("protocol: handshake: read preamble: %w", rerr)
	}
	if string(in[:4]) != Magic {
		e := &BadMagicError{}
		copy(e.Got[:], in[:4])
		return Preamble{}, e
	}
	peer := Preamble{Version: binary.BigEndian.Uint16(in[4:6]), Flags: binary.BigEndian.Uint16(in[6:8])}
	if peer.Version < MinVersion {
		return peer, &VersionError{Peer: peer.Version, Min: MinVersion, Max: Version}
	}
	if werr != nil {
		return peer, fmt.Errorf("protocol: handshake: write preamble: %w", werr)
	}
	return peer, nil
}
