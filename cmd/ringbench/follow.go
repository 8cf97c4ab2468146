package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/ipc/client"
)

// maxResumes bounds how often one node's stream is reopened after ringd
// dropped it as too slow.
const maxResumes = 1000

// followers hold one `tail -f` stream per node and feed the tracker.
type followers struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	err   error // the first stream that ended while its node was meant to be live
	drops []int // per node: streams ringd dropped as too slow, then resumed
}

// follow opens every node's message stream (new messages only). A stream
// that ringd drops because it fell behind (watch.Buffer messages) is
// reopened after the last sequence number it showed, like `tail -f --since`:
// no message is missed, but those it fetches again count as arriving late.
func follow(ctx context.Context, c *cluster, tr *tracker) *followers {
	ctx, cancel := context.WithCancel(ctx)
	f := &followers{cancel: cancel, drops: make([]int, len(c.nodes))}
	for k, n := range c.nodes {
		f.wg.Go(func() { f.followNode(ctx, k, n, tr) })
	}
	return f
}

func (f *followers) followNode(ctx context.Context, k int, n *node, tr *tracker) {
	var last uint64
	q := client.Query{N: 0, Follow: true}
	for resumes := 0; ; resumes++ {
		err := n.cl.Messages(ctx, q, func(m chat.Message) error {
			last = max(last, m.Seq)
			tr.observe(k, m, time.Now())
			return nil
		})
		if ctx.Err() != nil || n.killed.Load() {
			return
		}
		if isDropped(err) && last > 0 && resumes < maxResumes {
			f.mu.Lock()
			f.drops[k]++
			f.mu.Unlock()
			q = client.Query{N: -1, Since: last, HasSince: true, Follow: true}
			continue
		}
		if err == nil {
			err = errors.New("ringd closed it")
		}
		f.fail(fmt.Errorf("the message stream of %s ended: %w", n.name, err))
		return
	}
}

// isDropped says whether err is ringd dropping a follower that fell behind.
func isDropped(err error) bool {
	return errors.Is(err, client.ErrWatcherTooSlow)
}

func (f *followers) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

// failed returns the first stream failure, nil while all are well.
func (f *followers) failed() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// dropped is how often ringd dropped each node's stream so far.
func (f *followers) dropped() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.drops...)
}

// stop closes every stream and waits for their goroutines.
func (f *followers) stop() {
	f.cancel()
	f.wg.Wait()
}
