package transport

import (
	"log/slog"
	"time"

	"github.com/ringchat/ring/protocol"
)

// Options configure a Transport. Zero values select the defaults noted.
type Options struct {
	Self   protocol.NodeInfo
	Logger *slog.Logger // nil = discard; records carry component=transport from the caller
	// MaxFrame bounds frame payloads both ways; 0 = protocol.DefaultMaxFrameSize.
	MaxFrame int
	// QueueLen is how many frames may wait per peer before that peer is
	// dropped; 0 = 4096.
	QueueLen         int
	DialTimeout      time.Duration // 0 = 2s
	HandshakeTimeout time.Duration // 0 = 5s
	// IdleTimeout closes an inbound connection with no frame for this long;
	// 0 = 30s.
	IdleTimeout time.Duration
	// WriteTimeout drops an outbound peer that accepts no bytes for this
	// long; 0 = 5s.
	WriteTimeout time.Duration
	// MaxHandshakes bounds the inbound connections in handshake at once;
	// beyond it new connections are closed at once. 0 = 64.
	MaxHandshakes int
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
		o.MaxFrame = protocol.DefaultMaxFrameSize
	}
	if o.QueueLen <= 0 {
		o.QueueLen = 4096
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 2 * time.Second
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 5 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 30 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 5 * time.Second
	}
	if o.MaxHandshakes <= 0 {
		o.MaxHandshakes = 64
	}
	return o
}
