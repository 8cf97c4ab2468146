package ipc

import (
	"bytes"
	"io"
	"net/http"

	"github.com/ringchat/ring/ipc/api"
)

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

// handleReform needs {"confirm":true}: forcing a view may lose what only
// the members it drops held.
func (s *Server) handleReform(w http.ResponseWriter, r *http.Request) {
	var req api.ReformRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if !req.Confirm {
		writeError(w, http.StatusBadRequest, `reform forces a new view and may lose what only the dropped members hold: send {"confirm":true}`)
		return
	}
	s.logCall(r, "reform")
	st, err := s.node.Reform(r.Context())
	if err != nil {
		writeNodeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// handleLeave takes no parameters: an empty body or an empty object.
func (s *Server) handleLeave(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body) // in memory already (readFullBody)
	if len(bytes.TrimSpace(b)) > 0 {
		if err := decodeObject(b, &struct{}{}); err != nil {
			writeError(w, http.StatusBadRequest, "malformed request body: "+err.Error())
			return
		}
	}
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
