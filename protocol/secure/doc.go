// Package secure authenticates and encrypts a peer connection with the
// Noise protocol framework (pattern NNpsk0: a pre-shared cluster key and an
// ephemeral Diffie-Hellman exchange on each connection), and carries the
// byte stream after the handshake in encrypted records.
//
// A peer without the key fails the handshake; the ephemeral exchange gives
// forward secrecy; implicit record nonces refuse a replayed, reordered or
// altered record, and a replayed handshake derives keys the replayer does
// not have.
package secure
