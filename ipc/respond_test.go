package ipc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/ipc/api"
)

// Every error of the node, also wrapped, gets its status and code; what the
// node does not name is a failure of the call, not a fault of ringd.
func TestRefusalOf(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		code   api.Code
	}{
		{&node.InputError{Field: "text", Problem: "empty message"}, http.StatusBadRequest, api.CodeInvalidInput},
		{fmt.Errorf("join: %w", node.ErrDetached), http.StatusConflict, api.CodeDetached},
		{fmt.Errorf("%w: the node is member", node.ErrRefused), http.StatusConflict, api.CodeRefused},
		{node.ErrStopped, http.StatusServiceUnavailable, api.CodeStopped},
		{fmt.Errorf("join through x: %w", context.DeadlineExceeded), http.StatusGatewayTimeout, api.CodeTimeout},
		{fmt.Errorf("%w: the message is queued", context.Canceled), http.StatusGatewayTimeout, api.CodeCanceled},
		{&node.NoQuorumError{ID: "n/1", Reachable: 1, Members: 3, Quorum: 2}, http.StatusInternalServerError, api.CodeNoQuorum},
		{watch.ErrWatcherTooSlow, http.StatusInternalServerError, api.CodeWatcherTooSlow},
		{errors.New("join through x: cannot reach x"), http.StatusInternalServerError, api.CodeFailed},
		{&refusal{api.CodeTooLarge, errors.New("longer than 10 bytes")}, http.StatusBadRequest, api.CodeTooLarge},
	} {
		status, code := refusalOf(c.err)
		if status != c.status || code != c.code {
			t.Errorf("refusalOf(%v) = %d %s, want %d %s", c.err, status, code, c.status, c.code)
		}
		if line := errorLine("x", c.err); line.Code != c.code || line.Queued {
			t.Errorf("errorLine(%v) = %+v", c.err, line)
		}
	}
}

// Every status the server answers by itself has a code of its own kind.
func TestStatusCodes(t *testing.T) {
	for status, code := range map[int]api.Code{
		400: api.CodeBadRequest, 403: api.CodeForbidden, 404: api.CodeNotFound, 405: api.CodeMethodNotAllowed,
		408: api.CodeTimeout, 413: api.CodeTooLarge, 417: api.CodeUnsupported, 431: api.CodeTooLarge,
		500: api.CodeInternal, 501: api.CodeUnsupported, 505: api.CodeUnsupported,
	} {
		if got := api.StatusCode(status); got != code {
			t.Errorf("api.StatusCode(%d) = %s, want %s", status, got, code)
		}
	}
}
