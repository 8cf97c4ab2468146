package ipc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/ipc/api"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(writeWait))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers a refusal of the HTTP layer, whose code follows from
// its status (api.StatusCode).
func writeError(w http.ResponseWriter, status int, msg string) {
	writeRefusal(w, status, api.StatusCode(status), msg)
}

func writeRefusal(w http.ResponseWriter, status int, code api.Code, msg string) {
	writeJSON(w, status, api.Error{Error: msg, Code: code})
}

// writeNodeError answers an error of the node (or a refusal) with its
// status and code (refusalOf).
func writeNodeError(w http.ResponseWriter, err error) {
	status, code := refusalOf(err)
	writeRefusal(w, status, code, strings.TrimSpace(err.Error()))
}

// refusal is an error the server words itself, with its code: a say-stream
// line it cannot take.
type refusal struct {
	code api.Code
	err  error
}

func (r *refusal) Error() string { return r.err.Error() }

// nodeErrors are the errors of the node that have a status and a code of
// their own, in the order they are tested.
var nodeErrors = []struct {
	err    error
	status int
	code   api.Code
}{
	{node.ErrDetached, http.StatusConflict, api.CodeDetached},
	{node.ErrRefused, http.StatusConflict, api.CodeRefused},
	{node.ErrStopped, http.StatusServiceUnavailable, api.CodeStopped},
	{context.DeadlineExceeded, http.StatusGatewayTimeout, api.CodeTimeout},
	{context.Canceled, http.StatusGatewayTimeout, api.CodeCanceled},
	{node.ErrNoQuorum, http.StatusInternalServerError, api.CodeNoQuorum},
	{watch.ErrWatcherTooSlow, http.StatusInternalServerError, api.CodeWatcherTooSlow},
}

// refusalOf maps an error of the node, or a refusal, to an HTTP status and
// a code: the one place that knows the node's errors. What the node does
// not name is a call that failed (500, failed).
func refusalOf(err error) (int, api.Code) {
	var own *refusal
	var input *node.InputError
	switch {
	case errors.As(err, &own):
		return http.StatusBadRequest, own.code
	case errors.As(err, &input):
		return http.StatusBadRequest, api.CodeInvalidInput
	}
	for _, e := range nodeErrors {
		if errors.Is(err, e.err) {
			return e.status, e.code
		}
	}
	return http.StatusInternalServerError, api.CodeFailed
}

// errorLine is the Error line that ends a stream because of err.
func errorLine(msg string, err error) api.Error {
	_, code := refusalOf(err)
	return api.Error{Error: msg, Code: code}
}
