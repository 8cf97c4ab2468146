package node

import (
	"log/slog"
	"time"

	"github.com/ringchat/ring/internal/limits"
	"github.com/ringchat/ring/protocol/secure"
)

// Settings are what ringd's configuration sets on a node. internal/config
// embeds them in its Config, so they reach Options whole. A zero field
// selects the default of internal/limits, but for History (zero: no bound)
// and Members (zero: never reap).
type Settings struct {
	Name      string
	Listen    string // TCP address for peers; port 0 picks a free one
	Advertise string // address peers dial; empty means the bound listen address
	DataDir   string
	// Join lists members to join at start-up, tried in order and retried
	// with backoff; empty means the node founds a new ring.
	Join              []string
	HeartbeatInterval time.Duration
	FailureTimeout    time.Duration
	History           History
	Members           Members
	Limits            Limits
}

// History bounds the stored history (history.*): 0 is no bound.
type History struct {
	RetainCount int
	RetainAge   time.Duration
}

// Members configures the member directory (members.*).
type Members struct {
	// ReapAfter is how long a dead or departed member stays listed; 0
	// keeps it for ever.
	ReapAfter time.Duration
}

// Limits bound what a node accepts from peers and local clients (limits.*).
type Limits struct {
	MaxFrame   int // bytes of one peer frame, either way
	MaxText    int // bytes of one chat message said on this node
	MaxName    int // bytes of this node's name (config checks it; the node does not use it)
	Handshakes int // inbound peer connections in handshake at once
	JoinRate   int // join requests from peers handled per second
	JoinBurst  int // join requests handled at once before JoinRate applies
	PeerQueue  int // frames waiting for one peer before it is dropped
}

// Options configure a Node: its settings and what only a program gives.
type Options struct {
	Settings
	Logger *slog.Logger // records get component=node, store, transport or watch
	// Now is the wall clock; nil means time.Now.
	Now func() time.Time
	// Keys are the cluster secret (SetKeys); none leaves the ring open.
	Keys []secure.Key
}

// withDefaults fills in what is zero.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.HeartbeatInterval = orDefault(o.HeartbeatInterval, limits.HeartbeatInterval)
	o.FailureTimeout = orDefault(o.FailureTimeout, limits.FailureTimeout)
	l := &o.Limits
	l.MaxFrame = orDefault(l.MaxFrame, limits.MaxFrame)
	l.MaxText = orDefault(l.MaxText, limits.MaxText)
	l.Handshakes = orDefault(l.Handshakes, limits.Handshakes)
	l.JoinRate = orDefault(l.JoinRate, limits.JoinRate)
	l.JoinBurst = orDefault(l.JoinBurst, limits.JoinBurst)
	l.PeerQueue = orDefault(l.PeerQueue, limits.PeerQueue)
	return o
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
