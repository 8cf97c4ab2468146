package transport

import (
	"log/slog"
	"time"

	"github.com/ringchat/ring/internal/limits"
	"github.com/ringchat/ring/protocol"
	"github.com/ringchat/ring/protocol/secure"
)

// Options configure a Transport. Zero values select the defaults noted.
type Options struct {
	Self   protocol.NodeInfo
	Logger *slog.Logger // nil = discard; records carry component=transport from the caller
	// Keys are the cluster secret: with any, every connection is
	// authenticated and encrypted (package secure); the first is used to
	// connect, all are accepted. None: the ring is open. See SetKeys.
	Keys []secure.Key
	// MaxFrame bounds frame payloads both ways; 0 = limits.MaxFrame.
	MaxFrame int
	// QueueLen is how many frames may wait per peer before that peer is
	// dropped; 0 = limits.PeerQueue.
	QueueLen         int
	DialTimeout      time.Duration // 0 = limits.DialTimeout
	HandshakeTimeout time.Duration // 0 = limits.HandshakeTimeout
	// IdleTimeout closes an inbound connection with no frame for this long;
	// 0 = limits.IdleTimeout.
	IdleTimeout time.Duration
	// WriteTimeout drops an outbound peer that accepts no bytes for this
	// long; 0 = limits.WriteTimeout.
	WriteTimeout time.Duration
	// MaxHandshakes bounds the inbound connections in handshake at once;
	// beyond it new connections are closed at once. 0 = limits.Handshakes.
	MaxHandshakes int
	// MaxHandshakesPerHost bounds the inbound handshakes in progress from
	// one IP address, so that one host cannot hold every handshake slot and
	// keep the ring's own nodes out. 0 = limits.HandshakesPerHost.
	MaxHandshakesPerHost int
	// MaxInbound bounds the inbound connections open at once; beyond it new
	// connections are closed at once. 0 = limits.Inbound.
	MaxInbound int
	// FrameBudget bounds the bytes of large inbound frames (over 64 KiB)
	// being read at once, over all connections; 0 = 16 × MaxFrame, at
	// least 16 MiB.
	FrameBudget int64
}

const (
	receiveBuffer = 4096
	downBuffer    = 256
	writeBuffer   = 64 << 10
)

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxFrame <= 0 {
		o.MaxFrame = limits.MaxFrame
	}
	if o.QueueLen <= 0 {
		o.QueueLen = limits.PeerQueue
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = limits.DialTimeout
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = limits.HandshakeTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = limits.IdleTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = limits.WriteTimeout
	}
	if o.MaxHandshakes <= 0 {
		o.MaxHandshakes = limits.Handshakes
	}
	if o.MaxHandshakesPerHost <= 0 {
		o.MaxHandshakesPerHost = limits.HandshakesPerHost
	}
	if o.MaxInbound <= 0 {
		o.MaxInbound = limits.Inbound
	}
	if o.FrameBudget <= 0 {
		o.FrameBudget = max(limits.FrameBudgetFrames*int64(o.MaxFrame), limits.FrameBudgetMin)
	}
	return o
}
