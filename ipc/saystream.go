package ipc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ringchat/ring/ipc/api"
)

// handleSayStream takes one say request per line and answers one receipt per
// line in the same order, so a client can keep many messages in flight over
// one connection without their order changing on the way. The first refusal
// is answered with an error line and ends the stream.
func (s *Server) handleSayStream(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	if err := rc.EnableFullDuplex(); err != nil {
		writeError(w, http.StatusInternalServerError, "streaming is not available: "+err.Error())
		return
	}
	s.logCall(r, "say-stream")
	w.Header().Set("Content-Type", api.ContentTypeStream)
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	send := func(v any) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteWait))
		return enc.Encode(v) == nil && rc.Flush() == nil
	}
	if !send(struct{}{}) { // the first line: the stream is open
		return
	}
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 4096), maxRequestBody)
	line := 0
	for sc.Scan() {
		line++
		var req api.SayRequest
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			send(api.Error{Error: fmt.Sprintf("line %d: malformed request: %v", line, err)})
			return
		}
		receipt, err := s.node.Say(r.Context(), req.Text, req.To)
		if err != nil {
			send(api.Error{Error: fmt.Sprintf("line %d: %v", line, err)})
			return
		}
		if !send(receipt) {
			return
		}
	}
	if err := sc.Err(); err != nil && r.Context().Err() == nil {
		send(api.Error{Error: fmt.Sprintf("line %d: %v", line+1, err)})
	}
}
