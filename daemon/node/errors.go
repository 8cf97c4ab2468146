package node

import (
	"errors"
	"fmt"
)

// ErrStopped is returned by calls made while the node is shutting down.
var ErrStopped = errors.New("node is stopping")

// ErrDetached refuses messages while the node belongs to no ring.
var ErrDetached = errors.New("this node is not a member of any ring; join one first (ringctl join ADDR)")

// ErrNoQuorum is wrapped by the error of a say that could not be committed
// in time because the node does not reach a majority of its ring.
var ErrNoQuorum = errors.New("no quorum")

// NoQuorumError: the message waits in the outbox; it is delivered once the
// ring heals, and must not be sent again.
type NoQuorumError struct {
	ID                 string // the message's id (origin/counter)
	Reachable, Members int
	Quorum             int
}

func (e *NoQuorumError) Error() string {
	return fmt.Sprintf("no quorum: this node reaches %d of %d members, %d are needed; message %s stays queued and will be delivered once the ring heals — do not send it again",
		e.Reachable, e.Members, e.Quorum, e.ID)
}

func (e *NoQuorumError) Unwrap() error { return ErrNoQuorum }

// ErrRefused is wrapped by the error of a request the node's state does not
// allow now (a reform while the ring may still heal, say).
var ErrRefused = errors.New("refused")

// InputError reports a request the node refuses because of what it contains.
type InputError struct {
	Field   string
	Problem string
}

func (e *InputError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Problem) }
