package ipc

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/ipc/api"
)

// streamBatch and streamBatchBytes bound one write of a stream: the lines
// encoded before they are flushed to the socket together and given
// writeWait to be taken by the client. A single longer line goes alone.
const (
	streamBatch      = 256
	streamBatchBytes = 64 << 10
)

// handleMessages streams stored messages, one JSON object per line, and with
// follow=true every later one until the client goes away or the node stops.
//
// Lines are written in batches: what the follower already holds (up to
// streamBatch lines or streamBatchBytes) is encoded and flushed with one
// write, so a busy chat costs a write per batch, not per message and watcher.
//
// The node never waits for a watcher; a stream it drops as too slow is
// resumed by the follower (watch.Follower) with no gap and no message twice.
// Any other end (the node stopping, or falling behind too often) ends the
// stream with an error line.
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	q, follow, err := parseQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	backlog, f, err := s.node.Follow(q)
	if err != nil {
		writeNodeError(w, err)
		return
	}
	defer f.Close()

	st := newMessageStream(w)
	w.Header().Set("Content-Type", api.ContentTypeStream)
	w.WriteHeader(http.StatusOK)
	if !st.writeAll(backlog) || !follow {
		return
	}
	if !st.flushHeaders() { // the client knows now that it is following
		return
	}
	ctx := r.Context()
	for {
		m, err := f.Next(ctx)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, watch.ErrClosed) {
				st.writeError(err)
			}
			return
		}
		st.addLine(m.JSON())
		for !st.full() {
			m, ok := f.Ready()
			if !ok {
				break
			}
			st.addLine(m.JSON())
		}
		if !st.flush() {
			return
		}
	}
}

// messageStream writes one JSON message per line, in batches.
type messageStream struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	buf bytes.Buffer
	enc *json.Encoder
	n   int // lines in buf
	bad bool
}

func newMessageStream(w http.ResponseWriter) *messageStream {
	st := &messageStream{w: w, rc: http.NewResponseController(w)}
	st.enc = json.NewEncoder(&st.buf)
	return st
}

// add encodes m into the batch.
func (st *messageStream) add(m chat.Message) {
	if err := st.enc.Encode(m); err != nil {
		st.bad = true
		return
	}
	st.n++
}

// addLine adds a message encoded already (watch.Message.JSON: the same
// bytes for every stream that shows it).
func (st *messageStream) addLine(line []byte, err error) {
	if err != nil {
		st.bad = true
		return
	}
	st.buf.Write(line)
	st.n++
}

func (st *messageStream) full() bool {
	return st.n >= streamBatch || st.buf.Len() >= streamBatchBytes
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
