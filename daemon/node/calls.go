package node

// Every call other goroutines make of a Node (the local API, ringd, tests)
// is in this file; the run goroutine does the work (driver.go).

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/protocol"
	"github.com/ringchat/ring/protocol/secure"
)

// Self returns this node's id, name and advertised address.
func (n *Node) Self() chat.NodeRef { return n.self }

// ListenAddr is the bound peer address.
func (n *Node) ListenAddr() net.Addr { return n.ln.Addr() }

// SetKeys replaces the cluster secret's keys for connections opened from
// now on: the first to connect, all accepted from peers.
func (n *Node) SetKeys(keys []secure.Key) { n.tr.SetKeys(keys) }

// Status reports this node's view of the ring.
func (n *Node) Status() chat.Status {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.pub.status
}

// Members lists the member directory (directory.go): every member the
// ring has known, until reaped. A node in no ring lists none.
func (n *Node) Members() []chat.Member {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.pub.status.State == string(ring.Detached) || n.pub.status.State == string(ring.Joining) {
		return []chat.Member{}
	}
	ms, reaped := n.pub.dir.List(n.now(), n.pub.lastSeen, n.self.ID)
	for _, id := range reaped {
		delete(n.pub.lastSeen, id)
	}
	for i := range ms {
		ms[i].Reachable = (ms[i].State == chat.PresenceAlive || ms[i].State == chat.PresenceSuspect) &&
			!slices.Contains(n.pub.unreachable, ms[i].ID)
	}
	return ms
}

// History returns stored messages matching q, up to the commit point:
// what a majority does not hold yet is not shown (it may still be cut).
func (n *Node) History(q watch.Query) []chat.Message {
	n.mu.Lock()
	shown := n.pub.status.CommitSeq
	n.mu.Unlock()
	if q.HasSince {
		return committedOnly(messagesOf(n.st.Since(q.Since)), shown)
	}
	k := q.N // negative: all of them
	if last := n.st.LastSeq(); k >= 0 && last > shown {
		k += int(last - shown) // the uncommitted ones are dropped below
	}
	msgs := committedOnly(messagesOf(n.st.Last(k)), shown)
	if q.N >= 0 && len(msgs) > q.N {
		msgs = msgs[len(msgs)-q.N:]
	}
	return msgs
}

// Watch returns the stored messages matching q and, atomically with them, a
// subscription to every later message (package watch). The local API uses
// Follow; Watch is for callers that want to see a drop (tests, tools).
func (n *Node) Watch(q watch.Query) ([]chat.Message, *watch.Subscription, error) {
	return n.hub.Watch(q)
}

// Follow is Watch for a stream that goes on when it falls behind
// (watch.Follower). A stream that starts with the last messages resumes
// after what was stored when it began, if it shows no sequenced message
// before it falls behind.
func (n *Node) Follow(q watch.Query) ([]chat.Message, *watch.Follower, error) {
	return n.hub.Follow(q, n.Status().LastSeq)
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
	cs, err := n.SayMany(ctx, []SayRequest{{Text: text, To: to}})
	if err != nil {
		return nil, err
	}
	return cs[0], nil
}

// SayRequest is one message of SayMany: chat (To empty) or direct.
type SayRequest struct{ Text, To string }

// SayMany is SayAsync for several messages, handed to the node's goroutine
// at once and sequenced in their order: one hand-off instead of one per
// message. It returns a result channel for each message queued. A message
// refused (its text) ends the batch: the channels of those before it are
// returned with the error; a refusal of the whole call (the node stops or
// is detached) returns no channel.
func (n *Node) SayMany(ctx context.Context, reqs []SayRequest) ([]<-chan SayResult, error) {
	var refused error
	for i, r := range reqs {
		if err := n.checkText(r.Text); err != nil {
			reqs, refused = reqs[:i], err
			break
		}
	}
	n.mu.Lock()
	stopped, state := n.pub.stopped, n.pub.status.State
	n.mu.Unlock()
	switch {
	case len(reqs) == 0:
		return nil, refused
	case stopped:
		return nil, ErrStopped
	case state == chat.StateDetached:
		return nil, ErrDetached
	}
	cs := make([]chan SayResult, len(reqs))
	for i := range cs {
		cs[i] = make(chan SayResult, 1)
	}
	reqs = slices.Clone(reqs) // the run goroutine reads them after do returns
	if err := n.do(ctx, func() {
		for i, r := range reqs {
			n.say(r, cs[i])
		}
	}); err != nil {
		return nil, err
	}
	out := make([]<-chan SayResult, len(cs))
	for i, c := range cs {
		out[i] = c
	}
	return out, refused
}

// say queues one message on the run goroutine; c gets its result.
func (n *Node) say(r SayRequest, c chan SayResult) {
	if r.To != "" {
		n.sayDirect(r.To, r.Text, c)
		return
	}
	token := n.machine.Submit(protocol.KindChat, "", r.Text)
	origin, counter := n.machine.LastSubmitted()
	n.drv.says[token] = &sayWait{c: c, at: time.Now(), id: origin + "/" + strconv.FormatUint(counter, 10)}
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
