package node

import (
	"time"

	"github.com/ringchat/ring/daemon/ring"
)

// sayWait is a say waiting for its message to be committed.
type sayWait struct {
	c  chan SayResult
	at time.Time
	id string
}

// sayPatience is how long a say waits while the node has no quorum before
// it reports so: two failure timeouts and an election.
func (n *Node) sayPatience() time.Duration {
	return 2*n.opts.FailureTimeout + time.Duration(n.machine.ElectionTicks())*n.opts.HeartbeatInterval
}

// expireSays answers the says that waited too long without a quorum: their
// messages stay queued and are delivered once the ring heals.
func (n *Node) expireSays() {
	if len(n.drv.says) == 0 {
		return
	}
	m := n.machine
	if m.State() == ring.Member && m.Reachable() >= m.Quorum() {
		return // committing, only slowly
	}
	now := time.Now()
	for token, w := range n.drv.says {
		if now.Sub(w.at) < n.sayPatience() {
			continue
		}
		delete(n.drv.says, token)
		w.c <- SayResult{Err: &NoQuorumError{ID: w.id, Reachable: m.Reachable(), Members: len(m.View().Members), Quorum: m.Quorum()}}
	}
}
