package ipc

import (
	"fmt"
	"net/http"
	"time"

	"github.com/ringchat/ring/ipc/api"
)

// route is one call of the local API. Every path takes exactly one method.
type route struct {
	method string
	handle http.HandlerFunc
	query  bool // takes query parameters (checked by the handler)
	stream bool // reads its own body as a stream, without the body limits
}

// router matches the path exactly. It replaces http.ServeMux, whose own
// answers (redirects to cleaned paths, plain-text 404 and 405) are not JSON.
type router struct {
	s     *Server
	calls map[string]route
}

func (s *Server) routes() router {
	return router{s: s, calls: map[string]route{
		api.PathStatus:    {method: http.MethodGet, handle: s.handleStatus},
		api.PathMembers:   {method: http.MethodGet, handle: s.handleMembers},
		api.PathJoin:      {method: http.MethodPost, handle: s.handleJoin},
		api.PathLeave:     {method: http.MethodPost, handle: s.handleLeave},
		api.PathReform:    {method: http.MethodPost, handle: s.handleReform},
		api.PathSay:       {method: http.MethodPost, handle: s.handleSay},
		api.PathSayStream: {method: http.MethodPost, handle: s.handleSayStream, stream: true},
		api.PathMessages:  {method: http.MethodGet, handle: s.handleMessages, query: true},
	}}
}

func (rt router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	call, ok := rt.calls[r.URL.Path]
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such call: %s %s", r.Method, r.URL.Path))
		return
	case r.Method != call.method:
		w.Header().Set("Allow", call.method)
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: method not allowed; this call takes %s", r.Method, r.URL.Path, call.method))
		return
	case !call.query && r.URL.RawQuery != "":
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%s %s takes no query parameters (got %q)", r.Method, r.URL.Path, r.URL.RawQuery))
		return
	}
	if call.stream {
		_ = http.NewResponseController(w).SetReadDeadline(time.Time{}) // see bodyDeadline
	} else if !rt.s.readFullBody(w, r) {
		return
	}
	call.handle(w, r)
}
