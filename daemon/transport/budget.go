package transport

import (
	"errors"
	"sync/atomic"
)

// smallFrame is the size up to which a frame needs no share of the budget:
// heartbeats, submits and acks always get through, and the connections
// that may be open at once (Options.MaxInbound) bound what they hold.
const smallFrame = 64 << 10

var errBudget = errors.New("too many large frames in progress on all connections; frame refused")

// frameBudget bounds the memory that inbound frames larger than
// smallFrame hold while they arrive, over every connection: a peer that
// announces large frames and stalls cannot make the node allocate without
// limit. A frame over the budget closes its connection; the sender's next
// connection tries again.
type frameBudget struct {
	used atomic.Int64
	max  int64
}

func (b *frameBudget) admit(n int) error {
	if n <= smallFrame {
		return nil
	}
	if b.used.Add(int64(n)) > b.max {
		b.used.Add(-int64(n))
		return errBudget
	}
	return nil
}

func (b *frameBudget) release(n int) {
	if n > smallFrame {
		b.used.Add(-int64(n))
	}
}
