// Package protocol defines the wire format spoken between ringd peers.
//
// A peer connection is layered as follows:
//
//  1. Handshake: right after the TCP connect both sides exchange an 8-byte
//     preamble ("RING", protocol version, reserved flags) so that a stray
//     client or an incompatible build is refused before any message is parsed.
//  2. Frames: every message travels in a frame made of a 4-byte big-endian
//     payload length followed by the payload (see WriteFrame and FrameReader).
//     Frames are bounded in size and the bound is checked before any
//     allocation.
//  3. Messages: a frame payload is a CBOR Envelope carrying the message type,
//     the sender's Lamport time, node id and epoch, and the CBOR-encoded
//     message body (see Encode and Decode).
//
// Decode is meant to be fed untrusted bytes: it uses a CBOR decoding mode with
// tight limits and then runs the message's Validate method, so any message it
// returns is well-formed. Unknown map keys are ignored so that later versions
// can add optional fields; a new message type, in contrast, is refused with
// an *UnknownTypeError.
//
// The package does no I/O of its own beyond the io.Reader and io.Writer it is
// handed; deadlines, retries and connection management belong to the caller.
package protocol
