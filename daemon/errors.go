package daemon

import (
	"errors"
	"fmt"
)

// ErrNotImplemented is returned by calls whose feature has not landed yet.
var ErrNotImplemented = errors.New("not implemented yet")

// ErrStopped is returned by calls made while the node is shutting down.
var ErrStopped = errors.New("node is stopping")

// ErrDetached refuses messages while the node belongs to no ring.
var ErrDetached = errors.New("this node is not a member of any ring; join one first (ringctl join ADDR)")

// ErrWatcherTooSlow ends a subscription whose reader fell behind.
var ErrWatcherTooSlow = errors.New("watcher dropped: it did not keep up with the chat")

// InputError reports a request the node refuses because of what it contains.
type InputError struct {
	Field   string
	Problem string
}

func (e *InputError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Problem) }
