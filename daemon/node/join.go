package node

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

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
