package ipc

import (
	"fmt"
	"net/http"
	"runtime/debug"
)

// recoverPanics turns a panic in a handler into a logged error and a JSON
// 500 answer; net/http would only drop the connection. In a stream whose
// header is already sent the answer is the stream's final error line.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic in local API handler", "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("internal error in ringd: %v (see its log)", p))
		}()
		next.ServeHTTP(w, r)
	})
}
