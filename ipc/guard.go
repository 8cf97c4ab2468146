package ipc

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/ringchat/ring/ipc/api"
)

// allowedHosts are the Host values the local API answers to: the fixed name
// the typed client sends, "localhost" (curl --unix-socket and most other
// clients), and none at all (HTTP/1.0 may omit Host; HTTP/1.1 without one is
// refused by net/http itself).
var allowedHosts = map[string]bool{api.Host: true, "localhost": true, "": true}

// guard refuses requests that did not come from a local client: browsers,
// and anything addressed to another host. A web page can reach the socket
// only through something that forwards HTTP to it; such requests carry the
// browser's Origin or Sec-Fetch-* headers, or, after DNS rebinding, the
// attacker's host name.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := browserHeader(r.Header); h != "" {
			writeError(w, http.StatusForbidden, fmt.Sprintf("requests from web browsers are refused (%s header); use ringctl or another local client", h))
			return
		}
		if !allowedHosts[r.Host] {
			writeError(w, http.StatusForbidden, fmt.Sprintf("unexpected Host %q; the local API answers only to Host %q or %q", r.Host, api.Host, "localhost"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// browserHeader names a header only browsers send, or returns "". Any Origin
// counts, even an empty one or "null"; Sec-Fetch-* are sent by browsers on
// every request to localhost, including navigations that carry no Origin.
func browserHeader(h http.Header) string {
	if _, ok := h["Origin"]; ok {
		return "Origin"
	}
	name := "" // the least, so the message does not depend on map order
	for k := range h {
		if strings.HasPrefix(k, "Sec-Fetch-") && (name == "" || k < name) {
			name = k
		}
	}
	return name
}
