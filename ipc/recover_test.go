package ipc

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/ringchat/ring/internal/testutil"
)

// A handler that panics answers a JSON 500 and logs the panic; the server
// carries on.
func TestPanicAnsweredAsJSON(t *testing.T) {
	logs := &testutil.SyncBuffer{}
	sock, f := serveFakeLogged(t, slog.New(slog.NewTextHandler(logs, nil)), nil)
	f.broken.Store(true)
	resp, body := rawExchange(t, sock, "GET /v1/members HTTP/1.1\r\nHost: ringd\r\n\r\n")
	wantJSONError(t, resp, body, 500, "internal error in ringd: members are broken")
	if !strings.Contains(logs.String(), `msg="panic in local API handler"`) {
		t.Fatalf("panic not logged:\n%s", logs.String())
	}
	resp, body = rawExchange(t, sock, "GET /v1/status HTTP/1.1\r\nHost: ringd\r\n\r\n")
	if resp.StatusCode != 200 {
		t.Fatalf("status after a panic: %d %s", resp.StatusCode, body)
	}
}
