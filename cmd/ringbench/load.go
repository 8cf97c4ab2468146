package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

// sayStream is one `say -` stream to a node: many messages in flight,
// receipts in order.
type sayStream struct {
	node     *node
	texts    chan string
	acked    atomic.Int64
	finished chan struct{} // closed when SayStream returned
	err      error         // what it returned; read after finished
}

// openStream starts a say stream to n; buf is how many texts may wait
// between ringbench and the stream's encoder.
func openStream(ctx context.Context, n *node, buf int) *sayStream {
	s := &sayStream{node: n, texts: make(chan string, buf), finished: make(chan struct{})}
	go func() {
		defer close(s.finished)
		s.err = n.cl.SayStream(ctx, "", s.texts, func(chat.Receipt) error {
			s.acked.Add(1)
			return nil
		})
	}()
	return s
}

// send hands text to the stream; false if the stream ended first or ctx did.
func (s *sayStream) send(ctx context.Context, text string) bool {
	select {
	case s.texts <- text:
		return true
	case <-s.finished:
		return false
	case <-ctx.Done():
		return false
	}
}

// endedEarly is the error of a stream that ended before it was closed.
func (s *sayStream) endedEarly() error {
	select {
	case <-s.finished:
		if s.err == nil {
			return fmt.Errorf("the say stream to %s ended early", s.node.name)
		}
		return fmt.Errorf("the say stream to %s: %w", s.node.name, s.err)
	default:
		return nil
	}
}

// streamsDrain bounds the wait for the acknowledgements of a closed stream.
const streamsDrain = 30 * time.Second

// closeStreams closes every stream and waits for their last receipts.
func closeStreams(streams []*sayStream) error {
	for _, s := range streams {
		close(s.texts)
	}
	deadline := time.After(streamsDrain)
	var errs []error
	for _, s := range streams {
		select {
		case <-s.finished:
			if s.err != nil {
				errs = append(errs, fmt.Errorf("the say stream to %s: %w", s.node.name, s.err))
			}
		case <-deadline:
			return fmt.Errorf("the say stream to %s was not acknowledged within %v", s.node.name, streamsDrain)
		}
	}
	return errors.Join(errs...)
}

// acked is the receipts of all streams so far.
func acked(streams []*sayStream) int {
	n := 0
	for _, s := range streams {
		n += int(s.acked.Load())
	}
	return n
}
