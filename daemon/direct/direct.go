// Package direct is the author's side of the direct-message protocol
// (ringctl say --to): the messages a node sent and waits to have
// acknowledged, when each is sent again, and when it gives up. It holds no
// clock and does no I/O: the node passes the time in, sends what it is
// told to send and answers the callers.
//
// A direct message goes from the author's node to the recipient's node over
// the ring's authenticated connections, not through the leader, and is
// never sequenced. The recipient stores it and acknowledges it; the author
// stores it on that ack and only then answers the say. Without an ack the
// author sends it again every resend interval (a lost connection loses what
// it carried), and gives up after the ack wait.
package direct

import (
	"fmt"
	"time"

	"github.com/ringchat/ring/protocol"
)

// Message is a direct message to send (again).
type Message struct {
	Entry protocol.Entry
	To    protocol.NodeInfo
}

// Outcome ends one message: Err nil means the recipient stored it, and the
// author must store it too.
type Outcome struct {
	Message
	Err error
}

// waiting is a message sent and not acknowledged yet.
type waiting struct {
	Message
	until  time.Time // given up then
	resend time.Time // sent again then
}

// Outbox holds the direct messages this node sent and waits on, by origin
// counter.
type Outbox struct {
	ackWait, resendEvery time.Duration
	pending              map[uint64]*waiting
	last                 uint64 // the last counter handed out
}

// NewOutbox makes an outbox that sends a message again every resendEvery
// and gives up after ackWait.
func NewOutbox(ackWait, resendEvery time.Duration) *Outbox {
	return &Outbox{ackWait: ackWait, resendEvery: resendEvery, pending: map[uint64]*waiting{}}
}

// NextCounter numbers the next message at now. Counters of direct messages
// are apart from the ring's (those must have no gaps); taken from the
// clock, they stay unique across restarts without being stored.
func (o *Outbox) NextCounter(now time.Time) uint64 {
	o.last = max(o.last+1, uint64(now.UnixNano()))
	return o.last
}

// Add records m as sent at now; the caller sends it.
func (o *Outbox) Add(m Message, now time.Time) {
	o.pending[m.Entry.OriginCounter] = &waiting{Message: m, until: now.Add(o.ackWait), resend: now.Add(o.resendEvery)}
}

// Len is how many messages wait for their ack.
func (o *Outbox) Len() int { return len(o.pending) }

// Acked takes the recipient's answer; false if it answers nothing this
// outbox waits on (a duplicate, or from another node).
func (o *Outbox) Acked(from string, ack protocol.DirectAck) (Outcome, bool) {
	w := o.pending[ack.Counter]
	if w == nil || w.To.ID != from {
		return Outcome{}, false
	}
	delete(o.pending, ack.Counter)
	out := Outcome{Message: w.Message}
	if ack.Error != "" {
		out.Err = fmt.Errorf("%s refused the direct message: %s", w.To.Name, ack.Error)
	}
	return out, true
}

// PeerDown takes a failed connection to peer at now: its messages are sent
// again at the next Tick on a new connection if it is still a member
// (inView), and fail otherwise.
func (o *Outbox) PeerDown(peer protocol.NodeInfo, inView func(id string) bool, now time.Time) []Outcome {
	var failed []Outcome
	for c, w := range o.pending {
		if w.To.ID != peer.ID && w.To.Addr != peer.Addr {
			continue
		}
		if inView(w.To.ID) {
			w.resend = now
			continue
		}
		delete(o.pending, c)
		failed = append(failed, Outcome{Message: w.Message,
			Err: fmt.Errorf("%s went offline before it acknowledged the direct message", w.To.Name)})
	}
	return failed
}

// Tick returns at now the messages to send again, whose ack is late, and
// those that get no more time.
func (o *Outbox) Tick(now time.Time) (resend []Message, expired []Outcome) {
	for c, w := range o.pending {
		switch {
		case now.After(w.until):
			delete(o.pending, c)
			expired = append(expired, Outcome{Message: w.Message,
				Err: fmt.Errorf("no answer from %s within %v; it may still have got the message", w.To.Name, o.ackWait)})
		case !now.Before(w.resend):
			w.resend = now.Add(o.resendEvery)
			resend = append(resend, w.Message)
		}
	}
	return resend, expired
}

// FailAll ends every message still waiting with err.
func (o *Outbox) FailAll(err error) []Outcome {
	var failed []Outcome
	for c, w := range o.pending {
		delete(o.pending, c)
		failed = append(failed, Outcome{Message: w.Message, Err: err})
	}
	return failed
}
