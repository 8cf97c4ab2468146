package ipc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/ringchat/ring/ipc/api"
)

// net/http answers a request it cannot parse (bad request line or headers,
// headers too large, no Host in HTTP/1.1, an unknown Transfer-Encoding or
// Expect) by itself, in plain text, before any handler runs, and hangs up
// without a word on one whose headers time out.
// refusalListener hands it connections that rewrite the first kind as JSON
// errors and answer the second with one, so every refusal of the local API
// reads the same to ringctl.
type refusalListener struct {
	net.Listener
	lim limits
}

func (l refusalListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &refusalConn{Conn: c, lim: l.lim}, nil
}

type refusalConn struct {
	net.Conn
	lim limits

	mu          sync.Mutex
	unanswered  bool  // bytes were read since the last write
	readErr     error // of the last read
	writeClosed bool
}

func (c *refusalConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.unanswered = c.unanswered || n > 0
	c.readErr = err
	c.mu.Unlock()
	return n, err
}

// Close answers a request whose headers timed out, which net/http drops
// without a word: some of it was read, nothing written since, and the last
// read hit the deadline. (A request cut short by EOF needs nothing here:
// net/http refuses it as malformed.)
func (c *refusalConn) Close() error {
	c.mu.Lock()
	owed := c.unanswered && !c.writeClosed && errors.Is(c.readErr, os.ErrDeadlineExceeded)
	c.unanswered = false
	c.mu.Unlock()
	if owed {
		msg := fmt.Sprintf("request line and headers not received within %v", c.lim.readHeader)
		_ = c.Conn.SetWriteDeadline(time.Now().Add(writeWait))
		_, _ = c.Conn.Write(jsonRefusal(http.StatusRequestTimeout, msg))
	}
	return c.Conn.Close()
}

// NetConn returns the connection underneath (for SO_PEERCRED).
func (c *refusalConn) NetConn() net.Conn { return c.Conn }

// CloseWrite lets net/http half-close the connection after a refusal so the
// client can still read it.
func (c *refusalConn) CloseWrite() error {
	c.mu.Lock()
	c.writeClosed = true
	c.mu.Unlock()
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Write passes everything through but net/http's own refusals. Each is
// written in one call that starts with its status line. The handlers never
// answer text/plain or 417, and what they write after their headers is JSON
// (no raw CR LF) in chunk framing, so no other write can match, not even one
// that starts mid-body with chat text that looks like a status line.
func (c *refusalConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.unanswered = false
	c.mu.Unlock()
	status, detail, ok := parseServerRefusal(p)
	if !ok {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(jsonRefusal(status, c.refusalMessage(status, detail))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// plainRefusalHeaders is what net/http puts between the status line and the
// text of its own refusals (net/http/server.go, conn.serve).
const plainRefusalHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// parseServerRefusal recognises a refusal net/http wrote by itself and
// returns its status and the detail it gave, if any.
func parseServerRefusal(p []byte) (status int, detail string, ok bool) {
	rest, found := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	if !found || len(rest) < 4 || rest[3] != ' ' {
		return 0, "", false
	}
	status, err := strconv.Atoi(string(rest[:3]))
	if err != nil || status < 400 {
		return 0, "", false
	}
	if status == http.StatusExpectationFailed { // sendExpectationFailed: headers only
		if !bytes.HasPrefix(rest, []byte("417 Expectation Failed\r\n")) || !bytes.Contains(rest, []byte("\r\nConnection: close\r\n")) {
			return 0, "", false
		}
		return status, "", true
	}
	_, text, found := bytes.Cut(rest, []byte(plainRefusalHeaders))
	if !found {
		return 0, "", false
	}
	// The text is "NNN Status Text", "NNN Status Text: detail" or a phrase.
	prefix := fmt.Sprintf("%d %s", status, http.StatusText(status))
	text, _ = bytes.CutPrefix(text, []byte(prefix))
	text, _ = bytes.CutPrefix(text, []byte(": "))
	return status, string(text), true
}

func (c *refusalConn) refusalMessage(status int, detail string) string {
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		return fmt.Sprintf("request line and headers over %d bytes", c.lim.header)
	case http.StatusNotImplemented:
		return "unsupported Transfer-Encoding; only chunked is accepted"
	case http.StatusHTTPVersionNotSupported:
		return "unsupported HTTP version; the local API speaks HTTP/1.0 and HTTP/1.1"
	case http.StatusExpectationFailed:
		return "unsupported Expect header; only 100-continue is accepted"
	}
	if detail == "" {
		return "malformed HTTP request: the request line or a header could not be parsed"
	}
	return "malformed HTTP request: " + detail
}

func jsonRefusal(status int, msg string) []byte {
	body, _ := json.Marshal(api.Error{Error: msg, Code: api.StatusCode(status)})
	body = append(body, '\n')
	head := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n",
		status, http.StatusText(status), len(body))
	return append([]byte(head), body...)
}
