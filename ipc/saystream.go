package ipc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/ipc/api"
)

// sayStreamWindow is how many messages of one stream wait for their
// acknowledgement at once.
const sayStreamWindow = 256

// handleSayStream takes one say request per line and answers one receipt per
// line in the same order. Lines are handed to the node as they arrive,
// without waiting for earlier acknowledgements, so a client keeps many
// messages in flight; the node sequences them in arrival order. The first
// refusal is answered with an error line and ends the stream. Receipts are
// flushed together: the writer writes every receipt that is ready (up to
// streamBatch) with one flush before it waits for the next.
func (s *Server) handleSayStream(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	if err := rc.EnableFullDuplex(); err != nil {
		writeError(w, http.StatusInternalServerError, "streaming is not available: "+err.Error())
		return
	}
	s.logCall(r, "say-stream")
	w.Header().Set("Content-Type", api.ContentTypeStream)
	w.WriteHeader(http.StatusOK)
	sw := &sayWriter{
		w: w, rc: rc, ctx: r.Context(),
		queue: make(chan pending, sayStreamWindow), done: make(chan struct{}),
	}
	sw.enc = json.NewEncoder(&sw.buf)
	if sw.enc.Encode(struct{}{}) != nil || !sw.flush() { // the first line: the stream is open
		return
	}
	go sw.run()
	defer func() { <-sw.done }()
	defer close(sw.queue)
	s.readSayLines(r, sw)
}

// maxSayBatch bounds the lines handed to the node at once: a stream may so
// have sayStreamWindow + maxSayBatch messages in flight.
const maxSayBatch = 64

// readSayLines hands the lines of the request to the node, those that
// arrived together in one call, and their pending results to the writer,
// until the body ends or a line is refused.
func (s *Server) readSayLines(r *http.Request, sw *sayWriter) {
	lr := newLineReader(r.Body, int(s.lim.body))
	reqs := make([]node.SayRequest, 0, maxSayBatch)
	line := 0 // the lines read
	for {
		reqs = reqs[:0]
		first := line + 1
		var stop *pending // what ends the stream after this batch
		for len(reqs) < maxSayBatch && (len(reqs) == 0 || lr.ready()) {
			b, err := lr.next()
			if err != nil {
				stop = s.readFailure(r, line+1, err)
				break
			}
			line++
			var req api.SayRequest
			if err := decodeSayLine(b, &req); err != nil {
				stop = &pending{line: line, err: &refusal{api.CodeBadRequest, fmt.Errorf("malformed request: %w", err)}}
				break
			}
			reqs = append(reqs, node.SayRequest{Text: req.Text, To: req.To})
		}
		if len(reqs) > 0 && !s.sayBatch(r, sw, first, reqs) {
			return
		}
		if stop != nil {
			if stop.err != nil {
				sw.push(*stop)
			}
			return
		}
	}
}

// sayBatch hands reqs (lines first, first+1, ...) to the node and their
// results to the writer; false when the stream ends.
func (s *Server) sayBatch(r *http.Request, sw *sayWriter, first int, reqs []node.SayRequest) bool {
	results, err := s.node.SayMany(r.Context(), reqs)
	for i, res := range results {
		if !sw.push(pending{line: first + i, result: res}) {
			return false
		}
	}
	if err != nil {
		sw.push(pending{line: first + len(results), err: err})
		return false
	}
	return true
}

// readFailure is what ends the stream when the next line cannot be read:
// nothing at its end or when the client went away, else a refusal.
func (s *Server) readFailure(r *http.Request, line int, err error) *pending {
	switch {
	case errors.Is(err, errLineTooLong):
		return &pending{line: line, err: &refusal{api.CodeTooLarge, fmt.Errorf("longer than %d bytes", s.lim.body)}}
	case errors.Is(err, io.EOF) || r.Context().Err() != nil:
		return &pending{}
	}
	return &pending{line: line, err: &refusal{api.CodeBadRequest, fmt.Errorf("reading the request: %w", err)}}
}

// pending is one line handed to the node, in the writer's queue.
type pending struct {
	line   int
	result <-chan node.SayResult
	err    error // refused before it was queued
}

// sayWriter answers the lines of one say stream in their order. Answers
// are encoded into buf and flushed together: all those ready when the
// writer would otherwise wait go out in one write.
type sayWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	ctx     context.Context
	buf     bytes.Buffer
	enc     *json.Encoder
	batched int // answers in buf
	queue   chan pending
	done    chan struct{} // closed when run returns
}

// push queues p for the writer; false when the stream is over or p is a
// refusal.
func (sw *sayWriter) push(p pending) bool {
	select {
	case sw.queue <- p:
		return p.err == nil
	case <-sw.done:
		return false
	}
}

// run writes the answer of every pending line until the queue is closed,
// a line is refused or the stream breaks.
func (sw *sayWriter) run() {
	defer close(sw.done)
	for {
		p, ok := sw.take()
		if !ok {
			return
		}
		if p.err != nil {
			sw.fail(p.line, p.err)
			return
		}
		res, ok := sw.wait(p)
		if !ok {
			return
		}
		if errors.Is(res.Err, node.ErrNoQuorum) {
			// The message stays queued; the others are answered too.
			line := api.Error{Error: fmt.Sprintf("line %d: %v", p.line, res.Err), Code: api.CodeNoQuorum, Queued: true}
			if sw.enc.Encode(line) != nil {
				return
			}
			sw.batched++
			continue
		}
		if res.Err != nil {
			sw.fail(p.line, res.Err)
			return
		}
		if sw.enc.Encode(res.Receipt) != nil {
			return
		}
		if sw.batched++; sw.batched >= streamBatch && !sw.flushBatch() {
			return
		}
	}
}

// take returns the next pending line; when none is waiting yet it first
// writes the answers that are ready. false when the queue is closed (what
// is ready written) or the stream broke.
func (sw *sayWriter) take() (pending, bool) {
	select {
	case p, ok := <-sw.queue:
		if !ok {
			sw.flushBatch()
		}
		return p, ok
	default:
	}
	if !sw.flushBatch() {
		return pending{}, false
	}
	p, ok := <-sw.queue
	return p, ok
}

// wait returns p's result; while it is not there yet, the answers that are
// ready are written. false when the stream broke or the client went away.
func (sw *sayWriter) wait(p pending) (node.SayResult, bool) {
	select {
	case res := <-p.result:
		return res, true
	default:
	}
	if !sw.flushBatch() {
		return node.SayResult{}, false
	}
	select {
	case res := <-p.result:
		return res, true
	case <-sw.ctx.Done():
		return node.SayResult{}, false
	}
}

// fail ends the stream with the error line of line.
func (sw *sayWriter) fail(line int, err error) {
	if sw.enc.Encode(errorLine(fmt.Sprintf("line %d: %v", line, err), err)) == nil {
		sw.flush()
	}
}

// flushBatch writes the answers in buf, if any.
func (sw *sayWriter) flushBatch() bool {
	if sw.batched == 0 {
		return true
	}
	sw.batched = 0
	return sw.flush()
}

func (sw *sayWriter) flush() bool {
	_ = sw.rc.SetWriteDeadline(time.Now().Add(writeWait))
	_, err := sw.w.Write(sw.buf.Bytes())
	sw.buf.Reset()
	return err == nil && sw.rc.Flush() == nil
}
