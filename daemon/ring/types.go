package ring

// The types a driver hands a Machine or gets back from it.

import (
	"github.com/ringchat/ring/protocol"
)

// State is where a node stands with respect to its ring.
type State string

const (
	Detached State = "detached"
	Joining  State = "joining"
	Member   State = "member"
	Electing State = "electing"
	// NoQuorum: the node is in a ring but has no leader and cannot elect
	// one, because it does not reach a majority of its view (a partition,
	// or most of the ring is down). It sequences nothing, keeps what its
	// user says queued, and probes the members until the ring heals.
	NoQuorum State = "no-quorum"
	Leaving  State = "leaving"
)

// Log is the node's stored history, in sequence order. The machine appends
// each entry the leader sequenced; an entry is committed (shown, counted as
// said) once a majority stores it, and only the uncommitted end of the log
// is ever cut. Retention may remove its oldest entries: it then starts
// after a floor.
type Log interface {
	LastSeq() uint64   // the floor's when no entry is left
	LastEpoch() uint64 // epoch of the last entry, 0 if none
	Append(protocol.Entry) error
	After(seq uint64, max int) []protocol.Entry
	// EpochEnd finds the largest epoch not above epoch in the history and
	// the last sequence number of it (0, 0 if there is none); ok is false
	// when the answer lies in what retention removed.
	EpochEnd(epoch uint64) (endEpoch, endSeq uint64, ok bool)
	// TruncateAfter removes the entries above seq and returns them.
	TruncateAfter(seq uint64) ([]protocol.Entry, error)
	// Floor is the last sequence number (and its epoch) that retention
	// removed, 0, 0 if the history starts at 1.
	Floor() (seq, epoch uint64)
	// StartAfter makes an empty log continue after seq, with the origin
	// counters of the history it will not hold and the membership in force
	// at seq.
	StartAfter(seq, epoch uint64, origins map[string]uint64, members []protocol.NodeInfo) error
	// Origins is the highest counter stored of each origin.
	Origins() map[string]uint64
	Reset() error // forget everything: the node joins another ring
	// Durable is the sequence number up to which every entry is stored
	// durably: what the node may tell its leader it holds.
	Durable() uint64
	// ViewAt is the last view entry (Entry.IsView) at or below seq; false
	// if there is none.
	ViewAt(seq uint64) (protocol.Entry, bool)
	// Lamport is the highest Lamport time of any entry it holds or held
	// (retention, truncation and Reset do not lower it): a restarted
	// node's clock goes on from it. The last entry need not hold it: a
	// leader sequences what members said in the order it arrives.
	Lamport() uint64
}

// Config sets up a Machine. Times are counted in ticks; the driver ticks
// once per heartbeat interval.
type Config struct {
	Self          protocol.NodeInfo
	Log           Log
	FailureTicks  int          // silence after which a peer is dead (default 5)
	ElectionTicks int          // an election not decided by then restarts (default 4*FailureTicks)
	Now           func() int64 // wall clock in Unix nanoseconds for new entries
}

// Outgoing is one message to send.
type Outgoing struct {
	To      protocol.NodeInfo
	Msg     protocol.Message
	Lamport uint64
	Epoch   uint64
}

// Ready is what the machine produced since the last call to Ready.
type Ready struct {
	Messages []Outgoing
	Events   []Event
}
