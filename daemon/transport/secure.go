package transport

import (
	"errors"
	"net"

	"github.com/ringchat/ring/protocol"
	"github.com/ringchat/ring/protocol/secure"
)

var (
	errPeerOpen   = errors.New("the peer has no cluster secret, and this node requires one")
	errPeerSecure = errors.New("the peer requires a cluster secret, and this node has none")
)

// SetKeys replaces the cluster keys: the first is used to connect, all are
// accepted from peers; none makes the ring open. Connections already
// authenticated stay up.
func (t *Transport) SetKeys(keys []secure.Key) {
	k := append([]secure.Key(nil), keys...)
	t.keys.Store(&k)
}

func (t *Transport) currentKeys() []secure.Key {
	if k := t.keys.Load(); k != nil {
		return *k
	}
	return nil
}

func preambleFlags(keys []secure.Key) uint16 {
	if len(keys) > 0 {
		return protocol.FlagSecure
	}
	return 0
}

// agree checks that both ends either hold a secret or do not.
func agree(local, peer uint16) error {
	switch {
	case local&protocol.FlagSecure != 0 && peer&protocol.FlagSecure == 0:
		return errPeerOpen
	case local&protocol.FlagSecure == 0 && peer&protocol.FlagSecure != 0:
		return errPeerSecure
	}
	return nil
}

// handshakeOut runs the handshake on a connection this node opened and
// returns the connection to write frames to.
func (t *Transport) handshakeOut(conn net.Conn) (net.Conn, error) { return t.handshake(conn, true) }

// handshakeIn runs the handshake on an accepted connection and returns the
// connection to read frames from.
func (t *Transport) handshakeIn(conn net.Conn) (net.Conn, error) { return t.handshake(conn, false) }

// handshake exchanges preambles and, with a secret, runs the Noise
// handshake over them: the side that connected first in the prologue.
func (t *Transport) handshake(conn net.Conn, connected bool) (net.Conn, error) {
	keys := t.currentKeys()
	local := protocol.Preamble{Version: protocol.Version, Flags: preambleFlags(keys)}
	peer, err := protocol.HandshakeFlags(conn, local.Flags)
	if err != nil {
		return nil, err
	}
	if err := agree(local.Flags, peer.Flags); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return conn, nil
	}
	if connected {
		return secure.Client(conn, keys[0], append(local.Bytes(), peer.Bytes()...))
	}
	sc, _, err := secure.Server(conn, keys, append(peer.Bytes(), local.Bytes()...))
	if err != nil {
		return nil, err
	}
	return sc, nil
}
