package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/ipc/client"
)

// node is one ringd under measurement, started by ringbench or attached.
type node struct {
	name   string
	socket string
	cl     *client.Client
	pid    int      // 0 if unknown
	id     string   // node id, from its status
	addr   string   // peer address, from its status
	proc   *process // nil when attached
	killed atomic.Bool
}

// cluster is the nodes of one run.
type cluster struct {
	nodes []*node
	dir   string // the started daemons' directory; "" when attached
	keep  bool
}

// live is the nodes not killed by the failover phase.
func (c *cluster) live() []*node {
	var out []*node
	for _, n := range c.nodes {
		if !n.killed.Load() {
			out = append(out, n)
		}
	}
	return out
}

// check reports a started daemon that exited without being asked to.
func (c *cluster) check() error {
	for _, n := range c.nodes {
		if n.proc == nil || n.killed.Load() {
			continue
		}
		select {
		case <-n.proc.exited:
			return fmt.Errorf("ringd %s exited unexpectedly (%v); its log:\n%s", n.name, n.proc.waitErr, n.proc.logTail())
		default:
		}
	}
	return nil
}

// statusTimeout bounds one status call.
const statusTimeout = 5 * time.Second

func (n *node) status(ctx context.Context) (chat.Status, error) {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	return n.cl.Status(ctx)
}

// attach measures running daemons: each socket must answer as a member of
// one and the same ring.
func attach(ctx context.Context, sockets []string) (*cluster, error) {
	c := &cluster{}
	ring := ""
	for i, s := range sockets {
		n := &node{socket: s, cl: client.New(s)}
		st, err := n.status(ctx)
		if err != nil {
			return nil, fmt.Errorf("attach to %s: %w", s, err)
		}
		if st.State != chat.StateMember {
			return nil, fmt.Errorf("attach to %s: ringd is %s, not a member of a ring", s, st.State)
		}
		if i > 0 && st.Ring != ring {
			return nil, fmt.Errorf("attach to %s: it is in ring %q, but %s is in ring %q", s, st.Ring, sockets[0], ring)
		}
		ring = st.Ring
		n.name, n.id, n.addr = st.Name, st.ID, st.Addr
		if n.pid, err = peerPID(s); err != nil {
			return nil, fmt.Errorf("attach to %s: %w", s, err)
		}
		c.nodes = append(c.nodes, n)
	}
	return c, nil
}

// leader finds the node that leads the ring, asking the live nodes in turn.
func (c *cluster) leader(ctx context.Context) (*node, error) {
	var errs []error
	for _, n := range c.live() {
		st, err := n.status(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.name, err))
			continue
		}
		for _, m := range c.nodes {
			if m.id == st.Leader.ID {
				return m, nil
			}
		}
		return nil, fmt.Errorf("the leader %s (%s) is not one of the measured nodes", st.Leader.Name, st.Leader.ID)
	}
	return nil, fmt.Errorf("no node answers its status: %w", errors.Join(errs...))
}
