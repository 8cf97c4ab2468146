package ipc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/ringchat/ring/daemon"
	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/ipc/api"
)

// streamBatch and streamBatchBytes bound one write of a stream: the lines
// encoded before they are flushed to the socket together and given
// writeWait to be taken by the client. A single longer line goes alone.
const (
	streamBatch      = 256
	streamBatchBytes = 64 << 10
)

// maxSentDirects is how many of the direct messages a follow stream wrote it
// remembers, to skip them when a resumed stream reads them again (resume).
const maxSentDirects = 4096

// handleMessages streams stored messages, one JSON object per line, and with
// follow=true every later one until the client goes away or the node stops.
//
// Lines are written in batches: what the subscription already holds (up to
// streamBatch lines or streamBatchBytes) is encoded and flushed with one
// write, so a busy chat costs a write per batch, not per message and watcher.
//
// The node never waits for a watcher: one that falls daemon.WatchBuffer
// messages behind is dropped (daemon.ErrWatcherTooSlow). The stream then
// resumes: it watches again from the last sequence number it wrote, writes
// the stored messages it missed and follows on, so the client sees one
// stream with no gap and no message twice (see resume). Any other end of the
// subscription (the node stopping) ends the stream with an error line.
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	q, follow, err := parseQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	// Where a resume starts if the stream wrote no sequenced message at all
	// (tail -f -n 0 on a quiet ring): after what was stored before it began.
	floor := q.Since
	if follow && !q.HasSince {
		floor = s.node.Status().LastSeq
	}
	backlog, sub, err := s.node.watch(q)
	if err != nil {
		writeNodeError(w, err)
		return
	}
	defer func() { sub.Close() }()

	st := newMessageStream(w)
	w.Header().Set("Content-Type", api.ContentTypeStream)
	w.WriteHeader(http.StatusOK)
	if !st.writeAll(backlog) {
		return
	}
	if !follow {
		return
	}
	if !st.flushHeaders() { // the client knows now that it is following
		return
	}
	ctx := r.Context()
	resumes := 0
	var budget resumeBudget
	for {
		var open bool
		select {
		case m, ok := <-sub.Messages():
			open = ok
			if ok {
				st.add(m)
				open = st.drain(sub.Messages())
			}
			if !st.flush() {
				return
			}
		case <-ctx.Done():
			return
		}
		if open {
			continue
		}
		err := sub.Err()
		if ctx.Err() != nil {
			return
		}
		if !errors.Is(err, daemon.ErrWatcherTooSlow) {
			if err != nil {
				st.writeError(err)
			}
			return
		}
		resumes++
		if !budget.allow(time.Now()) {
			s.log.Warn("follow stream keeps falling behind; ended", "resumes", resumes)
			st.writeError(err)
			return
		}
		next, ok := s.resume(ctx, st, floor, resumes)
		if !ok {
			return
		}
		sub = next
	}
}

// A stream that falls behind again and again cannot take the chat's pace,
// and each resume reads what it missed from the store: after maxResumes
// resumes within resumeWindow it ends with the node's error, as before
// resumes existed (the client may reconnect with --since).
const (
	maxResumes   = 8
	resumeWindow = time.Minute
)

// resumeBudget remembers when the last resumes happened.
type resumeBudget struct{ at []time.Time }

// allow records a resume at now and reports whether it is within budget.
func (b *resumeBudget) allow(now time.Time) bool {
	kept := b.at[:0]
	for _, t := range b.at {
		if now.Sub(t) < resumeWindow {
			kept = append(kept, t)
		}
	}
	b.at = append(kept, now)
	return len(b.at) <= maxResumes
}

// resume watches again after the node dropped the stream's subscription as
// too slow and writes what the stream missed; it reports false when the
// stream has ended.
//
// It asks for the stored messages after the last sequenced message written
// (daemon.Query Since; with none written, after floor). The store answers
// those in its order: the sequenced messages above that number and the
// direct messages (seq 0) stored after it — also those that arrived while
// the stream was dropped, so none is lost. Direct messages the stream wrote
// already may come again (a direct message is stored after the last
// sequenced message stored when it arrived, which the stream may have
// written after it): they are skipped by id, of the last maxSentDirects
// written. Messages that retention removed meanwhile cannot be shown: the
// stream goes on from the oldest one stored, and the gap is logged.
func (s *Server) resume(ctx context.Context, st *messageStream, floor uint64, resumes int) (subscription, bool) {
	after := st.last
	if after == 0 {
		after = floor
	}
	backlog, sub, err := s.node.watch(daemon.Query{Since: after, HasSince: true})
	if err != nil {
		st.writeError(err)
		return nil, false
	}
	missed, next := 0, uint64(0)
	var seen directSet // the direct messages a later resume may read again
	for _, m := range backlog {
		if m.Seq == 0 {
			seen.add(m.ID)
		} else if next == 0 {
			next = m.Seq
		}
		if !st.written(m) {
			missed++
		}
	}
	if next > after+1 {
		s.log.Warn("follow stream resumed: the history no longer holds some messages it missed (retention), they are skipped",
			"after", after, "next", next)
	}
	s.log.Info("follow stream fell behind and was dropped by the node; resumed from the history",
		"after", after, "missed", missed, "resumes", resumes)
	if !st.writeAll(backlog) || ctx.Err() != nil {
		sub.Close()
		return nil, false
	}
	st.directs = seen
	return sub, true
}

// messageStream writes one JSON message per line in batches, and remembers
// what it wrote so that no message is written twice.
type messageStream struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	buf bytes.Buffer
	enc *json.Encoder
	n   int // lines in buf
	bad bool
	// last is the highest sequence number written; directs the direct
	// messages (seq 0) written that a resume may read again.
	last    uint64
	directs directSet
}

func newMessageStream(w http.ResponseWriter) *messageStream {
	st := &messageStream{w: w, rc: http.NewResponseController(w)}
	st.enc = json.NewEncoder(&st.buf)
	return st
}

// written says whether m was written already (or an older sequenced
// message than the last written: the stream never goes back).
func (st *messageStream) written(m chat.Message) bool {
	if m.Seq != 0 {
		return m.Seq <= st.last
	}
	return st.directs.has(m.ID)
}

// add encodes m into the batch unless it was written already.
func (st *messageStream) add(m chat.Message) {
	if st.written(m) {
		return
	}
	if err := st.enc.Encode(m); err != nil {
		st.bad = true
		return
	}
	st.n++
	if m.Seq != 0 {
		st.last = m.Seq
	} else {
		st.directs.add(m.ID)
	}
}

func (st *messageStream) full() bool {
	return st.n >= streamBatch || st.buf.Len() >= streamBatchBytes
}

// drain adds the messages already waiting in c, without waiting, until the
// batch is full; false when c is closed.
func (st *messageStream) drain(c <-chan chat.Message) bool {
	for !st.full() {
		select {
		case m, ok := <-c:
			if !ok {
				return false
			}
			st.add(m)
		default:
			return true
		}
	}
	return true
}

// writeAll writes msgs, flushing per batch.
func (st *messageStream) writeAll(msgs []chat.Message) bool {
	for _, m := range msgs {
		st.add(m)
		if st.full() && !st.flush() {
			return false
		}
	}
	return st.flush()
}

// flush writes the batch, if any, with one deadline and one flush; false
// when the stream is broken.
func (st *messageStream) flush() bool {
	if st.bad {
		return false
	}
	if st.buf.Len() == 0 {
		return true
	}
	_ = st.rc.SetWriteDeadline(time.Now().Add(writeWait))
	_, err := st.w.Write(st.buf.Bytes())
	st.buf.Reset()
	st.n = 0
	if err != nil || st.rc.Flush() != nil {
		st.bad = true
		return false
	}
	return true
}

// flushHeaders sends the response's headers if nothing else was written.
func (st *messageStream) flushHeaders() bool {
	if st.bad {
		return false
	}
	_ = st.rc.SetWriteDeadline(time.Now().Add(writeWait))
	if st.rc.Flush() != nil {
		st.bad = true
		return false
	}
	return true
}

// writeError ends the stream with an error line after what is written.
func (st *messageStream) writeError(err error) {
	if st.bad {
		return
	}
	if st.enc.Encode(errorLine(err.Error(), err)) == nil {
		st.n++
	}
	st.flush()
}

// directSet holds the ids of the last maxSentDirects direct messages added.
type directSet struct {
	ids   map[string]struct{}
	order []string
}

func (d *directSet) has(id string) bool {
	_, ok := d.ids[id]
	return ok
}

func (d *directSet) add(id string) {
	if d.has(id) {
		return
	}
	if d.ids == nil {
		d.ids = map[string]struct{}{}
	}
	d.ids[id] = struct{}{}
	d.order = append(d.order, id)
	if len(d.order) > maxSentDirects {
		delete(d.ids, d.order[0])
		d.order = d.order[1:]
	}
}
