package ipc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ringchat/ring/daemon"
	"github.com/ringchat/ring/ipc/api"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+api.PathStatus, s.handleStatus)
	mux.HandleFunc("GET "+api.PathMembers, s.handleMembers)
	mux.HandleFunc("POST "+api.PathJoin, s.handleJoin)
	mux.HandleFunc("POST "+api.PathLeave, s.handleLeave)
	mux.HandleFunc("POST "+api.PathSay, s.handleSay)
	mux.HandleFunc("POST "+api.PathSayStream, s.handleSayStream)
	mux.HandleFunc("GET "+api.PathMessages, s.handleMessages)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such call: %s %s", r.Method, r.URL.Path))
	})
	return s.guard(mux)
}

// guard refuses requests that did not come from a local client: browsers
// (an Origin header) and anything addressed to another host.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			writeError(w, http.StatusForbidden, "requests from browsers (Origin header) are refused")
			return
		}
		if h := r.Host; h != api.Host && h != "localhost" {
			writeError(w, http.StatusForbidden, fmt.Sprintf("unexpected Host %q; the local API answers only to %q", h, api.Host))
			return
		}
		if r.URL.Path != api.PathSayStream { // streams bound each line instead
			r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.node.Status())
}

func (s *Server) handleMembers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.node.Members())
}

func (s *Server) handleJoin(w http.ResponseWriter, r *http.Request) {
	var req api.JoinRequest
	if !decodeBody(w, r, &req) {
		return
	}
	s.logCall(r, "join", "addr", req.Addr)
	st, err := s.node.Join(r.Context(), req.Addr)
	if err != nil {
		writeNodeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleLeave(w http.ResponseWriter, r *http.Request) {
	s.logCall(r, "leave")
	st, err := s.node.Leave(r.Context())
	if err != nil {
		writeNodeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleSay(w http.ResponseWriter, r *http.Request) {
	var req api.SayRequest
	if !decodeBody(w, r, &req) {
		return
	}
	s.logCall(r, "say", "bytes", len(req.Text), "to", req.To)
	rc, err := s.node.Say(r.Context(), req.Text, req.To)
	if err != nil {
		writeNodeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rc)
}

// logCall records a mutating call with the caller's uid and pid.
func (s *Server) logCall(r *http.Request, call string, args ...any) {
	c := CallerFrom(r.Context())
	attrs := []any{"call", call}
	if c.Known {
		attrs = append(attrs, "uid", c.UID, "pid", c.PID)
	}
	s.log.Info("local call", append(attrs, args...)...)
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", tooBig.Limit))
			return false
		}
		writeError(w, http.StatusBadRequest, "malformed request body: "+err.Error())
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "malformed request body: more than one JSON value")
		return false
	}
	return true
}

func parseQuery(r *http.Request) (daemon.Query, bool, error) {
	q := daemon.Query{N: 20}
	v := r.URL.Query()
	for key := range v {
		switch key {
		case "n", "since", "follow":
		default:
			return q, false, fmt.Errorf("unknown parameter %q (known: n, since, follow)", key)
		}
	}
	if s := v.Get("n"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return q, false, fmt.Errorf("parameter n: %q is not a count (0 or more)", s)
		}
		q.N = n
	}
	if s := v.Get("since"); s != "" {
		seq, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return q, false, fmt.Errorf("parameter since: %q is not a sequence number", s)
		}
		q.Since, q.HasSince = seq, true
	}
	follow := false
	if s := v.Get("follow"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, false, fmt.Errorf("parameter follow: %q is not true or false", s)
		}
		follow = b
	}
	return q, follow, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, api.Error{Error: msg})
}

// writeNodeError maps an error of the node to an HTTP status.
func writeNodeError(w http.ResponseWriter, err error) {
	var input *daemon.InputError
	status := http.StatusInternalServerError
	switch {
	case errors.As(err, &input):
		status = http.StatusBadRequest
	case errors.Is(err, daemon.ErrNotImplemented):
		status = http.StatusNotImplemented
	case errors.Is(err, daemon.ErrDetached):
		status = http.StatusConflict
	case errors.Is(err, daemon.ErrStopped):
		status = http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		status = http.StatusGatewayTimeout
	}
	writeError(w, status, strings.TrimSpace(err.Error()))
}
