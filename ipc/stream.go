package ipc

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/ringchat/ring/ipc/api"
)

// handleMessages streams stored messages, one JSON object per line, and with
// follow=true every later one until the client goes away or the node stops.
// A watcher that cannot keep up is dropped by the node, never waited for.
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	q, follow, err := parseQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	backlog, sub, err := s.node.watch(q)
	if err != nil {
		writeNodeError(w, err)
		return
	}
	defer sub.Close()

	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	w.Header().Set("Content-Type", api.ContentTypeStream)
	w.WriteHeader(http.StatusOK)
	send := func(v any) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(writeWait))
		if err := enc.Encode(v); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	var last uint64
	for _, m := range backlog {
		if !send(m) {
			return
		}
		last = max(last, m.Seq)
	}
	if !follow {
		return
	}
	for {
		select {
		case m, ok := <-sub.Messages():
			if !ok {
				if err := sub.Err(); err != nil {
					send(api.Error{Error: err.Error()})
				}
				return
			}
			if m.Seq != 0 && m.Seq <= last {
				continue
			}
			if !send(m) {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}
