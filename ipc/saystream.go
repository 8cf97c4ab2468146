package ipc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	// Receipts are encoded into buf and flushed together: all those ready
	// when the writer would otherwise wait go out in one write.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	flush := func() bool {
		_ = rc.SetWriteDeadline(time.Now().Add(writeWait))
		_, err := w.Write(buf.Bytes())
		buf.Reset()
		return err == nil && rc.Flush() == nil
	}
	fail := func(line int, err error) {
		if enc.Encode(api.Error{Error: fmt.Sprintf("line %d: %v", line, err)}) == nil {
			flush()
		}
	}
	if enc.Encode(struct{}{}) != nil || !flush() { // the first line: the stream is open
		return
	}

	type pending struct {
		line   int
		result <-chan node.SayResult
		err    error // refused before it was queued
	}
	queue := make(chan pending, sayStreamWindow)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		batched := 0 // receipts in buf
		for {
			var p pending
			var ok bool
			select {
			case p, ok = <-queue:
			default:
				// Nothing more to take now: write what is ready, then wait.
				if batched > 0 && !flush() {
					return
				}
				batched = 0
				p, ok = <-queue
			}
			if !ok {
				if batched > 0 {
					flush()
				}
				return
			}
			if p.err != nil {
				fail(p.line, p.err)
				return
			}
			var res node.SayResult
			select {
			case res = <-p.result:
			default:
				if batched > 0 && !flush() {
					return
				}
				batched = 0
				select {
				case res = <-p.result:
				case <-r.Context().Done():
					return
				}
			}
			if errors.Is(res.Err, node.ErrNoQuorum) {
				// The message stays queued; the others are answered too.
				if enc.Encode(api.Error{Error: fmt.Sprintf("line %d: %v", p.line, res.Err), Queued: true}) != nil {
					return
				}
				batched++
				continue
			}
			if res.Err != nil {
				fail(p.line, res.Err)
				return
			}
			if enc.Encode(res.Receipt) != nil {
				return
			}
			if batched++; batched >= streamBatch {
				if !flush() {
					return
				}
				batched = 0
			}
		}
	}()
	defer func() { <-writerDone }()
	defer close(queue)

	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 4096), int(s.lim.body))
	line := 0
	push := func(p pending) bool {
		select {
		case queue <- p:
			return p.err == nil
		case <-writerDone:
			return false
		}
	}
	for sc.Scan() {
		line++
		var req api.SayRequest
		if err := decodeObject(sc.Bytes(), &req); err != nil {
			push(pending{line: line, err: fmt.Errorf("malformed request: %w", err)})
			return
		}
		result, err := s.node.SayAsync(r.Context(), req.Text, req.To)
		if !push(pending{line: line, result: result, err: err}) {
			return
		}
	}
	switch err := sc.Err(); {
	case errors.Is(err, bufio.ErrTooLong):
		push(pending{line: line + 1, err: fmt.Errorf("longer than %d bytes", s.lim.body)})
	case err != nil && r.Context().Err() == nil:
		push(pending{line: line + 1, err: fmt.Errorf("reading the request: %w", err)})
	}
}
