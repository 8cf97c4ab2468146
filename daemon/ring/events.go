package ring

import (
	"github.com/ringchat/ring/protocol"
)

// Event is something the driver should act on or report.
type Event interface{ isEvent() }

// Delivered: an entry was committed (stored by a majority), in sequence
// order; only then may it be shown.
type Delivered struct{ Entry protocol.Entry }

// Acked: a message this node submitted was committed.
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

// ViewChanged: the node routes by a new membership view (the newest view
// entry of its history, committed or not, or its leader's).
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

// PeerBack: a member this node had found dead or gone was heard again and
// counts as alive (its mark dropped without a view change).
type PeerBack struct{ Peer protocol.NodeInfo }

// ElectionStarted: this node started an election.
type ElectionStarted struct {
	Epoch uint64
	Why   string
}

// Voted: this node voted in a new epoch (Saved.Term and Saved.Vote). The
// driver stores the vote before it sends what the machine produced with it:
// a node that voted twice in one epoch could make two leaders.
type Voted struct {
	Epoch  uint64
	Leader string
}

// HistoryYielded: after an operator forced a new view (ringctl reform),
// this node's committed history from From to To differed from the
// leader's and was cut; its own messages there go out again.
type HistoryYielded struct{ From, To uint64 }

func (Voted) isEvent() {}

func (HistoryYielded) isEvent() {}

func (Delivered) isEvent() {}

func (Acked) isEvent() {}

func (StateChanged) isEvent() {}

func (LeaderChanged) isEvent() {}

func (ViewChanged) isEvent() {}

func (JoinDone) isEvent() {}

func (LeaveDone) isEvent() {}

func (PeerGone) isEvent() {}

func (PeerBack) isEvent() {}

func (ElectionStarted) isEvent() {}

// ElectionLost: this node's round could not make it leader (too few
// voters), and why.
type ElectionLost struct {
	Epoch uint64
	Why   string
}

// SteppedDown: this node stopped leading without a quorum, and why.
type SteppedDown struct{ Why string }

func (ElectionLost) isEvent() {}

func (SteppedDown) isEvent() {}
