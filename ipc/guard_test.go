package ipc

import (
	"testing"
)

func TestBrowserRequestsRefused(t *testing.T) {
	sock, _ := serveFake(t, nil)
	for _, c := range []struct{ name, header, want string }{
		{"origin", "Origin: http://evil.example\r\n", "Origin header"},
		{"null origin", "Origin: null\r\n", "Origin header"},
		{"empty origin", "Origin:\r\n", "Origin header"},
		{"fetch site", "Sec-Fetch-Site: cross-site\r\n", "Sec-Fetch-Site header"},
		{"fetch mode", "Sec-Fetch-Mode: navigate\r\n", "Sec-Fetch-Mode header"},
		{"lower case", "sec-fetch-dest: image\r\n", "Sec-Fetch-Dest header"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := rawExchange(t, sock, "GET /v1/status HTTP/1.1\r\nHost: ringd\r\n"+c.header+"\r\n")
			wantJSONError(t, resp, body, 403, c.want)
		})
	}
}

func TestHostPolicy(t *testing.T) {
	sock, _ := serveFake(t, nil)
	for _, c := range []struct {
		name, request string
		ok            bool
	}{
		{"client's host", "GET /v1/status HTTP/1.1\r\nHost: ringd\r\n\r\n", true},
		{"localhost", "GET /v1/status HTTP/1.1\r\nHost: localhost\r\n\r\n", true},
		{"HTTP/1.0 without Host", "GET /v1/status HTTP/1.0\r\n\r\n", true},
		{"HTTP/1.0 empty Host", "GET /v1/status HTTP/1.0\r\nHost:\r\n\r\n", true},
		{"foreign name", "GET /v1/status HTTP/1.1\r\nHost: evil.example\r\n\r\n", false},
		{"with a port", "GET /v1/status HTTP/1.1\r\nHost: localhost:8080\r\n\r\n", false},
		{"address", "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", false},
		{"absolute target", "GET http://evil.example/v1/status HTTP/1.1\r\nHost: ringd\r\n\r\n", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := rawExchange(t, sock, c.request)
			if c.ok {
				if resp.StatusCode != 200 {
					t.Fatalf("status %d (%s), want 200", resp.StatusCode, body)
				}
				return
			}
			wantJSONError(t, resp, body, 403, "unexpected Host")
		})
	}
}
