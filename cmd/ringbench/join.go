package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

// JoinResult is the time of each join while the ring formed.
type JoinResult struct {
	Joins int `json:"joins"`
	// Return: the join call, from its start until it returned a member status.
	Return Dist `json:"return"`
	// Ring: from the start of the call until every member, the new one
	// included, lists all members (polled, so it includes up to a few ms
	// of polling).
	Ring Dist `json:"ring"`
}

// joinTimeout bounds one join and the wait for the ring to see it.
const joinTimeout = 15 * time.Second

// formRing makes node k join through node k-1, timing each join.
func (b *bench) formRing(ctx context.Context) (*JoinResult, error) {
	nodes := b.c.nodes
	var ret, seen []time.Duration
	for k := 1; k < len(nodes); k++ {
		joiner, via := nodes[k], nodes[k-1]
		jctx, cancel := context.WithTimeout(ctx, joinTimeout)
		start := time.Now()
		st, err := joiner.cl.Join(jctx, via.addr)
		took := time.Since(start)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("%s joins through %s (%s): %w", joiner.name, via.name, via.addr, err)
		}
		if st.State != chat.StateMember {
			return nil, fmt.Errorf("%s joined through %s but is %s", joiner.name, via.name, st.State)
		}
		want := k + 1
		err = b.waitUntil(ctx, fmt.Sprintf("every member to list %d members after %s joined", want, joiner.name),
			joinTimeout, func() bool { return b.allList(ctx, nodes[:want], want) })
		if err != nil {
			return nil, err
		}
		ret = append(ret, took)
		seen = append(seen, time.Since(start))
		b.prog.status(fmt.Sprintf("%s joined in %.1f ms (%d members)", joiner.name, ms(took), want))
	}
	return &JoinResult{Joins: len(ret), Return: distOf(ret), Ring: distOf(seen)}, nil
}

// allList says whether every one of nodes is a member listing want members.
func (b *bench) allList(ctx context.Context, nodes []*node, want int) bool {
	for _, n := range nodes {
		st, err := n.status(ctx)
		if err != nil || st.State != chat.StateMember || st.Members != want {
			return false
		}
	}
	return true
}
