package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/protocol"
)

// Status reports this node's view of the ring.
func (n *Node) Status() chat.Status {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.pub.status
}

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

// SayResult is the outcome of one message: its receipt once it is
// committed (stored by a majority of the ring), or why not.
type SayResult struct {
	Receipt chat.Receipt
	Err     error
}

// SayAsync queues a chat message (to == "") or a direct message and returns
// at once; the channel yields the result. Messages queued one after another
// are sequenced in that order, so a caller can keep many in flight.
func (n *Node) SayAsync(ctx context.Context, text, to string) (<-chan SayResult, error) {
	if err := n.checkText(text); err != nil {
		return nil, err
	}
	n.mu.Lock()
	stopped, state := n.pub.stopped, n.pub.status.State
	n.mu.Unlock()
	switch {
	case stopped:
		return nil, ErrStopped
	case state == chat.StateDetached:
		return nil, ErrDetached
	}
	c := make(chan SayResult, 1)
	if err := n.do(ctx, func() {
		if to != "" {
			n.sayDirect(to, text, c)
			return
		}
		token := n.machine.Submit(protocol.KindChat, "", text)
		origin, counter := n.machine.LastSubmitted()
		n.drv.says[token] = &sayWait{c: c, at: time.Now(), id: origin + "/" + strconv.FormatUint(counter, 10)}
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Say sends a chat message (to == "") or a direct message to one member, and
// returns once it is committed: the leader has sequenced it and a majority
// of the ring, this node included, stores it. Without a quorum it fails
// after sayPatience with a NoQuorumError. If ctx ends first the message
// stays queued and is still delivered later.
func (n *Node) Say(ctx context.Context, text, to string) (chat.Receipt, error) {
	c, err := n.SayAsync(ctx, text, to)
	if err != nil {
		return chat.Receipt{}, err
	}
	select {
	case r := <-c:
		return r.Receipt, r.Err
	case <-n.done:
		return chat.Receipt{}, ErrStopped
	case <-ctx.Done():
		return chat.Receipt{}, fmt.Errorf("%w: the message is queued and will be sent when the ring has a leader", ctx.Err())
	}
}

// joinTimeout bounds one join attempt.
const joinTimeout = 10 * time.Second

// Join makes this node a member of the ring that the peer at addr belongs
// to, returning once it is a member.
func (n *Node) Join(ctx context.Context, addr string) (chat.Status, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return chat.Status{}, &InputError{Field: "address", Problem: fmt.Sprintf("%q is not host:port", addr)}
	}
	if addr == n.self.Addr {
		return chat.Status{}, &InputError{Field: "address", Problem: addr + " is this node itself"}
	}
	ctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	c := make(chan error, 1)
	if err := n.do(ctx, func() {
		n.drv.joins = append(n.drv.joins, c)
		n.machine.Join(protocol.NodeInfo{Addr: addr})
	}); err != nil {
		return chat.Status{}, err
	}
	select {
	case err := <-c:
		if err != nil {
			return chat.Status{}, fmt.Errorf("join through %s: %w", addr, err)
		}
		return n.Status(), nil
	case <-n.done:
		return chat.Status{}, ErrStopped
	case <-ctx.Done():
		return chat.Status{}, fmt.Errorf("join through %s: %w", addr, ctx.Err())
	}
}

// Leave detaches this node from its ring gracefully, once every message it
// said is sequenced. The daemon keeps running, detached.
func (n *Node) Leave(ctx context.Context) (chat.Status, error) {
	c := make(chan error, 1)
	if err := n.do(ctx, func() {
		n.drv.leaves = append(n.drv.leaves, c)
		n.machine.Leave()
	}); err != nil {
		return chat.Status{}, err
	}
	select {
	case err := <-c:
		if err != nil {
			return chat.Status{}, fmt.Errorf("leave: %w", err)
		}
		return n.Status(), nil
	case <-n.done:
		return chat.Status{}, ErrStopped
	case <-ctx.Done():
		return chat.Status{}, fmt.Errorf("leave: %w", ctx.Err())
	}
}

// reformWait bounds the election a reform starts.
const reformWait = 30 * time.Second

// Reform is the operator's way out when a majority of the ring is gone for
// good (ring.Machine.Reform): it returns once this node follows the leader
// of the new view, or why it refuses.
func (n *Node) Reform(ctx context.Context) (chat.Status, error) {
	answer := make(chan string, 1)
	if err := n.do(ctx, func() { answer <- n.machine.Reform() }); err != nil {
		return chat.Status{}, err
	}
	var refused string
	select {
	case refused = <-answer:
	case <-n.done:
		return chat.Status{}, ErrStopped
	case <-ctx.Done():
		return chat.Status{}, ctx.Err()
	}
	if refused != "" {
		return chat.Status{}, fmt.Errorf("%w: %s", ErrRefused, refused)
	}
	n.ringLog(slog.LevelWarn, "the operator forces a new view of the members this node reaches")
	ctx, cancel := context.WithTimeout(ctx, reformWait)
	defer cancel()
	for { // bounded by ctx
		if st := n.Status(); st.State == chat.StateMember {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return chat.Status{}, fmt.Errorf("reform: no leader of the new view yet: %w", ctx.Err())
		case <-n.done:
			return chat.Status{}, ErrStopped
		case <-time.After(n.opts.HeartbeatInterval):
		}
	}
}

// joinAtStart joins through the configured members in order, retrying with
// backoff until one admits this node or ctx ends.
func (n *Node) joinAtStart(ctx context.Context) {
	backoff := 200 * time.Millisecond
	for attempt := 1; ctx.Err() == nil; attempt++ {
		for _, addr := range n.opts.Join {
			_, err := n.Join(ctx, addr)
			if err == nil {
				return
			}
			if errors.Is(err, ErrStopped) || ctx.Err() != nil {
				return
			}
			n.ringLog(slog.LevelWarn, "join at start-up failed; will retry", "addr", addr, "attempt", attempt, "err", err)
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}
