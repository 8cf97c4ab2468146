// Package limits is the one home of ring's limits and defaults: the
// defaults of the config keys, the bounds config checks them against, and
// the sizes that the ring machine, the transport and config must agree on.
// A zero option anywhere below config means "the default written here".
package limits

import "time"

// Defaults of the ring's timing keys.
const (
	HeartbeatInterval = 200 * time.Millisecond // heartbeat_interval
	FailureTimeout    = time.Second            // failure_timeout
)

// Defaults of history.* and members.*.
const (
	RetainCount = 100000         // history.retain_count
	RetainAge   = 0              // history.retain_age: no age limit
	ReapAfter   = 24 * time.Hour // members.reap_after
)

// Defaults of limits.*.
const (
	MaxFrame   = 1 << 20 // limits.max_frame, bytes of one peer frame either way
	MaxText    = 4096    // limits.max_text, bytes of one message said on this node
	MaxName    = 64      // limits.max_name, bytes of this node's name
	Handshakes = 64      // limits.handshakes, inbound connections in handshake at once
	JoinRate   = 10      // limits.join_rate, join requests from peers per second
	JoinBurst  = 20      // limits.join_burst, join requests at once before join_rate applies
	PeerQueue  = 4096    // limits.peer_queue, frames waiting for one peer before it is dropped
)

// FrameEntries is how many entries the leader puts in one Deliver or
// catch-up reply, and EntryOverhead bounds what an encoded entry takes
// besides its text, with every other field at its protocol limit, plus its
// share of the frame's envelope. Config uses both to check that
// limits.max_frame carries a full batch of limits.max_text messages.
const (
	FrameEntries  = 128
	EntryOverhead = 1024
)

// Bounds of the limits.* keys, which config checks. The upper bounds of
// max_text and max_name are the protocol's (protocol.MaxTextLen,
// MaxNameLen): a node must not say what others refuse.
const (
	FrameMin      = 64 << 10
	FrameMax      = 64 << 20
	HandshakesMax = 4096
	JoinRateMax   = 10000
	PeerQueueMin  = 64
	PeerQueueMax  = 1 << 20
)

// Defaults of the transport, which no config key sets.
const (
	DialTimeout       = 2 * time.Second  // to connect to a peer
	HandshakeTimeout  = 5 * time.Second  // for a peer's handshake, either way
	IdleTimeout       = 30 * time.Second // an inbound connection with no frame is closed
	WriteTimeout      = 5 * time.Second  // an outbound peer that takes no bytes is dropped
	HandshakesPerHost = 16               // inbound handshakes from one IP address at once
	Inbound           = 256              // inbound connections open at once
	// The bytes of large inbound frames read at once, over all connections:
	// this many frames of max_frame, and at least FrameBudgetMin.
	FrameBudgetFrames = 16
	FrameBudgetMin    = 16 << 20
)

// Defaults of the ring machine for a Config that gives none (the node
// always derives FailureTicks from failure_timeout / heartbeat_interval).
const (
	FailureTicks     = 5 // ticks of silence after which a peer is gone
	ElectionFailures = 4 // an election round gives up after this many failure timeouts
)
