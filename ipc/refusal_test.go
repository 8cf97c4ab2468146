package ipc

import (
	"strings"
	"testing"
)

// net/http's own refusals, and the cases http.ServeMux would answer in plain
// text or with a redirect, all come back as JSON errors.
func TestServerRefusalsAreJSON(t *testing.T) {
	sock, _ := serveFake(t, nil)
	bigHeader := "X-Big: " + strings.Repeat("a", defaultLimits.header+8<<10) + "\r\n"
	for _, c := range []struct {
		name, request string
		status        int
		want          string
	}{
		{"garbage request line", "HELLO\r\n\r\n", 400, "malformed HTTP request"},
		{"no Host in HTTP/1.1", "GET /v1/status HTTP/1.1\r\n\r\n", 400, "missing required Host header"},
		{"two Hosts", "GET /v1/status HTTP/1.1\r\nHost: ringd\r\nHost: ringd\r\n\r\n", 400, "malformed HTTP request"},
		{"bad header name", "GET /v1/status HTTP/1.1\r\nHost: ringd\r\nBad Name: x\r\n\r\n", 400, "malformed HTTP request"},
		{"bad header value", "GET /v1/status HTTP/1.1\r\nHost: ringd\r\nX: a\x00b\r\n\r\n", 400, "malformed HTTP request"},
		{"bad Content-Length", "POST /v1/say HTTP/1.1\r\nHost: ringd\r\nContent-Length: -1\r\n\r\n", 400, "malformed HTTP request"},
		{"headers too large", "GET /v1/status HTTP/1.1\r\nHost: ringd\r\n" + bigHeader + "\r\n", 431, "over 16384 bytes"},
		{"unknown transfer encoding", "POST /v1/say HTTP/1.1\r\nHost: ringd\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "Transfer-Encoding"},
		{"unknown expectation", "POST /v1/say HTTP/1.1\r\nHost: ringd\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\n{}", 417, "Expect"},
		{"HTTP/2 request line", "GET /v1/status HTTP/2.0\r\nHost: ringd\r\n\r\n", 505, "HTTP version"},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: ringd\r\n\r\n", 404, "no such call: OPTIONS *"},
		{"unclean path", "GET /v1//status HTTP/1.1\r\nHost: ringd\r\n\r\n", 404, "no such call: GET /v1//status"},
		{"dot segments", "GET /v1/../v1/status HTTP/1.1\r\nHost: ringd\r\n\r\n", 404, "no such call"},
		{"trailing slash", "GET /v1/status/ HTTP/1.1\r\nHost: ringd\r\n\r\n", 404, "no such call"},
		{"wrong method", "DELETE /v1/status HTTP/1.1\r\nHost: ringd\r\n\r\n", 405, "this call takes GET"},
		{"CONNECT", "CONNECT ringd:80 HTTP/1.1\r\nHost: ringd:80\r\n\r\n", 403, "unexpected Host"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := rawExchange(t, sock, c.request)
			wantJSONError(t, resp, body, c.status, c.want)
		})
	}
}

func TestMethodNotAllowedNamesTheMethod(t *testing.T) {
	sock, _ := serveFake(t, nil)
	resp, body := rawExchange(t, sock, "POST /v1/status HTTP/1.1\r\nHost: ringd\r\nContent-Length: 0\r\n\r\n")
	wantJSONError(t, resp, body, 405, "POST /v1/status")
	if got := resp.Header.Get("Allow"); got != "GET" {
		t.Fatalf("Allow %q, want GET", got)
	}
}

// Only net/http's own refusals are rewritten: the handlers' answers, and
// writes that begin mid-body with chat text that looks like a status line,
// pass through.
func TestParseServerRefusalMatchesOnlyNetHTTP(t *testing.T) {
	for _, c := range []struct {
		name, write string
		status      int
	}{
		{"plain 400", "HTTP/1.1 400 Bad Request" + plainRefusalHeaders + "400 Bad Request", 400},
		{"status error", "HTTP/1.1 400 Bad Request: missing required Host header" + plainRefusalHeaders + "400 Bad Request: missing required Host header", 400},
		{"expectation", "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 417},
		{"handler answer", "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"error\":\"x\"}\n", 0},
		{"handler stream", "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n", 0},
		{"chat text", `HTTP/1.1 417 Expectation Failed","time":"1970-01-01T00:00:00Z"}` + "\n\r\n", 0},
		{"chat text 400", `HTTP/1.1 400 Bad Request Content-Type: text/plain; charset=utf-8"}` + "\n\r\n", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, _, ok := parseServerRefusal([]byte(c.write))
			if ok != (c.status != 0) || status != c.status {
				t.Fatalf("parseServerRefusal = %d, %v; want %d", status, ok, c.status)
			}
		})
	}
}

// A request the client cuts short still gets its answer.
func TestIncompleteRequestAnswered(t *testing.T) {
	sock, _ := serveFake(t, nil)
	for _, raw := range []string{"GET /v1/sta", "GET /v1/status HTTP/1.1\r\n", "GET /v1/status HTTP/1.1\r\nHost: ri"} {
		answers, err := exchangeAll(sock, raw, nil)
		if err != nil || len(answers) != 1 {
			t.Fatalf("%q: %d answers, err %v; want one", raw, len(answers), err)
		}
		wantJSONError(t, answers[0].resp, string(answers[0].body), 400, "malformed HTTP request")
	}
}
