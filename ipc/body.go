package ipc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// bodyDeadline gives the body of every request readBody to arrive. Ordinary
// calls read it at once (readFullBody); a refused request's body is drained
// by net/http before it answers, which must not wait for ever either. Only
// the say stream lifts the deadline, as its body is a stream of lines.
func (s *Server) bodyDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.lim.readBody))
		}
		next.ServeHTTP(w, r)
	})
}

// readFullBody reads the body of an ordinary call, within the size limit and
// bodyDeadline, before the call runs, and answers the refusal itself when it
// cannot. Once the body has been read to its end, net/http lifts the read
// deadline itself (to watch the connection for the client going away), so a
// call that then takes long, like a join, is not cut short.
func (s *Server) readFullBody(w http.ResponseWriter, r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.lim.body))
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", tooBig.Limit))
		case errors.Is(err, os.ErrDeadlineExceeded):
			writeError(w, http.StatusRequestTimeout, fmt.Sprintf("request body not received within %v", s.lim.readBody))
		default:
			writeError(w, http.StatusBadRequest, "reading the request body: "+err.Error())
		}
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return true
}
