package ring

import "github.com/ringchat/ring/protocol"

// Event is something the driver should act on or report.
type Event interface{ isEvent() }

// Delivered: an entry was appended to the log, in sequence order.
type Delivered struct{ Entry protocol.Entry }

// Acked: a message this node submitted was sequenced and stored locally.
type Acked struct {
	Token uint64
	Entry protocol.Entry
}

// StateChanged: the node's state changed.
type StateChanged struct{ State State }

// LeaderChanged: a leader took over (or this node became leader).
type LeaderChanged struct {
	Leader protocol.NodeInfo
	Epoch  uint64
}

// ViewChanged: a new membership view was installed.
type ViewChanged struct{ View protocol.View }

// JoinDone ends a Join: Err is empty on success.
type JoinDone struct{ Err string }

// LeaveDone ends a Leave: Err is empty on success.
type LeaveDone struct{ Err string }

// PeerGone: a member was found dead or left.
type PeerGone struct {
	Peer protocol.NodeInfo
	Why  string
}

// ElectionStarted: this node started an election.
type ElectionStarted struct {
	Epoch uint64
	Why   string
}

func (Delivered) isEvent()       {}
func (Acked) isEvent()           {}
func (StateChanged) isEvent()    {}
func (LeaderChanged) isEvent()   {}
func (ViewChanged) isEvent()     {}
func (JoinDone) isEvent()        {}
func (LeaveDone) isEvent()       {}
func (PeerGone) isEvent()        {}
func (ElectionStarted) isEvent() {}
