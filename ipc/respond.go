package ipc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/ipc/api"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(writeWait))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, api.Error{Error: msg})
}

// writeNodeError maps an error of the node to an HTTP status.
func writeNodeError(w http.ResponseWriter, err error) {
	var input *node.InputError
	status := http.StatusInternalServerError
	switch {
	case errors.As(err, &input):
		status = http.StatusBadRequest
	case errors.Is(err, node.ErrDetached), errors.Is(err, node.ErrRefused):
		status = http.StatusConflict
	case errors.Is(err, node.ErrStopped):
		status = http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		status = http.StatusGatewayTimeout
	}
	writeError(w, status, strings.TrimSpace(err.Error()))
}
